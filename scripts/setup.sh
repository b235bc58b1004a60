#!/usr/bin/env bash
# Create or refresh the two virtual environments:
#   .venv       Python 3.11: action server, recommender, guidance, database, tests
#   .venv-rasa  Python 3.10: Rasa Open Source 3.6.21 and the custom NLU components
# Idempotent: each venv keeps a stamp with the hash of its requirement file and
# is only reinstalled when that hash changes.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "setup: $*" >&2; exit 2; }

find_python() {  # find_python VERSION ENVVAR
  local version=$1 var=$2 candidate
  candidate=${!var:-}
  if [ -n "$candidate" ]; then
    [ -x "$(command -v "$candidate" || true)" ] || die "$var=$candidate is not an executable Python"
    echo "$candidate"; return
  fi
  if command -v "python$version" >/dev/null 2>&1; then
    command -v "python$version"; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/"$version".*/bin/python"$version"; do
      [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
  fi
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
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$dir/.requirements-stamp"
}

PY311=$(find_python 3.11 ASSISTANT_PYTHON) \
  || die "Python 3.11 not found: install it (e.g. 'pyenv install 3.11') or set ASSISTANT_PYTHON=/path/to/python3.11"
PY310=$(find_python 3.10 RASA_PYTHON) \
  || die "Python 3.10 not found (Rasa 3.6 needs it): install it (e.g. 'pyenv install 3.10') or set RASA_PYTHON=/path/to/python3.10"

ensure_venv .venv "$PY311" requirements.txt
ensure_venv .venv-rasa "$PY310" requirements-rasa.txt
