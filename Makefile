# lifeexp — every target installs what it needs into .venv first (idempotent).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= $(or $(LIFEEXP_DATA),../shared/data/life_expectancy_who.csv)
FIT    := $(BIN)/lifeexp fit --data $(DATA) --cv 5 --quiet

.PHONY: install demo test fuzz models bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install  ## Tim's and Tom's models predict for Tim and Tom, with their accuracy
	$(BIN)/lifeexp compare

test: install  ## the whole test suite (needs the dataset, see README)
	$(BIN)/python -m pytest -q

fuzz: install  ## the long fuzz run (about 10 minutes): random command lines, CSVs and model files
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-12000} $(BIN)/python -m pytest -q tests/test_fuzz.py --hypothesis-show-statistics

bench: install  ## every benchmark script in bench/ (timings; never part of `make test`)
	@for script in bench/*.py; do \
		echo "== $$script"; LIFEEXP_DATA=$(DATA) $(BIN)/python $$script || exit 1; \
	done

models: install  ## refit the shipped models from the dataset
	$(FIT) --features bmi --out models/tim-bmi.joblib
	$(FIT) --features gdp --out models/tom-gdp.joblib
	$(FIT) --features bmi,adult_mortality,hiv --out models/tim.joblib
	$(FIT) --features gdp,income,schooling --out models/tom.joblib

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
