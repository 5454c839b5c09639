"""make demo: the PayPal sandbox, the local Messenger page, the action server and Rasa
with the Messenger connector, started the same way the tests start them
(harness/stack.py), on the usual ports, with this environment's values (the Makefile's
local defaults) and the orders and conversations kept in .run/. Ctrl-C stops everything."""

from __future__ import annotations

import sys

from harness.servers import PROJECT_ROOT, wait_until_stopped
from harness.stack import Ports, start_stack
from shop import settings

DEMO_PORTS = Ports(rasa=5005, actions=5055, messenger_page=8080, sandbox=8090)
RUN = PROJECT_ROOT / ".run"


def main() -> int:
    print("Starting the PayPal sandbox, the Messenger page, the action server and Rasa (about a minute)...", flush=True)
    try:
        stack = start_stack(RUN, settings.given(), ports=DEMO_PORTS, fresh=False, log_dir=RUN, rasa_api=False)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        print(
            f"\n  Shop in Messenger: {stack.graph_url}/\n  PayPal sandbox:    {stack.paypal_url} (pay buttons open its approval page)"
            f"\n  Logs:              {RUN}/*.log\n  Stop:              Ctrl-C\n",
            flush=True,
        )
        wait_until_stopped()
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
