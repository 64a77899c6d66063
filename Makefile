# One-command set-up: every target builds its own virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= demos/default/config.json
PYTEST_ARGS ?=

.PHONY: run test lint proto models clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools>=68" wheel
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,lint]"
	touch $(STAMP)

proto: $(STAMP)
	$(BIN)/python -m pipeserve.proto.build

## Link the holistic models from the installed mediapipe wheel into OVMS's folder layout.
models: $(STAMP)
	$(BIN)/python demos/holistic_tracking/setup_models.py > /dev/null

## Run the server on the bundled default config (gRPC 9000, REST 8000).
run: proto models
	$(BIN)/pipeserve --config_path $(CONFIG) --port 9000 --rest_port 8000

## Run the whole test suite.
test: proto models
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

lint: proto
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/mypy_pkg.py

clean:
	rm -rf $(VENV) build
