# Conduit: `make run` serves the app with demo data, `make test` runs every test.
# Both set up what they need first (idempotently); `make setup` does only that.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMPS := .stamps
# The development server has a thread per request: live-update streams need no cap there.
FLASK := CONDUIT_ENV=development LIVE_STREAMS_MAX=100 $(BIN)/flask --app web

.PHONY: setup run test test-unit test-e2e lint browser clean bench bench-live screenshots translations

setup: $(STAMPS)/python $(STAMPS)/npm $(STAMPS)/vendor $(STAMPS)/catalogs
	$(FLASK) db upgrade
	$(FLASK) seed --if-empty

$(STAMPS)/python: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/npm: package.json package-lock.json
	npm ci --no-audit --no-fund
	@mkdir -p $(STAMPS) && touch $@

# Front-end packages are copied from node_modules, never committed.
$(STAMPS)/vendor: $(STAMPS)/npm deploy/vendor-assets
	deploy/vendor-assets node_modules static/vendor
	@touch $@

# The message catalogs (web/translations/*/LC_MESSAGES/messages.po) compiled for the app.
CATALOGS := $(wildcard web/translations/*/LC_MESSAGES/messages.po)
$(STAMPS)/catalogs: $(STAMPS)/python $(CATALOGS)
	$(BIN)/pybabel compile --directory web/translations --domain messages
	@touch $@

# Extract every marked message (babel.cfg) and bring each catalog up to date; new
# messages are left untranslated (tests/pages/test_i18n.py names them until they are done).
translations: $(STAMPS)/python
	$(BIN)/pybabel extract --mapping-file babel.cfg --keyword _l --keyword N_ --sort-output \
	  --add-location file --project Conduit --copyright-holder Conduit \
	  --output-file web/translations/messages.pot .
	$(BIN)/pybabel update --input-file web/translations/messages.pot --output-dir web/translations \
	  --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(MAKE) $(STAMPS)/catalogs

# Links in mails and feeds point at the development server (SITE_URL overrides it).
run: setup
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(FLASK) run --debug --host 127.0.0.1 --port $(PORT)

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# The unit and integration tests share out over the cores (each test has a database of
# its own); the browser tests run one after another (each is a timed conversation with
# one live server, and they wait on the browser more than on the processor).
UNIT := $(BIN)/pytest tests --numprocesses auto --maxprocesses 4

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(UNIT)
	$(BIN)/pytest e2e

test-unit: setup
	$(UNIT)

test-e2e: setup browser
	$(BIN)/pytest e2e

# Conduit against a hello-world under the same gunicorn settings (see bench/run.py).
bench: setup
	$(BIN)/python -m bench.run $(ARGS)

# Page throughput with and without 1,000 idle live-update streams (see bench/streams.py).
bench-live: setup
	$(BIN)/python -m bench.streams $(ARGS)

lint: $(STAMPS)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules static/vendor $(STAMPS) .pytest_cache .ruff_cache .mypy_cache

# Every page and key state at four widths in both themes: screenshots/index.html
screenshots: setup browser
	$(BIN)/python -m e2e.screenshots
