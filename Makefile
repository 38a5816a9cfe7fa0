# Belfort: the two commands are `make demo` and `make test`; both set up what they need.
VENV    := .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp

.PHONY: install demo test test-deps lint bench clean catalog

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/belfort demo

test-deps:
	scripts/install-test-deps.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/catalog.py check

catalog: install
	$(BIN)/python scripts/catalog.py update

test: install test-deps lint
	$(BIN)/pytest

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) demo-data test-artifacts .pytest_cache .mypy_cache .ruff_cache
