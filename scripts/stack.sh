#!/usr/bin/env bash
# Start the local stack in the background: PayPal sandbox, action server, Rasa.
# Sourced by demo.sh; each service logs to .run/<name>.log, and stop_stack
# (run on exit, Ctrl-C included) stops everything it started.
STACK_PIDS=()
mkdir -p .run

start_service() {
  local name=$1; shift
  "$@" >".run/$name.log" 2>&1 &
  STACK_PIDS+=($!)
}

wait_for_url() {
  local name=$1 url=$2 seconds=${3:-120}
  for _ in $(seq "$((seconds * 4))"); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.25
  done
  echo "error: $name did not start; see .run/$name.log" >&2
  tail -n 20 ".run/$name.log" >&2
  return 1
}

stop_stack() {
  trap - EXIT INT TERM
  for pid in "${STACK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

start_backends() {
  start_service sandbox .venv/bin/python -m sandbox.paypal
  start_service messenger .venv/bin/python -m sandbox.messenger
  # The action server trusts whoever calls it: it listens on ACTION_SERVER_HOST
  # (127.0.0.1 unless set; a private address when Rasa runs on another machine).
  start_service actions env SANIC_HOST="${ACTION_SERVER_HOST:-127.0.0.1}" .venv/bin/rasa run actions --actions actions --port 5055
  wait_for_url sandbox "${PAYPAL_BASE_URL}/_sandbox/health" 30
  wait_for_url messenger "${FB_GRAPH_URL}/_fake/health" 30
  wait_for_url actions "http://localhost:5055/health" 120
}

start_rasa() {
  start_service rasa .venv/bin/rasa run --model models/kassa.tar.gz --endpoints endpoints.yml \
    --credentials credentials.yml --port 5005 "$@"
  wait_for_url rasa "http://localhost:5005/" 180
}
