# newsprism: `make run` (set up, load the sample corpus, serve) and `make test`.
PY        ?= python3.11
VENV      ?= .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
HOST      ?= 127.0.0.1
PORT      ?= 8000
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run test test-all lint bench evaluate clean

$(STAMP): pyproject.toml constraints.txt requirements.in requirements-dev.in
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY) on PATH" >&2; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU torch first: an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -r requirements.in -r requirements-dev.in
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

## setup: the environment only (idempotent; instant when nothing changed)
setup: $(STAMP)

## run: set up, migrate, load the sample corpus, serve on http://$(HOST):$(PORT) with gunicorn
run: setup
	$(BIN)/newsprism db upgrade
	$(BIN)/newsprism demo
	$(BIN)/newsprism serve --host $(HOST) --port $(PORT)

## lint: the linter (ruff, configured in pyproject.toml) and the import contracts
## (import-linter: layers, the core apart, no devtools in the runtime, no cycles)
lint: setup
	$(BIN)/ruff check .
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports --no-cache

## test: set up, lint, then the whole test suite
test: lint
	$(BIN)/python -m pytest

## test-all: also the slow tests
test-all: lint
	$(BIN)/python -m pytest -m ""

evaluate: setup
	$(BIN)/newsprism evaluate ../shared/data/allsides-neus-2021/articles.jsonl --split 2021-07-01
	$(BIN)/newsprism evaluate

bench: setup
	$(BIN)/newsprism bench

clean:
	rm -rf var/ .pytest_cache
