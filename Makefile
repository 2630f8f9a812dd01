# Zhuzhou project map.  make run | make test | make demo | make clean
# Everything installs itself on a fresh Debian 12 machine (CI runs `make test` there as root).

PYTHON      ?= python3
PORT        ?= 8501
PYTEST_ARGS ?=

VENV := .venv
VPY  := $(VENV)/bin/python
PIP  := $(VPY) -m pip install --disable-pip-version-check -q

# Stamps are named after a hash of the pins: an unchanged requirements file installs nothing,
# an edited one reinstalls (a timestamp would also fire on a mere checkout).
REQ_HASH  := $(shell cat requirements.txt | sha256sum | cut -c1-12)
DEV_HASH  := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
RUN_STAMP := $(VENV)/.installed-$(REQ_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEV_HASH)

# apt-get needs root: CI is root; a developer who is not gets sudo when there is one.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: run test demo clean venv sysdeps fonts

# compileall: geo's bytecode ahead of time, so the first page does not compile our modules
# (~0.05–0.1 s of a cold start; nothing else writes it where PYTHONDONTWRITEBYTECODE is set).
run: venv fonts
	$(VPY) -m geo.demo --if-missing
	$(VPY) -m compileall -q geo
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true

test: $(DEV_STAMP) sysdeps
	$(VPY) -m pytest $(PYTEST_ARGS)

# Rebuild the demo store from scratch (publishes a new snapshot as CURRENT).
demo: venv
	$(VPY) -m geo.demo

# Caches and test output only: .venv and data/ stay.
clean:
	rm -rf .pytest_cache tests/artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

venv: $(RUN_STAMP)

# A fresh Debian python3 has no ensurepip until python3-venv is installed; `venv` then leaves a
# half-made .venv without pip, so the check is "does pip run", not "does .venv exist".
$(RUN_STAMP):
	@$(VPY) -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV) || { \
	  echo "python3 -m venv failed: installing python3-venv"; \
	  $(APT) update && $(APT) install -y python3-venv && $(PYTHON) -m venv --clear $(VENV); }
	$(PIP) -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

$(DEV_STAMP): $(RUN_STAMP)
	$(PIP) -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $@

# The meeting brief (PDF) embeds Noto Sans CJK: the app needs the font, not just the tests.
fonts:
	@if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "installing fonts-noto-cjk for the meeting brief (PDF)"; \
	  $(APT) update && $(APT) install -y --no-install-recommends fonts-noto-cjk fontconfig; \
	fi

# Browser tests drive Debian's chromium (Playwright cannot download its own browser here) and
# need a CJK font so Chinese renders in screenshots; fontconfig provides the fc-list check itself.
# The meeting-brief tests render and read the PDF with poppler-utils (pdftoppm, pdftotext, pdffonts).
sysdeps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftoppm ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "installing chromium, fonts-noto-cjk and poppler-utils for the browser and PDF tests"; \
	  $(APT) update && $(APT) install -y --no-install-recommends chromium fonts-noto-cjk fontconfig poppler-utils; \
	fi
