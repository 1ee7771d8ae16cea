# Civic: `make run` to try it, `make test` to test it. Everything else is a step of those two.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app civic
VENDOR := civic/static/vendor
# AgID's spid-sp-test (and spid-compliant-certificates) pin old versions of common packages: their own venv.
SPID_TOOLS := .venv-spid-sp-test
SPID_SP_TEST := spid-sp-test==1.2.18


.PHONY: run test lint test-quick install assets translations db demo serve messages bench clean check-tools spid-tools demo-identity wheel deploy-env

check-tools:
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) is missing: install Python 3.11 or newer."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "make: Python 3.11 or newer is needed ($(PYTHON) is older)."; exit 1; }
	@command -v npm >/dev/null || { echo "make: npm is missing: install Node.js and npm (Debian: apt-get install npm)."; exit 1; }

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: check-tools $(VENV)/.installed

$(SPID_TOOLS)/.installed:
	$(PYTHON) -m venv $(SPID_TOOLS)
	$(SPID_TOOLS)/bin/pip install --quiet --upgrade pip
	$(SPID_TOOLS)/bin/pip install --quiet '$(SPID_SP_TEST)'
	@touch $@

# spid-sp-test for the suite, spid-compliant-certificates for `flask --app civic spid keygen`.
spid-tools: check-tools $(SPID_TOOLS)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

$(VENDOR)/.built: node_modules/.package-lock.json
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap-italia $(VENDOR)/chart.js
	cp -r node_modules/bootstrap-italia/dist/css node_modules/bootstrap-italia/dist/js \
	      node_modules/bootstrap-italia/dist/fonts node_modules/bootstrap-italia/dist/svg $(VENDOR)/bootstrap-italia/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.js/
	# Precompressed copies for nginx's gzip_static (deploy/nginx/civic.conf): no compression work per request.
	find $(VENDOR) -type f \( -name '*.css' -o -name '*.js' -o -name '*.svg' \) -exec gzip -k -9 -n -f {} +
	@touch $@

assets: check-tools $(VENDOR)/.built

translations: install
	$(FLASK) translate compile

db: install translations
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load

# `make run` signs in with SPID and CIE through the demo identity provider: a development key pair first.
DEMO_IDENTITY := CIVIC_SPID_ENABLED=1 CIVIC_CIE_ENABLED=1 CIVIC_DEMO_IDP=1
demo-identity: install spid-tools
	@test -f instance/identity/sp-key.pem || $(FLASK) spid keygen --offline --locality "Novi Ligure" --days 3650

# The dev server, and the outbox worker printing e-mail (with their links) to this console.
serve:
	@echo "Civic is at http://127.0.0.1:5000 (Ctrl-C to stop). E-mails are printed below."
	@$(FLASK) outbox deliver --loop --interval 2 & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(DEMO_IDENTITY) $(FLASK) run --host 127.0.0.1 --port 5000

run: install assets demo demo-identity serve

# The style pyproject.toml declares (ruff: pyflakes, pycodestyle, bugbear, isort, pyupgrade; 110 columns).
lint: install
	$(BIN)/ruff check .

test: install assets translations spid-tools lint
	@bash tests/run.sh

# For contributors while they work: SQLite only, without the browser, the HTML checker and the tests that start
# their own servers (about a minute and a half on two cores). `make test` runs everything.
test-quick: install translations lint
	CIVIC_TEST_DB=sqlite $(BIN)/python -m pytest -n 2 -q -m "not browser and not slow and not html" tests

# New or changed messages of the code into every catalogue (civic/translations), ready to translate.
messages: install
	$(FLASK) translate extract
	$(FLASK) translate update

bench: install assets translations
	@bash bench/run.sh
	@.venv/bin/python -m bench.census
	@.venv/bin/python -m bench.notifications

# The wheel to deploy (docs/operations.md): templates, static and vendor files, compiled catalogues and
# migrations inside. Built with the venv's setuptools and Babel (setup.py compiles the catalogues).
wheel: install assets
	rm -rf build
	$(BIN)/pip wheel --no-deps --no-build-isolation --wheel-dir dist .
	@ls dist/civic-*.whl

# deploy/civic.env.example from the settings civic/config.py declares (a test fails when it is out of date).
deploy-env: install
	$(BIN)/python deploy/generate_env.py

clean:
	rm -rf $(VENV) $(SPID_TOOLS) node_modules $(VENDOR) instance/test-* build dist
