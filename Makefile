# Two commands do everything (see README.md):
#   make reports   set up .venv, install, and build the report pack for the default footprint
#   make test      set up .venv, install, and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stpkit-installed
PACK ?= data/mid_south_essex

.PHONY: venv reports summary test clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(STAMP)

reports: $(STAMP)
	$(BIN)/stpkit reports $(PACK) --out reports/mid_south_essex

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports/*/
