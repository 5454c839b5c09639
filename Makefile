# Kassa: one command to run the shop, one to test it.
#   make demo   trains if needed, starts everything, opens a conversation
#   make test   validates the data, runs the tests, trains and tests the dialogue

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RASA := $(BIN)/rasa

# Python 3.10: Rasa 3.6 runs on 3.8 to 3.10 only.
PYTHON310 ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

# Local defaults; set any of them in the environment to override.
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)
export ACTION_ENDPOINT_URL ?= http://localhost:5055/webhook
export TRACKER_STORE_DIALECT ?= sqlite
export TRACKER_STORE_URL ?=
export TRACKER_STORE_DB ?= $(CURDIR)/.run/tracker.db
export PUBLIC_URL ?= http://localhost:5005
# The local PayPal sandbox.
export PAYPAL_BASE_URL ?= http://localhost:8090
# Messenger: the Messenger page (the fake Graph API) that plays Facebook locally.
export FB_GRAPH_URL ?= http://localhost:8080
export FB_GRAPH_VERSION ?= v25.0
export RASA_WEBHOOK_URL ?= http://localhost:5005/webhooks/facebook/webhook
export CATALOG_IMAGE_BASE_URL ?= http://localhost:8080/images
# PayPal webhooks (the sandbox's webhook id).
export PAYPAL_WEBHOOK_ID ?= 8PT597110X687430L
export PAYPAL_WEBHOOK_RETRY_DELAYS ?=
export SANDBOX_WEBHOOK_URL ?= $(PUBLIC_URL)/webhooks/paypal/webhook
export FB_PAGE_ID ?=
export DATABASE_URL ?= sqlite:///$(CURDIR)/.run/orders.db
export SHOP_NAME ?= Kassa Bike Shop
# Local tokens and keys (not secrets; refused outside localhost).
include local-defaults.mk

.PHONY: help install system-packages lookups lint types validate unit train test-stories integration cluster cluster-test simulate review review-apply review-check insights conversations test demo clean messenger-profile messenger-templates nlu-report bench bench-smoke orders request-payment refund

help: ## list every target with what it does (from the ## note on its line)
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z-]*:.*## / {printf "make %-20s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))

$(BIN)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@if [ -z "$(PYTHON310)" ]; then \
		echo "error: Python 3.10 not found. Rasa 3.6 needs Python 3.8-3.10: install python3.10 or set PYTHON310=/path/to/python3.10" >&2; \
		exit 1; fi
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $@

# Debian packages the tests and the cluster use: headless Chromium for the browser
# test (a downloaded browser does not work here), Redis, PostgreSQL and HAProxy.
system-packages: ## install the Debian packages the tests use (chromium, redis-server, postgresql, haproxy) when missing
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v haproxy >/dev/null 2>&1 || missing="$$missing haproxy"; \
	if [ -n "$$missing" ]; then \
		command -v apt-get >/dev/null 2>&1 || { echo "error: install$$missing" >&2; exit 1; }; \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

install: $(BIN)/.installed ## create .venv with Python 3.10 and the pinned requirements



lookups: install ## regenerate data/nlu/catalog_lookups.yml from the catalog
	$(PY) -m scripts.generate_lookups

validate: install ## rasa data validate plus the project's own checks (catalog, responses, templates)
	$(PY) -m scripts.validate

lint: install ## ruff: pyflakes, pycodestyle, bugbear and import order (pyproject.toml)
	$(BIN)/ruff check actions channels sandbox scripts bench analytics tests

types: install ## mypy over actions, channels, sandbox, scripts and bench (pyproject.toml)
	$(BIN)/mypy

unit: install system-packages ## the unit tests (pytest, no trained model needed)
	$(PY) -m pytest

train: install ## train the model (Rasa reuses its cache when nothing changed)
	$(RASA) train --domain domain --fixed-model-name kassa --out models

test-stories: train ## the test stories in tests/stories against the trained model
	$(RASA) test core --model models/kassa.tar.gz --stories tests/stories \
		--fail-on-prediction-errors --out results/test-stories

integration: train system-packages ## the integration tests: the whole stack over real HTTP, a browser included
	$(PY) -m pytest -m integration tests/integration

# The review loop and the sales funnel (analytics/, docs/conversation-design.md).
simulate: install train ## a few hundred scripted customers shop in the local stack (.run/), for review and insights: ARGS='--customers 300'
	$(PY) -m analytics.simulate $(ARGS)

review: install ## list the messages worth a designer's look in results/review/review.yml (ARGS='--threshold 0.6')
	$(PY) -m analytics.review $(ARGS)

review-apply: install ## add the corrected messages of results/review/review.yml to data/nlu/, then validate
	$(PY) -m analytics.review_apply $(ARGS)

review-check: train ## after review-apply and train: does the model now give the corrected messages their intents?
	$(PY) -m analytics.review_check

insights: install ## the sales funnel from the tracker store and the ledger (results/insights/)
	$(PY) -m analytics.insights $(ARGS)

# The production topology on this machine (scripts/cluster.py), and its tests.
cluster: install train system-packages ## PostgreSQL, Redis, HAProxy, 2 Rasa replicas, 2 acceptors, 2 action servers, the sandboxes
	$(PY) -m scripts.cluster

cluster-test: train system-packages ## the cluster under 50 customers, with replicas killed, paused and redeployed, PostgreSQL and Redis restarted or killed, bank payments, and limits through HAProxy
	$(PY) -m pytest -m cluster tests/cluster

# Whole conversations as customers write them, judged by outcomes (tests/conversations/).
conversations: train system-packages ## whole conversations over the Messenger door (results/conversations/summary.md)
	$(PY) -m tests.conversations

test: lint types validate unit test-stories integration cluster-test conversations bench-smoke ## everything CI runs: lint, types, validate, unit, test stories, integration, cluster, conversations, bench smoke

messenger-profile: install ## set the Page's Get Started button, greeting and menu
	$(PY) -m channels.messenger.profile

# Create the utility templates (messenger/utility_templates.yml) on the Page and print their status.
messenger-templates: install ## create the utility templates on the Page and print their status
	$(PY) -m channels.messenger.templates

# The benchmark: BENCH_ARGS='--users 1,10,50 --seconds 15' (defaults), FAULTS=1 for faults under load.
bench: train ## cost per message through three doors (results/bench/); BENCH_ARGS, FAULTS=1
	$(PY) -m bench $(BENCH_ARGS)

# A quick run inside make test: fails only on errors, lost or duplicated replies.
bench-smoke: train ## a short benchmark run inside make test: fails on errors, lost or duplicated replies
	$(PY) -m bench --users 1,5 --seconds 5 --doors kassa,rest --out results/bench-smoke

nlu-report: train ## NLU quality per language on held-out phrasing (results/nlu/summary.md)
	$(PY) -m scripts.nlu_report

orders: install ## list the order ledger (ARGS='--csv orders.csv' exports CSV)
	$(PY) -m scripts.orders $(ARGS)

# make request-payment ARGS='--conversation 2468 --amount 45.00 --description "Wheel truing"'
request-payment: install ## send a payment request: ARGS='--conversation ID --amount 45.00 --description TEXT'
	$(PY) -m channels.paypal.request_payment $(ARGS)

refund: install ## refund a paid order, whole or in part: ARGS='--order ID [--amount 5.00]'
	$(PY) -m channels.paypal.refund $(ARGS)

demo: install train ## run the shop locally (Rasa, actions, PayPal sandbox, Messenger page) and chat with it
	$(PY) -m scripts.demo

clean: ## remove models, results and local run data
	rm -rf models results .run .rasa
