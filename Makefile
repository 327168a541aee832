# README's two commands: `make report` and `make test`. Both set everything up on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := data/samples/b2c/client.yaml

.PHONY: report test setup clean

report: $(VENV)/.installed
	$(BIN)/cxnb validate $(SAMPLE)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

setup: $(VENV)/.installed

# The kit, its test tools and a Jupyter kernel registered inside the venv (--sys-prefix), so
# papermill and nbval never pick up a stale "python3" kernel from the user's Jupyter folder.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cxnb needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name cxnb --display-name "Python (cxnb)" > /dev/null
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache
