#!/usr/bin/env bash
# Every test, in order of speed: data checks, unit tests, NLU component tests,
# then the end-to-end tests against the real Rasa and action servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD"

step() { printf '\n==> %s\n' "$*"; }

step "rasa data validate"
mkdir -p var/logs
if ! .venv-rasa/bin/rasa data validate --fail-on-warning --data data/nlu data/rules data/stories \
    > var/logs/validate.log 2>&1; then
  grep -E "UserWarning|ERROR|conflict|rasa.validator" var/logs/validate.log || tail -n 30 var/logs/validate.log
  exit 1
fi
echo "training data is valid"

step "dialogue test stories and held-out NLU (rasa test)"
bash scripts/dialogue_tests.sh

step "services for the production-path tests"
bash scripts/services.sh

step "custom NLU components and the privacy tracker store (Python 3.10, rasa 3.6)"
.venv-rasa/bin/python -m pytest -c tests/nlu/pytest.ini --confcutdir tests/nlu tests/nlu -q

step "unit, database and end-to-end tests (Python 3.11)"
.venv/bin/python -m pytest -q

if [ -f tests/artifacts/e2e-latency.json ]; then
  step "turn latencies seen by the end-to-end tests"
  cat tests/artifacts/e2e-latency.json
fi
