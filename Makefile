# oryauth: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test venv browser ory-build ory-up ory-down migrate site-client setup

run: setup
	@echo
	@echo "Demo site on http://127.0.0.1:8000  (Ory: Kratos 4433/4434, Hydra 4444/4445, mail in .ory-run/mail)"
	@echo "Admin user: $(PY) manage.py createsuperuser   then http://127.0.0.1:8000/admin/"
	@echo
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup browser
	$(PY) -m pytest

# Everything both commands need: Python packages, the Ory stack, the database,
# and this site's own OAuth2 client in Hydra.
setup: venv ory-up migrate site-client

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

browser:
	tools/ensure-chromium.sh

ory-build:
	tools/ory/build.sh

ory-up: venv
	PYTHON=$(abspath $(PY)) tools/ory/up.sh

ory-down:
	tools/ory/down.sh

migrate: venv
	$(PY) manage.py migrate --no-input -v 0

site-client: venv ory-up
	$(PY) manage.py oryauth_clients ensure-site-client
