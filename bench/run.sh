#!/usr/bin/env bash
# The benchmark (not a test): Sentinel on the full Space-Track catalog (26k objects) against 100
# ground sensors for 24 h at 10 s ticks, and Sentinel next to the Python/JS peers on the peers'
# own visibility workload, in the same run on the same machine. Prints figures; writes nothing
# under version control (outputs go to target/bench/).
#
#   bench/run.sh            # everything
#   SKIP_PEERS=1 bench/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/target/bench"
mkdir -p "$out"
cd "$repo"

cargo build --release --quiet
bin="$repo/target/release/sentinel"

echo "== full catalog x 100 sensors, 24 h at 10 s ticks (--threads 2)"
/usr/bin/time -f "process: %e s wall, %U s user, %S s sys, peak RSS %M KB" \
    "$bin" run scenarios/bench/full-catalog-100-sensors.ron --out "$out/full" --force --threads 2 --quiet 2>&1 \
    | grep -v "^\s*$" | grep -E "^sentinel: [0-9]|^process:"

if [ -z "${SKIP_PEERS:-}" ]; then
    echo "== peers' visibility workload (10k objects x 20 sites x 1440 steps of 60 s, el >= 10 deg)"
    paths=$("$here/peers.sh" B-numpy | tee "$out/peers.out" | grep -E "^(bench.tle|grid.txt|sites.csv): ")
    work=$(dirname "$(echo "$paths" | sed -n 's/^bench.tle: //p')")
    python3 "$here/gen_scenarios.py" peers "$work" "$out/peers-equivalent.ron"
    numpy=$(grep '"mode": "B-numpy"' "$out/peers.out")
    echo "numpy brute force: $numpy"
    start=$(date +%s.%N)
    summary=$("$bin" run "$out/peers-equivalent.ron" --out "$out/peers-run" --force --threads 2 --quiet 2>/dev/null)
    end=$(date +%s.%N)
    echo "$summary"
    python3 - "$numpy" "$start" "$end" "$out/peers-run/manifest.json" <<'PY'
import json, sys
numpy = json.loads(sys.argv[1]); wall = float(sys.argv[3]) - float(sys.argv[2])
m = json.load(open(sys.argv[4]))
print(f"sentinel whole process (parse, simulate, write {m['events']['lines']} events): {wall:.2f} s; "
      f"numpy timed section: {numpy['seconds']:.2f} s; ratio numpy/sentinel = {numpy['seconds'] / wall:.2f}")
PY
    peers_dir="${PEERS_DIR:-$repo/target/peers}"
    "$peers_dir/venv/bin/python" "$here/crosscheck_numpy.py" "$peers_dir" "$out/peers-run"
fi
