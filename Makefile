# The two commands the README opens with: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SYSTEM_TOOLS := pdfsig qpdf softhsm2-util

.PHONY: run test lint venv system-deps bench clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: $(BIN)/.installed

# Independent validators (poppler's pdfsig, qpdf) and a real PKCS#11 module (SoftHSM2) used by the tests.
system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing system tools:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils qpdf softhsm2 fonts-dejavu-core >/dev/null; \
	  else echo "warning: missing$$missing (tests that need them are skipped)"; fi; \
	fi

run: venv
	$(BIN)/quytrinh init --demo
	$(BIN)/quytrinh serve --host $(HOST) --port $(PORT)

test: venv system-deps
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) quytrinh.db
