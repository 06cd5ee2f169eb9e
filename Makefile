# oryauth: the two commands are `make run` and `make test` (see README.md).
# PROFILE=default (SQLite, a per-process cache, runserver: one person at a
# time) or PROFILE=production (PostgreSQL, Redis, gunicorn; docs/deploy.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= default
export PROFILE

ifeq ($(PROFILE),production)
# Exports DATABASE_URL, CACHE_URL, the Ory DSNs and the ports to the command.
WITH_PROFILE := tools/production/env.sh
else ifneq ($(PROFILE),default)
$(error PROFILE must be 'default' or 'production', not '$(PROFILE)')
endif

# The localhost variant beside the main stack (tools/ory/up-localhost.sh):
# passkeys, security keys and "Sign in with Example ID" on http://localhost:8100.
run-localhost: setup
	PYTHON=$(abspath $(PY)) tools/ory/up-localhost.sh

.PHONY: run-localhost run test lint venv browser ory-build ory-up ory-down migrate site-client setup

run: setup
	@echo
	@echo "Demo site on http://127.0.0.1:8000, profile $(PROFILE)  (Ory: Kratos 4433/4434, Hydra 4444/4445, mail in .ory-run/mail)"
	@echo "Admin user: $(WITH_PROFILE) $(PY) manage.py createsuperuser   then http://127.0.0.1:8000/admin/"
	@echo
ifeq ($(PROFILE),production)
	$(WITH_PROFILE) tools/production/site.sh foreground
else
	$(PY) manage.py runserver 127.0.0.1:8000
endif

# The production profile runs the integration, browser and interop tests on
# PostgreSQL and Redis, then tests/production against gunicorn (its own
# pytest run: gunicorn and the browser tests' live server both need port 8000).
test: setup browser
ifeq ($(PROFILE),production)
	@status=0; \
	$(WITH_PROFILE) $(PY) -m pytest tests/integration tests/e2e tests/interop || status=1; \
	$(WITH_PROFILE) $(PY) -m pytest tests/production || status=1; \
	tools/production/site.sh down >/dev/null || true; \
	exit $$status
else
	@status=0; \
	$(PY) -m pytest || status=1; \
	$(MAKE) --no-print-directory lint || status=1; \
	exit $$status
endif

# ruff and mypy (django-stubs) on the app: part of `make test`, so CI enforces them.
lint: venv
	$(PY) -m ruff check oryauth
	$(PY) -m mypy

# Everything both commands need: Python packages, the Ory stack (and in the
# production profile PostgreSQL and Redis), the database, and this site's own
# OAuth2 client in Hydra.
setup: venv ory-up migrate site-client

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

# Debian's Chromium and the Node packages browser and interop tests use.
browser:
	tools/ensure-chromium.sh
	tools/ensure-node-packages.sh

ory-build:
	tools/ory/build.sh

ory-up: venv
	PYTHON=$(abspath $(PY)) tools/ory/up.sh

# Stops whatever either profile started (gunicorn, Kratos, Hydra, the SMTP
# sink, Redis, PostgreSQL).
ory-down:
	tools/ory/down.sh

migrate: venv
	$(WITH_PROFILE) $(PY) manage.py migrate --no-input -v 0

site-client: venv ory-up
	$(WITH_PROFILE) $(PY) manage.py oryauth_clients ensure-site-client
