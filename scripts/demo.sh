#!/usr/bin/env bash
# make demo: the PayPal sandbox, the action server and Rasa, with a
# conversation in this terminal. One Ctrl-C (or /stop) stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack.sh
trap stop_stack EXIT INT TERM

start_backends
echo "PayPal sandbox: ${PAYPAL_BASE_URL} (pay buttons open its approval page)"
echo "Type a message, for example: hi. Stop with Ctrl-C or /stop."
.venv/bin/rasa shell --model models/kassa.tar.gz --endpoints endpoints.yml --credentials credentials.yml --port 5005
