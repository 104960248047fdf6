# Redline: `make run` opens the app on the sample corpus; `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= redline.db

.PHONY: run test bench screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the C speed-ups are built by the install: edits to them need it again
$(STAMP): pyproject.toml setup.py annotations/_speedups.c | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/redline import --if-empty --db $(DB) sample_corpus
	$(BIN)/redline --db $(DB)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist worksteal

bench: $(STAMP)
	$(BIN)/python -m benchmarks

screenshot: $(STAMP)
	$(BIN)/python -m tui.screenshot docs/screenshot.svg

clean:
	rm -rf $(VENV) build *.egg-info annotations/*.so
