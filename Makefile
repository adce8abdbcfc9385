# Set-up and everyday commands. Each target creates the virtual environment it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test test-fast bundles check-bundles bench browser-deps clean

# The server alone; the test target adds the test tools.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e '.[test]'
	touch $@

# Start the server on the embedded chDB store in ./eventlayer-data (EVENTLAYER_PORT and friends apply).
run: $(VENV)/.installed
	$(VENV)/bin/eventlayer serve

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

node_modules/.installed: package.json
	npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	touch $@

# Rebuild the SDK and overlay bundles that ship in server/eventlayer/static/.
bundles: node_modules/.installed
	node build.mjs

# Fail when the committed bundles differ from what the sources build.
check-bundles: bundles
	git diff --exit-code -- server/eventlayer/static/sdk.js server/eventlayer/static/sdk.esm.js server/eventlayer/static/overlay.js

test: $(VENV)/.installed-test browser-deps check-bundles
	node --test client/test/ overlay/test/
	$(VENV)/bin/pytest -q

# The tests without a browser, for a quick loop while editing server code.
test-fast: $(VENV)/.installed-test
	$(VENV)/bin/pytest -q -m 'not browser'

# Every benchmark in one run: a table on the terminal, bench/results/latest.json and a chart (PNG).
bench: $(VENV)/.installed-test
	$(PIP) install -q -e '.[test,bench]'
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) node_modules
