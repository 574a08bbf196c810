#!/usr/bin/env bash
# Installs the independent readers and the browser the end-to-end tests use, from the package
# registries, into places the tests know (idempotent; a second run takes a second):
#   target/test-tools/py      CPython venv: ccsds-ndm (TDM/OEM XML+KVN), czml3, duckdb, opendis,
#                             scipy (Student t), fonttools (label widths in DejaVu/Liberation Sans)
#   target/test-tools/py-ndm  CPython venv: ccsds-ndm-py (a second, independent CCSDS NDM reader;
#                             it installs a module of the same name as ccsds-ndm, hence its own venv)
#   viewer/node_modules       cesium (served offline by `sentinel view`), playwright-core
#   /usr/bin/chromium         Debian's chromium (apt), for the headless browser test, and the fonts
#                             fonts-dejavu-core, fonts-liberation (chart label widths)
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=target/test-tools
mkdir -p "$tools"

venv() { # DIR REQUIREMENTS...
    local dir=$1; shift
    local stamp="$dir/.installed"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$*" ]]; then return; fi
    echo "== test tools: python venv $dir ($*)"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    echo "$*" >"$stamp"
}
venv "$tools/py" ccsds-ndm==3.1.1 czml3==4.0.0 duckdb==2.0.1 opendis==1.0 scipy==1.16.3 fonttools==4.68.0
venv "$tools/py-ndm" ccsds-ndm-py==0.0.9

if [[ ! -f viewer/node_modules/.package-lock.json || viewer/package-lock.json -nt viewer/node_modules/.package-lock.json ]]; then
    echo "== test tools: npm ci (viewer: cesium, playwright-core)"
    npm ci --prefix viewer --no-audit --no-fund --loglevel=error
fi

if [[ ! -x /usr/bin/chromium || ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
    || ! -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]]; then
    echo "== test tools: apt-get install chromium fonts-dejavu-core fonts-liberation"
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-dejavu-core fonts-liberation >/dev/null
fi
