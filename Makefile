# Two commands do all the set-up on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint check bench clean

# Re-install when pyproject.toml changes; the stamp files record what was installed.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) run_bot.py

lint: $(VENV)/.installed-test
	$(PY) -m ruff check bot tests run_bot.py
	$(PY) -m mypy

test: lint
	$(PY) -m pytest -q

check: $(VENV)/.installed
	$(PY) -m bot check

bench: $(VENV)/.installed
	$(PY) -m bot bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
