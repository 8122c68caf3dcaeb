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

# The browser tests of `stpkit apps` drive Debian's Chromium through Playwright (Playwright's own
# browser download cannot work offline); installed once, skipped when it is already there.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# axe-core, the accessibility engine the browser tests run in Chromium: a pinned version from the npm
# registry, installed once beside the project (never fetched by a page).
AXE_VERSION := 4.14.1
AXE := .axe/node_modules/axe-core/axe.min.js

$(AXE):
	npm install --prefix .axe --no-save --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

# The database pack tests start a PostgreSQL server of their own from Debian's package (in a temporary folder).
PG_CTLCLUSTER := /usr/bin/pg_ctlcluster

$(PG_CTLCLUSTER):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql

# The PDF tests (`stpkit reports --pdf`) turn pages into pictures and text with Debian's poppler-utils.
PDFTOPPM := /usr/bin/pdftoppm

$(PDFTOPPM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils

test: $(STAMP) $(CHROMIUM) $(AXE) $(PG_CTLCLUSTER) $(PDFTOPPM)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports/*/
