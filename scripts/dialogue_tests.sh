#!/usr/bin/env bash
# The conversation checks course staff run after editing YAML, and CI runs too:
#   1. the test stories in tests/stories (rasa test, any wrong prediction fails);
#   2. the held-out NLU file tests/holdout/nlu.yml (never used for training):
#      intent macro-F1 must stay above a floor.
# Trains the Rasa model first if its inputs changed (cached by content hash).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD"
NLU_F1_FLOOR=${NLU_F1_FLOOR:-0.90}
out=tests/artifacts
mkdir -p "$out" var/logs

model=$(.venv/bin/python -m assistant train-rasa --print-path)

echo "test stories (tests/stories):"
if ! .venv-rasa/bin/rasa test core --model "$model" --stories tests/stories --fail-on-prediction-errors \
    --out "$out/rasa-core" > var/logs/rasa-test-core.log 2>&1; then
  echo "A test story failed. The story below shows where the assistant did something else than the story says"
  echo "(lines marked 'predicted:'). Fix the story, or the rules/stories/NLU examples it relies on."
  grep -A40 -E "WrongPredictionException|Failed Story" var/logs/rasa-test-core.log | head -80 \
    || tail -n 40 var/logs/rasa-test-core.log
  exit 1
fi
grep -E "Finished collecting predictions|Correct:|Accuracy:" var/logs/rasa-test-core.log | head -5 || true
echo "all test stories pass"

echo "held-out NLU examples (tests/holdout/nlu.yml):"
.venv-rasa/bin/rasa test nlu --model "$model" --nlu tests/holdout/nlu.yml --out "$out/rasa-nlu" \
  > var/logs/rasa-test-nlu.log 2>&1 || { tail -n 30 var/logs/rasa-test-nlu.log; exit 1; }
.venv/bin/python - "$out/rasa-nlu/intent_report.json" "$NLU_F1_FLOOR" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
f1, floor = report["macro avg"]["f1-score"], float(sys.argv[2])
worst = sorted((v["f1-score"], k) for k, v in report.items() if isinstance(v, dict) and "support" in v
               and k not in ("macro avg", "weighted avg", "micro avg"))[:3]
print(f"intent macro-F1 {f1:.3f} (floor {floor}); weakest: " + ", ".join(f"{k} {v:.2f}" for v, k in worst))
if f1 < floor:
    sys.exit(f"intent macro-F1 {f1:.3f} is below the floor {floor}: see {sys.argv[1]} and the confusion matrix there")
PY
