#!/usr/bin/env bash
# The benchmark (not a test): Sentinel on the full Space-Track catalog (26k objects) against 100
# ground sensors for 24 h at 10 s ticks, and Sentinel next to the Python/JS peers on the peers'
# own visibility workload, and all-pairs conjunction screening of the catalog next to a numpy
# reference, in the same run on the same machine. Prints figures; writes nothing
# under version control (outputs go to target/bench/).
#
#   bench/run.sh            # everything
#   SKIP_PEERS=1 bench/run.sh
#   SCREEN_RECALL=1 bench/run.sh   # also the screening's recall check at full size (about 3 min)
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

echo "== conjunction screening: full catalog all pairs, 24 h, 5 km (sentinel screen, 2 cores)"
catalog=/work/shared/data/catalog/spacetrack-full-catalog-2023-10.3le.txt
/usr/bin/time -f "process: %e s wall, %U s user, peak RSS %M KB" \
    "$bin" screen "$catalog" --format tle --hours 24 --threshold-km 5 2>&1 >"$out/screen.txt" | grep -E "^screened|^process:"
py="$repo/target/test-tools/py/bin/python"
if [ -x "$py" ]; then
    echo "reference (numpy + python-sgp4 SatrecArray + scipy cKDTree, filter only, 1 core, 2,000 objects, scaled):"
    "$py" "$here/screen_numpy.py" "$catalog" 2000
else
    echo "reference skipped: run tests/tools/setup.sh (it installs the Python venv with numpy and scipy)"
fi
if [ -n "${SCREEN_RECALL:-}" ]; then
    echo "== screening recall against a 1 s brute force: 1,000 real objects, 24 h, 5 km"
    SENTINEL_SCREEN_RECALL="16,24,5" cargo test --release -q -p sentinel-engine --test screen -- --nocapture 2>&1 \
        | grep -E "objects|worst|missed|test result"
fi

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
