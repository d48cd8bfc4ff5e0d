# The two commands of the README:
#   make run    install everything, migrate, seed the demo, serve on http://localhost:8000
#   make test   install what tests need, run the guard rails and the whole suite
# Everything else here is a convenience for developers.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-test lint fmt bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

# Installed once per change of pyproject.toml (a stamp in the venv): .ci/run and `make test` both ask for
# it, and a second `pip install -e` costs ~10 s of CPU to find nothing to do. `make -B install-test` forces.
install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: pyproject.toml scripts/test-deps.sh | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	bash scripts/test-deps.sh
	touch $@

run: install
	$(BIN)/ecovarejo migrate
	@test -f var/.demo-seeded || ($(BIN)/ecovarejo seed-demo && touch var/.demo-seeded)
	$(BIN)/ecovarejo serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench
	$(BIN)/mypy
	PYTHONPATH=tools $(BIN)/lint-imports

# The suite mostly waits (databases, brokers, HTTP), so it runs in TEST_WORKERS processes (pytest-xdist;
# every worker clones its own databases), the longest tests first (tests/conftest.py). The browser tests
# run in the same pass: each xdist worker is a process of its own, so Playwright's event loop never meets
# another test's. Any failure, skip (in CI) or empty run fails the target.
TEST_WORKERS ?= 4

# The platform's modules are compiled once first: where PYTHONDONTWRITEBYTECODE is set (CI runners often
# set it) every process the tests start (CLI commands, servers, workers) would compile them again (~0.5 s
# of CPU each); compileall writes the .pyc files whatever that variable says.
test: lint
	$(BIN)/python -m compileall -q src >/dev/null
	$(BIN)/pytest -n $(TEST_WORKERS) --durations=25

fmt: install-test
	$(BIN)/ruff check --fix src tests tools bench
	$(BIN)/ruff format src tests tools bench

bench: install-test
	$(BIN)/python -m bench.bench_health

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
