# Two entry points on a fresh clone:  `make demo`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

## set up, then run the main job on the built-in defaults (writes demo-output/)
demo: $(STAMP)
	$(VENV)/bin/budget-toolkit demo

## set up (Python packages; LibreOffice, PostgreSQL, Chromium installed or requested), then the tests
test: $(STAMP)
	scripts/system_deps.sh
	PY=$(PY) scripts/run_tests.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[test,bench]"
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) demo-output
