# omsim: `make demo` and `make test` each create .venv and install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SCENARIO ?= scenarios/baseline.yaml

.PHONY: demo test lint bench clean

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "omsim needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.base: $(VENV)/bin/python pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/bin/python pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.base

demo: $(VENV)/.base
	$(VENV)/bin/omsim run $(SCENARIO)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --no-cache network_model om sim tests benchmarks
	$(VENV)/bin/lint-imports

test: lint
	$(VENV)/bin/pytest -n auto --dist loadfile

# Benchmarks (benchmarks/, issue #7): one summary table; OMSIM_BENCH_1M=1 adds 1 M orders.
bench: $(VENV)/.dev
	$(VENV)/bin/pytest benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache omsim-data reports
