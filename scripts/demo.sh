#!/usr/bin/env bash
# make demo: the PayPal sandbox, the local Messenger page, the action server
# and Rasa with the Messenger connector. One Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack.sh
trap stop_stack EXIT INT TERM

start_backends
echo "Starting Rasa (about a minute)..."
start_rasa
page="http://localhost:8080/"
echo
echo "  Shop in Messenger: $page"
echo "  PayPal sandbox:    ${PAYPAL_BASE_URL} (pay buttons open its approval page)"
echo "  Logs:              .run/*.log"
echo "  Stop:              Ctrl-C"
if command -v xdg-open >/dev/null 2>&1 && [ -n "${DISPLAY:-}" ]; then xdg-open "$page" >/dev/null 2>&1 || true; fi
wait
