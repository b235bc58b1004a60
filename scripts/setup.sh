#!/usr/bin/env bash
# Create or refresh the two virtual environments:
#   .venv       Python 3.11: action server, recommender, guidance, database, tests
#   .venv-rasa  Python 3.10: Rasa Open Source 3.6.21 and the custom NLU components
# Idempotent: each venv keeps a stamp with the hash of its requirement file and
# is only reinstalled when that hash changes.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

die() { echo "setup: $*" >&2; exit 2; }

works_as() {  # works_as VERSION PYTHON: PYTHON runs and is that version
  "$2" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$1'.split('.'))))" 2>/dev/null
}

find_python() {  # find_python VERSION ENVVAR: print the first working candidate
  local version=$1 var=$2 candidate
  if [ -n "${!var:-}" ]; then
    works_as "$version" "${!var}" && { echo "${!var}"; return 0; }
    return 1
  fi
  # pyenv shims answer to every name, so each candidate is run to check it.
  for candidate in "python$version" $(pyenv root 2>/dev/null)/versions/"$version".*/bin/python"$version"; do
    if works_as "$version" "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

ensure_venv() {  # ensure_venv DIR PYTHON REQUIREMENTS
  local dir=$1 python=$2 requirements=$3 want have
  want=$( (sha256sum "$requirements"; "$python" --version) | sha256sum | cut -c1-16)
  have=$(cat "$dir/.requirements-stamp" 2>/dev/null || true)
  if [ "$want" = "$have" ]; then
    echo "setup: $dir is up to date"; return
  fi
  echo "setup: installing $requirements into $dir (first time takes a few minutes)"
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # One retry: a dropped connection or a busy pip cache should not end the setup.
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
    || "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$dir/.requirements-stamp"
}

PY311=$(find_python 3.11 ASSISTANT_PYTHON) \
  || die "Python 3.11 not found${ASSISTANT_PYTHON:+ at ASSISTANT_PYTHON=$ASSISTANT_PYTHON}: install it (e.g. 'pyenv install 3.11') or set ASSISTANT_PYTHON=/path/to/python3.11"
PY310=$(find_python 3.10 RASA_PYTHON) \
  || die "Python 3.10 not found${RASA_PYTHON:+ at RASA_PYTHON=$RASA_PYTHON} (Rasa 3.6 needs it): install it (e.g. 'pyenv install 3.10') or set RASA_PYTHON=/path/to/python3.10"

ensure_chromium() {  # the browser tests drive Debian's Chromium; the assistant itself does not need it
  [ -x /usr/bin/chromium ] && return
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get) hint="install the packages chromium and chromium-driver for the browser tests"
  if ! command -v apt-get >/dev/null; then echo "setup: $hint"; return; fi
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then apt=(sudo -n "${apt[@]}")
    else echo "setup: $hint (sudo apt-get install chromium chromium-driver)"; return; fi
  fi
  echo "setup: installing chromium and chromium-driver (browser tests)"
  { "${apt[@]}" update -qq && "${apt[@]}" install -y -qq chromium chromium-driver >/dev/null; } \
    || echo "setup: could not install chromium; $hint"
}

ensure_venv .venv "$PY311" requirements.txt
ensure_venv .venv-rasa "$PY310" requirements-rasa.txt
ensure_chromium
echo "setup: done in $((SECONDS - started)) s"
