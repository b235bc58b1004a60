# One task runner for people and CI. `make help` lists the targets.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
RASA_ENV := RASA_TELEMETRY_ENABLED=false PYTHONPATH=$(CURDIR)
RASA_DATA := data/nlu data/rules data/stories

.PHONY: help setup run test test-unit test-nlu validate train shell rasa-shell clean

help:
	@echo "make run       set up, import the demo catalog, train if needed, start the assistant"
	@echo "make test      set up and run every test (what CI runs)"
	@echo "make validate  check the Rasa training data, test stories and held-out NLU (for course staff)"
	@echo "make train     train the Rasa model if its inputs changed"
	@echo "make shell     chat in the terminal (rasa shell)"
	@echo "make setup     create/refresh the two virtual environments"

setup:
	@bash scripts/setup.sh

run: setup
	@$(PY) -m assistant run

test: setup
	@bash scripts/test.sh

test-unit: setup
	@$(PY) -m pytest -m "not e2e"

test-nlu: setup
	@$(RASA_ENV) .venv-rasa/bin/python -m pytest -c tests/nlu/pytest.ini --confcutdir tests/nlu tests/nlu -q

validate: setup
	@$(RASA_ENV) $(RASA) data validate --fail-on-warning --data $(RASA_DATA)
	@bash scripts/dialogue_tests.sh

train: setup
	@$(PY) -m assistant train-rasa

shell: setup
	@$(PY) -m assistant shell

# Rasa's own terminal chat: a second Rasa process on port 5006, same action server.
rasa-shell: setup
	@$(RASA_ENV) ACTION_SERVER_URL=http://127.0.0.1:$${ACTION_PORT:-5055}/webhook \
	  TRACKER_STORE_URL=sqlite:///$(CURDIR)/var/tracker.db \
	  .venv-rasa/bin/python -m assistant.rasa_server shell --model "$$($(PY) -m assistant train-rasa --print-path)" --port 5006 --endpoints endpoints.yml

clean:
	rm -rf var .rasa tests/artifacts
