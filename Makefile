# Model Registry workshop kit. `make workshop` runs the workshop; `make test` runs every test.
# Both set up .venv first (only when pyproject.toml changed since the last install).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# --no-compile: no bytecode for all ~200 MB of installed modules at install time; Python writes it on
# first import for the modules the workshop really uses (~60 MB), so the venv stays about 150 MB smaller.
PIP_FLAGS ?= --disable-pip-version-check --quiet --no-compile
# ... which needs Python allowed to write bytecode: some shells and containers set
# PYTHONDONTWRITEBYTECODE=1, and then every kernel would compile every module again at each start.
export PYTHONDONTWRITEBYTECODE :=
# JupyterLab refuses to run as root unless told (containers, some cloud desktops run as root).
LAB_FLAGS ?= $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: setup setup-test workshop test test-fast bench lab backend-start backend-stop backend-status registry clean distclean

setup: $(STAMP)
setup-test: $(TEST_STAMP)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The kit needs Python 3.11 or newer: install it, or run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip

# The workshop's own dependencies with the tested SageMaker SDK (the extra "sdk": .venv is the kit's own,
# so nothing else's SDK is replaced); the tests' (pytest, nbval, playwright) only for make test.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install $(PIP_FLAGS) -e '.[sdk]'
	@touch $(STAMP)

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install $(PIP_FLAGS) -e '.[test]'
	@touch $(TEST_STAMP)

workshop: setup
	@$(PY) -m helpers backend start
	@$(PY) -m helpers workshop
	@echo
	@echo "The registry now holds (explore it in notebooks or with the aws CLI; see README):"
	@$(PY) -m helpers registry

# PYTEST_ARGS: extra pytest options (the benchmark passes --durations to time these same commands).
test: setup-test
	$(PY) -m pytest tests $(PYTEST_ARGS)

# The quick loop while developing (under a minute): everything but notebook runs, the browser and slow tests.
test-fast: setup-test
	$(PY) -m pytest tests -m "not notebooks and not browser and not slow" $(PYTEST_ARGS)

bench: setup-test
	$(PY) -m benchmarks.run $(BENCH_ARGS)

lab: setup
	@$(PY) -m helpers backend start
	@eval "$$($(PY) -m helpers backend env)" && $(VENV)/bin/jupyter lab --ip 127.0.0.1 --notebook-dir notebooks $(LAB_FLAGS)

backend-start: setup
	@$(PY) -m helpers backend start
backend-stop: setup
	@$(PY) -m helpers backend stop
backend-status: setup
	@$(PY) -m helpers backend status
registry: setup
	@$(PY) -m helpers registry

clean:
	-@test -x $(PY) && $(PY) -m helpers backend stop
	rm -rf build .pytest_cache

distclean: clean
	rm -rf $(VENV) .workshop *.egg-info
