# One-command set-up: every target builds its own virtual environment first.
# Ports are overridable: make run PORT=9100 REST_PORT=8100
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= demos/default/config.json
PORT ?= 9000
REST_PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint proto models wheel clean

## The editable install runs setup.py's stub step in this environment (no build isolation),
## so pyproject's [build-system] requirements are installed into it first.
$(STAMP): pyproject.toml setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools>=77" wheel
	$(BIN)/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires']))" > $(VENV)/build-requires.txt
	$(BIN)/pip install --quiet -c constraints.txt -r $(VENV)/build-requires.txt
	$(BIN)/pip install --quiet -c constraints.txt --no-build-isolation -e ".[test,lint]"
	touch $(STAMP)

proto: $(STAMP)
	$(BIN)/python -m pipeserve.proto.build

## Link the holistic models from the installed mediapipe wheel into OVMS's folder layout
## (for OVMS's own config_holistic.json; the default config needs no set-up).
models: $(STAMP)
	$(BIN)/python demos/holistic_tracking/setup_models.py > /dev/null

## Run the server on the default config (gRPC $(PORT), REST $(REST_PORT)).
run: proto models
	$(BIN)/pipeserve --config_path $(CONFIG) --port $(PORT) --rest_port $(REST_PORT)

## Run the whole test suite.
test: proto models
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

## The wheel and sdist a user installs, built the way pip builds them (isolated).
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps -w dist .
	$(BIN)/python -c "import setuptools.build_meta as b; b.build_sdist('dist')"

lint: proto
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/mypy_pkg.py

clean:
	rm -rf $(VENV) build dist
