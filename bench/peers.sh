#!/usr/bin/env bash
# Run the peer tools (python-sgp4 / Skyfield / satellite.js) on the shared Sentinel benchmark workload.
#
#   bench/peers.sh [MODE ...]
#
# MODE is a workload of /work/shared/peers/bench_py.py (A-satrecarray A-sgp4array A-loop B-numpy
# B-skyfield) or of bench_js.mjs (A-js A-wasm1 A-wasm2 B-wasm1); `py:NAME` / `js:NAME` force the
# runner. A MODE may carry extra options for its script as one quoted word, e.g.
# 'B-skyfield --n-obj 1000'. Default: A-satrecarray B-numpy A-wasm2.
#
# Environment:
#   PEERS_DIR    writable work folder (default: <repo>/target/peers)
#   PEERS_SRC    peers scripts to copy (default: /work/shared/peers; never written to)
#   CATALOG      TLE catalog for prep.py (default: the Space-Track full catalog 2023-10)
#   N_OBJ        objects to select (default 10000)
#   GRID_STEP_S  grid step in s   (default: prep.py's, 60)
#   GRID_STEPS   grid step count  (default: prep.py's, 1440)
#   PYTHON, NODE, NPM             interpreters to use (default python3, node, npm)
#
# stdout: one JSON line per workload (exactly what the tool printed), then the absolute paths
#   bench.tle: ... / grid.txt: ... / sites.csv: ...
# Everything else (setup, prep, per-run wall times) goes to stderr. The JSON lines of this run
# are also written to $PEERS_DIR/results.jsonl (overwritten each run).
# Setup steps are skipped when already done (hash stamps), so reruns only re-run the workloads.
set -euo pipefail

log() { printf '[peers] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(dirname -- "$SCRIPT_DIR")

PEERS_SRC=$(realpath -e -- "${PEERS_SRC:-/work/shared/peers}")
PEERS_DIR=$(realpath -m -- "${PEERS_DIR:-$REPO_DIR/target/peers}")
CATALOG=${CATALOG:-/work/shared/data/catalog/spacetrack-full-catalog-2023-10.3le.txt}
[[ -f $CATALOG ]] || die "catalog not found: $CATALOG"
CATALOG=$(realpath -e -- "$CATALOG")
N_OBJ=${N_OBJ:-10000}
PYTHON=${PYTHON:-python3}
NODE=${NODE:-node}
NPM=${NPM:-npm}

[[ $N_OBJ =~ ^[1-9][0-9]*$ ]] || die "N_OBJ must be a positive integer: $N_OBJ"
for v in GRID_STEP_S GRID_STEPS; do
  if [[ -n ${!v:-} && ! ${!v} =~ ^[1-9][0-9]*$ ]]; then die "$v must be a positive integer: ${!v}"; fi
done
case $PEERS_DIR in "$PEERS_SRC"|"$PEERS_SRC"/*) die "PEERS_DIR must not be inside $PEERS_SRC";; esac

# ---- workloads to run (validated before any setup) ----
PY_MODES=' A-satrecarray A-sgp4array A-loop B-numpy B-skyfield '
JS_MODES=' A-js A-wasm1 A-wasm2 B-wasm1 '
(( $# )) || set -- A-satrecarray B-numpy A-wasm2
RUNS=()   # entries "py|js<TAB>mode and options"
for arg in "$@"; do
  read -r -a words <<<"$arg"
  (( ${#words[@]} )) || die "empty workload argument"
  mode=${words[0]}
  case $mode in
    py:*) runner=py; mode=${mode#py:} ;;
    js:*) runner=js; mode=${mode#js:} ;;
    *) if [[ $PY_MODES == *" $mode "* ]]; then runner=py
       elif [[ $JS_MODES == *" $mode "* ]]; then runner=js
       else die "unknown workload '$mode' (python:$PY_MODES| js:$JS_MODES; or prefix py:/js:)"; fi ;;
  esac
  RUNS+=("$runner"$'\t'"$mode${words[1]:+ ${words[*]:1}}")
done

# ---- 1. copy scripts, venv, npm ci ----
log "peers dir: $PEERS_DIR (from $PEERS_SRC)"
mkdir -p -- "$PEERS_DIR"
# shared/ is read-only: give the copies normal permissions so reruns can overwrite them
cp -R --no-preserve=mode -- "$PEERS_SRC"/. "$PEERS_DIR"/
cd -- "$PEERS_DIR"

py_stamp=$(sha requirements.txt)-$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')
if [[ -x venv/bin/python && -f venv/.peers-stamp && $(<venv/.peers-stamp) == "$py_stamp" ]] \
   && venv/bin/python -c 'import sgp4, skyfield, numpy' 2>/dev/null; then
  log "venv up to date, skipping pip install"
else
  log "creating venv and installing requirements.txt"
  rm -rf venv
  "$PYTHON" -m venv venv
  PIP_DISABLE_PIP_VERSION_CHECK=1 venv/bin/python -m pip install --no-input -r requirements.txt >&2
  printf '%s\n' "$py_stamp" > venv/.peers-stamp
fi

js_stamp=$(sha package.json package-lock.json)
if [[ -f node_modules/satellite.js/package.json && -f node_modules/.peers-stamp \
      && $(<node_modules/.peers-stamp) == "$js_stamp" ]]; then
  log "node_modules up to date, skipping npm ci"
else
  log "npm ci"
  "$NPM" ci --no-audit --no-fund >&2
  printf '%s\n' "$js_stamp" > node_modules/.peers-stamp
fi

# ---- 2. prep.py: bench.tle, grid.txt, sites.csv in $PEERS_DIR/work ----
prep_args=(--catalog "$CATALOG" --n "$N_OBJ")
[[ -n ${GRID_STEP_S:-} ]] && prep_args+=(--step-s "$GRID_STEP_S")
[[ -n ${GRID_STEPS:-} ]] && prep_args+=(--steps "$GRID_STEPS")
prep_stamp=$( { printf '%s\n' "${prep_args[@]}"; sha prep.py; sha "$CATALOG"; } | sha256sum | cut -d' ' -f1)
WORK=$PEERS_DIR/work
if [[ -f $WORK/bench.tle && -f $WORK/grid.txt && -f $WORK/sites.csv && -f $WORK/.peers-stamp \
      && $(<"$WORK/.peers-stamp") == "$prep_stamp" ]]; then
  log "prep outputs up to date, skipping prep.py ($(tr -d '\n' < "$WORK/prep.json"))"
else
  log "prep.py ${prep_args[*]}"
  rm -f -- "$WORK/.peers-stamp"
  t0=$EPOCHREALTIME
  venv/bin/python prep.py "${prep_args[@]}" >&2
  log "prep.py wall $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}') s"
  printf '%s\n' "$prep_stamp" > "$WORK/.peers-stamp"
fi

# ---- 3. workloads, one at a time ----
RESULTS=$PEERS_DIR/results.jsonl
: > "$RESULTS"
for run in "${RUNS[@]}"; do
  runner=${run%%$'\t'*}
  read -r -a words <<<"${run#*$'\t'}"
  if [[ $runner == py ]]; then cmd=(venv/bin/python bench_py.py "${words[@]}")
  else cmd=("$NODE" bench_js.mjs "${words[@]}"); fi
  log "run: ${cmd[*]}"
  t0=$EPOCHREALTIME
  out=$("${cmd[@]}")
  wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
  json=$(printf '%s\n' "$out" | grep -E '^[[:space:]]*\{' | tail -n 1 || true)
  [[ -n $json ]] || die "no JSON line from: ${cmd[*]} (stdout: $out)"
  other=$(printf '%s\n' "$out" | grep -vxF -- "$json" || true)
  [[ -z $other ]] || printf '%s\n' "$other" >&2
  printf '%s\n' "$json"
  printf '%s\n' "$json" >> "$RESULTS"
  log "${runner}:${words[*]} wall ${wall} s (process, incl. start-up and TLE parsing)"
done
log "results: $RESULTS"

# ---- 4. inputs for the equivalent Rust scenario ----
printf 'bench.tle: %s\n' "$WORK/bench.tle"
printf 'grid.txt: %s\n' "$WORK/grid.txt"
printf 'sites.csv: %s\n' "$WORK/sites.csv"
