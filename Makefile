# fleetrisk: `make demo` runs the bundled example, `make test` runs every check.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.fleetrisk-installed

.PHONY: demo test lint typecheck unit bench schemas docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fleetrisk assess examples/smart-appliance-cloud.yaml --format md,json --output fleetrisk-report

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_assess.py

schemas: $(STAMP)
	$(BIN)/fleetrisk schema --kind model > schemas/model.schema.json
	$(BIN)/fleetrisk schema --kind report > schemas/report.schema.json

docs: $(STAMP)
	$(BIN)/fleetrisk catalog --format md --lang en > docs/catalog.md
	$(BIN)/fleetrisk catalog --format md --lang ja > docs/catalog.ja.md

clean:
	rm -rf fleetrisk-report .pytest_cache .mypy_cache .ruff_cache
