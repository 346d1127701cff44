# lifeexp — every target installs what it needs into .venv first (idempotent).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# `make bench` measures lifeexp as a plain `pip install .` gives it (no extras: pandas without pyarrow)
PLAIN  := .venv-plain
DATA   ?= $(or $(LIFEEXP_DATA),../shared/data/life_expectancy_who.csv)
FIT    := $(BIN)/lifeexp fit --data $(DATA) --folds 5 --quiet

.PHONY: install demo test fuzz models bench bench-data docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install  ## Tim's and Tom's models predict for Tim and Tom, with their accuracy (installs DATA if it exists)
	@if [ -f "$(DATA)" ]; then $(BIN)/lifeexp data install "$(DATA)" --quiet >/dev/null && \
		echo "Installed the dataset $(DATA) (lifeexp data where)"; fi
	$(BIN)/lifeexp compare
	@echo "To run lifeexp from this shell: export PATH=\"$(CURDIR)/$(VENV)/bin:\$$PATH\""

test: install  ## the whole test suite ($LIFEEXP_DATA, ../shared or the installed copy); without the WHO dataset its tests are skipped, with one summary (CI=true: they fail)
	$(BIN)/python -m pytest -q

fuzz: install  ## the long fuzz run (about 10 minutes): random command lines, CSVs and model files
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-15000} $(BIN)/python -m pytest -q tests/system/test_fuzz.py --hypothesis-show-statistics

models: install  ## refit the shipped models from the dataset
	$(FIT) --features bmi --out models/tim-bmi.joblib
	$(FIT) --features gdp --out models/tom-gdp.joblib
	$(FIT) --features bmi,adult_mortality,hiv --out models/tim.joblib
	$(FIT) --features gdp,income,schooling --out models/tom.joblib

bench-data: install  ## synthetic WHO-like CSVs with known coefficients in bench-data/ (1M and 10M rows, ~0.9 GB)
	$(BIN)/python bench/support/synthetic.py --rows 1000000
	$(BIN)/python bench/support/synthetic.py --rows 10000000

$(PLAIN)/bin/python:
	$(PYTHON) -m venv $(PLAIN)

bench: install | $(PLAIN)/bin/python  ## every benchmark in bench/ (performance: several minutes; LIFEEXP_BENCH_QUICK=1 for small sizes); lifeexp's own figures from a plain install in .venv-plain
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(PLAIN)/bin/python -m pip install --quiet .
	@for f in bench/*.py; do echo "== $$f"; LIFEEXP_DATA=$(DATA) $(BIN)/python $$f || exit 1; done

docs: install  ## rewrite docs/cli-reference.md from every --help, and the tutorial's and README's outputs from their commands (tests/cli/test_docs.py, test_tutorial.py check them)
	$(BIN)/python docs/make_cli_reference.py
	LIFEEXP_DATA=$(DATA) $(BIN)/python docs/make_tutorial.py

clean:
	rm -rf $(VENV) $(PLAIN) build *.egg-info .pytest_cache
