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

# Rasa sends no telemetry from here. The local environment (addresses, stores, the tokens
# of local-tokens.env) comes from harness/local_env.py, which the venv applies as Python
# starts (the hook `make install` writes): make targets and plain `rasa` commands see the
# same values, and a variable set in the environment wins.
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
SITE_PACKAGES = $(VENV)/lib/python3.10/site-packages

.PHONY: help install system-packages lookups lint types validate unit check train test-stories integration cluster cluster-test simulate review review-apply review-check insights conversations test demo clean messenger-profile messenger-templates nlu-report nlu-seeds nlu-thresholds bench bench-smoke orders request-payment refund ship

help: ## list every target with what it does (from the ## note on its line)
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z-]*:.*## / {printf "make %-20s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))

$(BIN)/.installed: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@if [ -z "$(PYTHON310)" ]; then \
		echo "error: Python 3.10 not found. Rasa 3.6 needs Python 3.8-3.10: install python3.10 or set PYTHON310=/path/to/python3.10" >&2; \
		exit 1; fi
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m harness.local_env > $(SITE_PACKAGES)/kassa_local_env.pth
	@# Plain `rasa test` reads every test_*.yml below the project root, the venv included,
	@# where Rasa keeps the sample stories of `rasa init`: tested against Kassa's model they
	@# fail, and they are not Kassa's, so they go.
	rm -f $(SITE_PACKAGES)/rasa/cli/initial_project/tests/test_stories.yml
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

CODE := shop actions channels cli harness sandbox analytics bench scripts tests

lint: install ## ruff: pyflakes, pycodestyle, bugbear, import order, and the format (pyproject.toml)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

types: install ## mypy over every package (pyproject.toml)
	$(BIN)/mypy

unit: install system-packages ## the unit tests in tests/unit/ (pytest, no trained model needed)
	$(PY) -m pytest tests/unit

check: lint types unit ## the inner loop: lint, types and the unit tests (under two minutes)

train: install ## train the model (Rasa reuses its cache when nothing changed)
	$(RASA) train --fixed-model-name kassa

# `rasa test core` alone reads its stories from data/ (rules only here), so the folder
# is named; the count is checked, so that a run that found no story cannot pass.
test-stories: train ## the test stories in tests/stories against the trained model
	@mkdir -p results
	set -o pipefail; $(RASA) test core --model models/kassa.tar.gz --stories tests/stories \
		--fail-on-prediction-errors --out results/test-stories 2>&1 | tee results/test-stories.log
	@grep -Eq "Evaluating [1-9][0-9]* stories" results/test-stories.log || { echo "error: no test story was evaluated" >&2; exit 1; }
	@grep -E "Evaluating [0-9]+ stories|Correct: " results/test-stories.log | head -2

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

# The production topology on this machine (harness/cluster.py), and its tests.
cluster: install train system-packages ## PostgreSQL, Redis, HAProxy, 2 Rasa replicas, 2 acceptors, 2 action servers, the sandboxes
	$(PY) -m harness.cluster

cluster-test: train system-packages ## the cluster under 50 customers, with replicas killed, paused and redeployed, PostgreSQL and Redis restarted or killed, bank payments, and limits through HAProxy
	$(PY) -m pytest -m cluster tests/cluster

# Whole conversations as customers write them, judged by outcomes (tests/conversations/).
conversations: train system-packages ## whole conversations over the Messenger door (results/conversations/summary.md)
	$(PY) -m tests.conversations

# The parts of make test in order, each timed: what each costs is printed at the end
# and kept in results/make-test-times.txt (the README's table comes from there).
TEST_PARTS := install system-packages lint types validate unit train test-stories integration cluster-test conversations bench-smoke

test: ## everything CI runs: lint, types, validate, unit, train, test stories, integration, cluster, conversations, bench smoke
	@mkdir -p results && : > results/make-test-times.txt
	@for part in $(TEST_PARTS); do \
		start=$$(date +%s); \
		$(MAKE) --no-print-directory $$part || exit 1; \
		echo "make $$part: $$(( $$(date +%s) - start )) s" >> results/make-test-times.txt; \
	done
	@echo "What each part of make test cost:"; cat results/make-test-times.txt

messenger-profile: install ## set the Page's Get Started button, greeting and menu
	$(BIN)/kassa messenger-profile

# Create the utility templates (texts/utility_templates.yml) on the Page and print their status.
messenger-templates: install ## create the utility templates on the Page and print their status
	$(BIN)/kassa messenger-templates

# The benchmark: BENCH_ARGS='--users 1,10,50 --seconds 15' (defaults), FAULTS=1 for faults under load.
bench: train ## cost per message through three doors (results/bench/); BENCH_ARGS, FAULTS=1
	$(PY) -m bench $(BENCH_ARGS)

# A quick run inside make test: fails only on errors, lost or duplicated replies.
bench-smoke: train ## a short benchmark run inside make test: fails on errors, lost or duplicated replies
	$(PY) -m bench --users 1,5 --seconds 5 --doors kassa,rest --out results/bench-smoke

nlu-report: train ## NLU quality per language on held-out phrasing (results/nlu/summary.md)
	$(PY) -m scripts.nlu_report

nlu-seeds: install ## the NLU's held-out quality and training time under three seeds (results/nlu/seeds.md; ~20 min)
	$(PY) -m scripts.nlu_seeds $(ARGS)

nlu-thresholds: train ## what the fallback thresholds of config.yml do to held-out messages (results/nlu/thresholds.md)
	$(PY) -m scripts.nlu_thresholds

orders: install ## what to pack, and the ledger (ARGS='--to-pack', '--packing-list pack.csv', '--csv orders.csv')
	$(BIN)/kassa orders $(ARGS)

# make request-payment ARGS='--conversation 2468 --amount 45.00 --description "Wheel truing"'
request-payment: install ## send a payment request: ARGS='--conversation ID --amount 45.00 --description TEXT'
	$(BIN)/kassa request-payment $(ARGS)

refund: install ## refund a paid order, whole or in part: ARGS='--order ID [--amount 5.00]'
	$(BIN)/kassa refund $(ARGS)

ship: install ## mark an order shipped: ARGS='--order ID --carrier POSTNL --tracking 3S...' (or --ready for pickup)
	$(BIN)/kassa ship $(ARGS)

demo: install train ## run the shop locally (Rasa, actions, PayPal sandbox, Messenger page) and chat with it
	$(PY) -m harness.demo

clean: ## remove models, results and local run data
	rm -rf models results .run .rasa
