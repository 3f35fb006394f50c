# The two commands (see README):  make lab   |   make test
# Both create .venv and install everything first when it is missing or stale.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: lab test install browser benchmark lint lock clean site

install: $(STAMP)

# torch first, pinned: a bare or newer torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml constraints.txt jupyter/overrides.json tools/install_settings.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt torch
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(PY) tools/install_settings.py
	touch $(STAMP)

# JupyterLab on loopback, with a fresh random token unless JUPYTER_TOKEN is set; the URL is
# printed once the server answers, and its log goes to .venv/jupyter-lab.log.
lab: $(STAMP)
	@$(PY) tools/serve_lab.py --port $(PORT) --root labs --log $(VENV)/jupyter-lab.log

# The whole suite: unit tests, every notebook, the browser test. Fast mode keeps
# the notebooks small; two workers use both cores of a 2-core machine.
test: $(STAMP) browser
	LABKIT_FAST=1 MPLBACKEND=Agg $(VENV)/bin/pytest -n 2 --dist loadgroup

# Debian's Chromium for the real-browser tests (playwright cannot download here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	    else echo "chromium not found: install Debian's 'chromium' package for the browser tests"; fi; }

benchmark: $(STAMP)
	$(PY) benchmarks/bench_core.py

# A static, readable copy of every lab with its outputs, run at full size: site/index.html.
site: $(STAMP)
	$(PY) tools/build_site.py --out site

lint: $(STAMP)
	$(VENV)/bin/ruff check .

lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | sed 's/+cpu$$//' > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV)
