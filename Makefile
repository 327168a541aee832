# README's two commands: `make report` and `make test`. Both set everything up on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := data/samples/b2c/client.yaml

NBGRADER := nbgrader==0.9.6
NBGRADER_VENV := $(VENV)/nbgrader

.PHONY: report test setup browser clean

report: $(VENV)/.installed
	$(BIN)/cxnb run $(SAMPLE) --out reports

test: $(VENV)/.installed browser $(NBGRADER_VENV)/.installed
	$(BIN)/python -m pytest

setup: $(VENV)/.installed

# The kit, its test tools and a Jupyter kernel registered inside the venv (--sys-prefix), so
# JupyterLab and nbval never pick up a stale "python3" kernel from the user's Jupyter folder.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cxnb needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name cxnb --display-name "Python (cxnb)" > /dev/null
	@touch $@

# nbgrader, for the test that runs its generate_assignment on the instructor notebooks: a venv of
# its own inside .venv (nbgrader pulls in jupyter_server and JupyterLab, which slow every
# `import altair` in the kit's venv), seeing the kit's packages through a .pth file so pip adds
# only what nbgrader needs beyond them. Installed at set-up, so no test needs the network; when it
# cannot be installed that test is skipped and says why.
$(NBGRADER_VENV)/.installed: $(VENV)/.installed
	@rm -rf $(NBGRADER_VENV) && $(BIN)/python -m venv --without-pip $(NBGRADER_VENV)
	@$(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > \
	  "$$($(NBGRADER_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/cxnb-kit.pth"
	@if $(BIN)/python -m pip --python $(NBGRADER_VENV)/bin/python install --quiet --disable-pip-version-check "$(NBGRADER)"; \
	then touch $@; else echo "could not install $(NBGRADER): the nbgrader test will be skipped"; fi

# Debian's Chromium renders the reports in a headless-browser test. Installed when missing and
# this user may (root with apt-get); otherwise that test is skipped and says why.
browser:
	@command -v chromium > /dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "installing Debian's chromium for the report render test"; \
	    apt-get update -qq > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; \
	  else \
	    echo "chromium is not installed (sudo apt-get install chromium): the browser test will be skipped"; \
	  fi; }

clean:
	rm -rf $(VENV) .pytest_cache
