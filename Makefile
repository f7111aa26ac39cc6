# fleetrisk: `make demo` runs the bundled example, `make test` runs every check.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.fleetrisk-run
TEST_STAMP := $(VENV)/.fleetrisk-test

.PHONY: demo test serve system-deps lint typecheck unit bench schemas docs screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Byte-compile the sources once: an editable install does not, and PYTHONDONTWRITEBYTECODE
# (set on some machines) would otherwise make every run compile them again.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[probes,serve]'
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q src > /dev/null
	touch $@ $(RUN_STAMP)

demo: $(RUN_STAMP)
	$(BIN)/fleetrisk assess src/fleetrisk/examples/smart-appliance-cloud.yaml --format md,json,html,sarif,csv --output fleetrisk-report

test: $(TEST_STAMP) system-deps lint typecheck unit

system-deps:
	./scripts/system-deps.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(TEST_STAMP)
	$(BIN)/mypy src

unit: $(TEST_STAMP)
	$(BIN)/pytest

bench: $(TEST_STAMP)
	$(BIN)/python -m compileall -q src > /dev/null
	$(BIN)/python benchmarks/bench_assess.py
	$(BIN)/python benchmarks/bench_graph.py

schemas: $(RUN_STAMP)
	$(BIN)/fleetrisk schema --kind model > schemas/model.schema.json
	$(BIN)/fleetrisk schema --kind report > schemas/report.schema.json

docs: $(RUN_STAMP)
	$(BIN)/fleetrisk catalog --format md --lang en > docs/catalog.md
	$(BIN)/fleetrisk catalog --format md --lang ja > docs/catalog.ja.md

screenshots: $(TEST_STAMP) system-deps
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf fleetrisk-report .pytest_cache .mypy_cache .ruff_cache

# The workbench edits the file it serves: give it a copy of the example, kept between runs.
serve: $(RUN_STAMP)
	mkdir -p workbench
	test -f workbench/smart-appliance-cloud.yaml || $(BIN)/fleetrisk init --example smart-appliance-cloud workbench/smart-appliance-cloud.yaml
	$(BIN)/fleetrisk serve workbench/smart-appliance-cloud.yaml
