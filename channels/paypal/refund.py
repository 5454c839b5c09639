"""Refund a paid order, whole or in part (`make refund`).

    python -m channels.paypal.refund --order 5O190127TN364715T            # the whole rest
    python -m channels.paypal.refund --order 5O190127TN364715T --amount 5.00

Calls POST {RASA_URL}/webhooks/paypal/refunds with MERCHANT_API_TOKEN and an
Idempotency-Key (kept across retries, so a retry never refunds twice). The
customer is told in the chat when PayPal's refund webhook arrives.
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from typing import List, Optional

from channels.paypal.request_payment import post_with_retries


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", required=True, help="the PayPal order id (see make orders)")
    parser.add_argument("--amount", help="a partial refund, for example 5.00; without it, all that is left")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://localhost:5005"))
    parser.add_argument("--idempotency-key", help="send the same key again to get the same refund back")
    args = parser.parse_args(argv)
    token = os.environ.get("MERCHANT_API_TOKEN")
    if not token:
        print("error: set MERCHANT_API_TOKEN", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": args.idempotency_key or uuid.uuid4().hex}
    body = {"order_id": args.order, **({"amount": args.amount} if args.amount else {})}
    answer = post_with_retries(f"{args.rasa_url.rstrip('/')}/webhooks/paypal/refunds", body, headers)
    if answer is None:
        print(f"error: Rasa is not reachable at {args.rasa_url}", file=sys.stderr)
        return 1
    if answer.status_code != 201:
        print(f"error: {answer.status_code}: {answer.text}", file=sys.stderr)
        return 1
    result = answer.json()
    print(f"Refunded {result['amount']} {result['currency']} of order {result['order_id']} (refund {result['refund_id']}, {result['status']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
