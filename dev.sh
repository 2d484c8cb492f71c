#!/usr/bin/env bash
# Set everything up, then run one job:
#   bash dev.sh demo   the main job: `chaingrad demo` trains micrograd's two-moons MLP and writes its pictures
#   bash dev.sh lab    JupyterLab on notebooks/
#   bash dev.sh test   the whole test suite (ruff, pytest, notebooks)
# Needs only Python 3.10+. Creates or refreshes .venv, installs the project with its extras, and installs
# Graphviz's `dot` (and, for `test`, Chromium for the explorer's browser tests) with apt-get when they are missing
# and that is possible (otherwise it says how, and goes on).
# PyTorch, for the parity tests, is installed when CI is set or CHAINGRAD_TORCH=1 (else those tests skip).
set -euo pipefail
cd "$(dirname "$0")"

job=${1:-}
case "$job" in
  demo | test | lab) ;;
  *) echo "usage: bash dev.sh demo | test | lab" >&2; exit 2 ;;
esac

say() { echo "[dev.sh] $*" >&2; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  say "chaingrad needs Python 3.10 or newer as '$python' (set PYTHON=/path/to/python3.x to choose another)."
  exit 1
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

apt_install() {
  command -v apt-get >/dev/null || return 1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v dot >/dev/null; then
  say "Graphviz's 'dot' is missing; installing it with apt-get ..."
  if ! apt_install graphviz; then
    say "Could not install Graphviz here. Install it yourself to render graphs:"
    say "  sudo apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz"
    say "Going on without it: DOT text still works; only rendering is skipped."
  fi
fi

# The explorer's page tests drive Debian's chromium through Playwright (Playwright's own browser download is not
# used); only the tests need it.
if [ "$job" = test ] && ! command -v chromium >/dev/null; then
  say "Chromium is missing; installing Debian's chromium with apt-get for the explorer's browser tests ..."
  if ! apt_install chromium; then
    say "Could not install Chromium here. Install it yourself to run the explorer's browser tests:"
    say "  sudo apt-get install chromium"
    say "Going on without it: the browser tests skip (under CI=true they fail instead)."
  fi
fi

if ! .venv/bin/python -c 'import sys' 2>/dev/null; then
  rm -rf .venv
  if ! "$python" -m venv .venv 2>/dev/null; then
    # Debian's python3 ships venv's pip bootstrap separately.
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    say "python -m venv failed; installing python$version-venv with apt-get ..."
    rm -rf .venv
    if ! apt_install "python$version-venv" && ! apt_install python3-venv; then
      say "Install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv), then run this again."
      exit 1
    fi
    "$python" -m venv .venv
  fi
fi

say "installing chaingrad and its extras into .venv ..."
.venv/bin/python -m pip install -q -e '.[dev,notebooks]'
if [ -n "${CI:-}" ] || [ "${CHAINGRAD_TORCH:-}" = 1 ]; then
  say "installing PyTorch for the parity tests ..."
  .venv/bin/python -m pip install -q torch==2.13.0
fi

case "$job" in
  demo) exec .venv/bin/chaingrad demo ;;
  test) exec .venv/bin/python -m pytest ;;
  lab) exec .venv/bin/jupyter lab notebooks/ ;;
esac
