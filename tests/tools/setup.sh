#!/usr/bin/env bash
# Installs the independent readers and the browser the end-to-end tests use, from the package
# registries, into places the tests know (idempotent; a second run takes a second):
#   target/test-tools/py      CPython venv: ccsds-ndm (TDM/OEM/OMM XML+KVN), czml3, duckdb, opendis,
#                             scipy (Student t; least_squares for od_fit.py), fonttools (label
#                             widths in DejaVu/Liberation Sans), sgp4 (Vallado's SGP4, for od_fit.py)
#   target/test-tools/py-ndm  CPython venv: ccsds-ndm-py (a second, independent CCSDS NDM reader;
#                             it installs a module of the same name as ccsds-ndm, hence its own venv)
#   viewer/node_modules       cesium (served offline by `sentinel view`), playwright-core
#   /usr/bin/chromium         Debian's chromium (apt), for the headless browser test, and the fonts
#                             fonts-dejavu-core, fonts-liberation (chart label widths)
#
# A step whose tool is missing (python3 with venv, npm, root or sudo for apt) or that fails is
# skipped with one line saying what to install; the tests that need it then skip too. Under
# CI=true a failed step fails the script: there, a skipped check proves nothing.
set -uo pipefail
cd "$(dirname "$0")/../.."
tools=target/test-tools
mkdir -p "$tools"
failed=0

# step DESCRIPTION HINT COMMAND...: runs COMMAND; on failure, skip (or fail under CI) with HINT.
step() {
    local what=$1 hint=$2
    shift 2
    if "$@"; then return 0; fi
    if [[ "${CI:-}" == "true" ]]; then
        echo "error: test tools: $what failed (CI=true: tests that need it would fail). $hint" >&2
        failed=1
    else
        echo "SKIPPED: test tools: $what; the tests that need it will skip. $hint" >&2
    fi
}

have() { command -v "$1" >/dev/null 2>&1; }

venv() { # DIR REQUIREMENTS...: removed again unless every package installed
    local dir=$1; shift
    local stamp="$dir/.installed"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$*" ]]; then return 0; fi
    have python3 || { echo "python3 not found" >&2; return 1; }
    echo "== test tools: python venv $dir ($*)"
    rm -rf "$dir"
    if python3 -m venv "$dir" && "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"; then
        echo "$*" >"$stamp"
    else
        rm -rf "$dir"
        return 1
    fi
}

npm_ci() {
    if [[ -f viewer/node_modules/.package-lock.json && ! viewer/package-lock.json -nt viewer/node_modules/.package-lock.json ]]; then
        return 0
    fi
    have npm || { echo "npm not found" >&2; return 1; }
    echo "== test tools: npm ci (viewer: cesium, playwright-core)"
    npm ci --prefix viewer --no-audit --no-fund --loglevel=error || { rm -rf viewer/node_modules; return 1; }
}

chromium() {
    [[ -x /usr/bin/chromium && -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf &&
        -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]] && return 0
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        have sudo && sudo -n true 2>/dev/null || { echo "not root and no password-less sudo for apt" >&2; return 1; }
        sudo="sudo -n"
    fi
    have apt-get || { echo "apt-get not found" >&2; return 1; }
    echo "== test tools: apt-get install chromium fonts-dejavu-core fonts-liberation"
    $sudo apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-dejavu-core fonts-liberation >/dev/null
}

py_hint="Install Python 3 with venv and pip (Debian: apt-get install python3-venv) and network access to PyPI."
step "python venv $tools/py" "$py_hint" venv "$tools/py" ccsds-ndm==3.1.1 czml3==4.0.0 duckdb==2.0.1 opendis==1.0 scipy==1.16.3 fonttools==4.68.0 sgp4==2.27
step "python venv $tools/py-ndm" "$py_hint" venv "$tools/py-ndm" ccsds-ndm-py==0.0.9
step "npm ci in viewer/ (CesiumJS, playwright-core)" "Install Node.js 20 or newer with npm." npm_ci
step "Chromium and fonts (/usr/bin/chromium, DejaVu, Liberation)" "Install Debian's chromium fonts-dejavu-core fonts-liberation (apt-get, as root)." chromium
exit $failed
