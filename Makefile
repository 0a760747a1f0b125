# Model Registry workshop kit. `make workshop` runs the workshop; `make test` runs every test.
# Both set up .venv first (only when pyproject.toml or the lock changed since the last install).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The exact tested versions, made by `make lock` from pyproject.toml's ranges: the workshop's, and with the tests' tools.
LOCK       := requirements/lock.txt
TEST_LOCK  := requirements/lock-test.txt
# uv installs a lock in seconds: the uv on PATH, else this one, fetched from PyPI by pip once into .venv-tools/.
# Where uv can't run, pip installs the same lock (INSTALLER=pip asks for pip).
UV_VERSION := 0.13.9
TOOLS      := .venv-tools
UV         ?= $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
INSTALLER  ?= uv
# --no-compile (uv's default too): no bytecode for all ~200 MB of installed modules at install time; Python writes it on
# first import for the modules the workshop really uses (~60 MB), so the venv stays about 150 MB smaller.
PIP_FLAGS ?= --disable-pip-version-check --quiet --no-compile
UV_FLAGS  ?= --quiet
# ... which needs Python allowed to write bytecode: some shells and containers set
# PYTHONDONTWRITEBYTECODE=1, and then every kernel would compile every module again at each start.
export PYTHONDONTWRITEBYTECODE :=
# JupyterLab refuses to run as root unless told (containers, some cloud desktops run as root).
LAB_FLAGS ?= $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: setup setup-test lock workshop notebooks test test-fast bench lab lab-vi backend-start backend-stop backend-status registry clean distclean

setup: $(STAMP)
setup-test: $(TEST_STAMP)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The kit needs Python 3.11 or newer: install it, or run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv --without-pip $(VENV)

# uv, fetched when it is not on the machine; then lock $(1) into .venv (its exact versions; other packages
# there stay), then the kit itself editable (--no-deps: the lock has its dependencies). pip where uv can't
# run: the same lock, after upgrading itself to the locked pip (much faster than Python's bundled one).
# (A Python without pip, as Debian's without python3-pip, fetches it with the pip of a venv in .venv-tools/.)
fetch-uv     = PIP_ROOT_USER_ACTION=ignore $(1) -m pip install --quiet --disable-pip-version-check --target $(TOOLS) uv==$(UV_VERSION)
uv-ready     = { [ -x "$(UV)" ] || { $(PYTHON) -m pip --version >/dev/null 2>&1 && $(call fetch-uv,$(PYTHON)); } \
	|| { $(PYTHON) -m venv $(TOOLS)/pip && $(call fetch-uv,$(TOOLS)/pip/bin/python); }; }
install-lock = echo "Installing $(1) into $(VENV) with $(INSTALLER)"; \
	if [ "$(INSTALLER)" = uv ] && $(uv-ready) && $(UV) pip install $(UV_FLAGS) --python $(PY) -r $(1) \
	    && $(UV) pip install $(UV_FLAGS) --python $(PY) --no-deps -e .; then :; else \
	  [ "$(INSTALLER)" = pip ] || echo "uv could not run here: installing $(1) with pip instead (slower)"; \
	  { [ -x $(VENV)/bin/pip ] || $(PY) -m ensurepip --default-pip >/dev/null; } \
	    && $(PY) -m pip install $(PIP_FLAGS) -r requirements/venv.in -c $(1) && $(PY) -m pip install $(PIP_FLAGS) -r $(1) \
	    && $(PY) -m pip install $(PIP_FLAGS) --no-deps -e .; fi

# The workshop's own dependencies with the tested SageMaker SDK (the extra "sdk": .venv is the kit's own,
# so nothing else's SDK is replaced); the tests' (pytest, nbval, playwright) only for make test.
$(STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	@$(call install-lock,$(LOCK))
	@touch $(STAMP)

$(TEST_STAMP): pyproject.toml $(TEST_LOCK) $(STAMP)
	@$(call install-lock,$(TEST_LOCK))
	@touch $(TEST_STAMP)

# Writes both locks from pyproject.toml's ranges for Python 3.11+ on any platform, keeping every locked
# version that still fits (LOCK_ARGS=--upgrade: the newest within the ranges); the workshop's lock is
# the test lock less the tests' tools. tests/test_lock.py checks that locks and ranges agree.
lock-header = { echo "\# $(2)"; \
	echo "\# Made by make lock ($$($(UV) --version | cut -d' ' -f1-2)) from the tested ranges in pyproject.toml for Python 3.11+"; \
	echo "\# on any platform (tested: Linux x86_64, Python 3.11). Not edited by hand: change pyproject.toml, then make lock."; \
	cat $(1); } > $(1).new && mv $(1).new $(1)
LOCK_FLAGS = --quiet --universal --annotation-style line --python-version 3.11 $(LOCK_ARGS)
lock:
	@$(uv-ready)
	$(UV) pip compile pyproject.toml requirements/venv.in --extra sdk --extra test $(LOCK_FLAGS) -o $(TEST_LOCK)
	$(UV) pip compile pyproject.toml requirements/venv.in --extra sdk -c $(TEST_LOCK) $(LOCK_FLAGS) -o $(LOCK)
	@$(call lock-header,$(TEST_LOCK),What make setup-test (so make test) installs: the workshop's packages and the tests' tools.)
	@$(call lock-header,$(LOCK),What make setup (so make workshop) installs: the workshop's packages.)

workshop: setup
	@$(PY) -m helpers backend start
	@$(PY) -m helpers workshop
	@echo
	@echo "The registry now holds (explore it in notebooks or with the aws CLI; see README):"
	@$(PY) -m helpers registry

# PYTEST_ARGS: extra pytest options (the benchmark passes --durations to time these same commands).
# XDIST: the tests spread over the cores, a backend per worker (tests/conftest.py); XDIST= runs them in one process.
XDIST ?= -n auto --dist loadgroup
test: setup-test
	$(PY) -m pytest tests $(XDIST) $(PYTEST_ARGS)

# The quick loop while developing (under a minute): everything but notebook runs, the browser and slow tests.
test-fast: setup-test
	$(PY) -m pytest tests -m "not notebooks and not browser and not slow" $(XDIST) $(PYTEST_ARGS)

bench: setup-test
	$(PY) -m benchmarks.run $(BENCH_ARGS)

lab: setup
	@$(PY) -m helpers backend start
	@eval "$$($(PY) -m helpers backend env)" && $(VENV)/bin/jupyter lab --ip 127.0.0.1 --notebook-dir notebooks $(LAB_FLAGS)

# The Vietnamese edition (README, "Tiếng Việt"): notebooks/vi/ in JupyterLab in Vietnamese. The official language
# pack is installed by this target only (a lock sync removes it again, so it is looked for at every start), and
# the language is set in a settings folder of this target's own: `make lab` stays as it is. (Not `make lab
# LANG=vi`: a LANG given to make reaches every command's environment, where it is the locale.)
VI_PACK     := jupyterlab-language-pack-vi-vn==4.5.post3
VI_SETTINGS := .workshop/lab-settings-vi
lab-vi: setup
	@$(PY) -c 'import jupyterlab_language_pack_vi_VN' 2>/dev/null || { echo "Installing $(VI_PACK) into $(VENV)"; \
	  if [ "$(INSTALLER)" = uv ] && $(uv-ready) && $(UV) pip install $(UV_FLAGS) --python $(PY) '$(VI_PACK)'; then :; else \
	    { [ -x $(VENV)/bin/pip ] || $(PY) -m ensurepip --default-pip >/dev/null; } && $(PY) -m pip install $(PIP_FLAGS) '$(VI_PACK)'; fi; }
	@mkdir -p $(VI_SETTINGS)/@jupyterlab/translation-extension
	@echo '{"locale": "vi_VN"}' > $(VI_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings
	@$(PY) -m helpers backend start
	@eval "$$($(PY) -m helpers backend env)" && JUPYTERLAB_SETTINGS_DIR=$(VI_SETTINGS) \
	  $(VENV)/bin/jupyter lab --ip 127.0.0.1 --notebook-dir notebooks/vi $(LAB_FLAGS)

# The workshop as a static website in build/site/ (README, "The workshop as a website"). Installs the extra
# "site" once (MkDocs and its plugins: not in the locks, so within the test lock's versions of everything it
# shares with the kit) and mermaid from the npm registry (website/build.py --vendor); the build is offline.
# make test needs them too: tests/test_site.py builds the site and reads it in Chromium.
SITE_STAMP := $(VENV)/.installed-site
$(SITE_STAMP): pyproject.toml $(TEST_LOCK) website/build.py $(STAMP)
	@echo "Installing the extra site into $(VENV) with $(INSTALLER)"
	@if [ "$(INSTALLER)" = uv ] && $(uv-ready) && $(UV) pip install $(UV_FLAGS) --python $(PY) -e '.[site]' -c $(TEST_LOCK); then :; else \
	  { [ -x $(VENV)/bin/pip ] || $(PY) -m ensurepip --default-pip >/dev/null; } && $(PY) -m pip install $(PIP_FLAGS) -e '.[site]' -c $(TEST_LOCK); fi
	$(PY) website/build.py --vendor
	@touch $(SITE_STAMP)

.PHONY: site
site: $(SITE_STAMP)
	@$(PY) website/build.py --vendor
	$(PY) website/build.py
test: $(SITE_STAMP)

backend-start: setup
	@$(PY) -m helpers backend start
backend-stop: setup
	@$(PY) -m helpers backend stop
backend-status: setup
	@$(PY) -m helpers backend status
# The notebooks' committed outputs (what GitHub and the website show; nbval compares them in make test): runs
# 00-09 on a fresh backend of its own, writes the outputs back, then regenerates the Vietnamese copies.
notebooks: setup
	$(PY) -m helpers.kit.notebook_outputs refresh
	$(PY) -m helpers.kit.translations build

registry: setup
	@$(PY) -m helpers registry

clean:
	-@test -x $(PY) && $(PY) -m helpers backend stop
	rm -rf build .pytest_cache

distclean: clean
	rm -rf $(VENV) $(TOOLS) .workshop *.egg-info
