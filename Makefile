# Belfort: the two commands are `make demo` and `make test`; both set up what they need.
VENV    := .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
# The browser side's tools (eslint, axe-core) and the libraries copied into static/vendor.
NODE_STAMP := node_modules/.installed-stamp
JS_TESTS   := $(wildcard tests/js/*.test.mjs)
ESLINT     := node_modules/.bin/eslint

.PHONY: install demo test test-deps test-js lint bench clean catalog

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# npm ci again whenever the lock file changes (it empties node_modules first).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# The demo needs Python only: the browser libraries it serves are in static/vendor.
demo: $(STAMP)
	$(BIN)/belfort demo

test-deps:
	scripts/install-test-deps.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(ESLINT) src/belfort/web/static/*.js tests/js
	$(BIN)/python scripts/catalog.py check

catalog: install
	$(BIN)/python scripts/catalog.py update

# The browser code's own tests under node (node:test), when there are any.
test-js: install
	$(if $(JS_TESTS),node --test $(JS_TESTS),@echo "test-js: no tests/js/*.test.mjs")

# test-deps first: it brings node and npm, which install needs. The tests under tests/e2e
# (browsers, camera servers, recording nodes, with time bounds of their own) run one at a
# time; the others first, on TEST_WORKERS processes. Both parts run even if the first fails.
TEST_WORKERS ?= 2
test: test-deps install lint test-js
	$(BIN)/pytest -n $(TEST_WORKERS) --ignore=tests/e2e; first=$$?; \
	$(BIN)/pytest tests/e2e; test $$first -eq 0 -a $$? -eq 0

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules demo-data test-artifacts .pytest_cache .mypy_cache .ruff_cache
