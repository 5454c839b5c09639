"""Send a PayPal payment request into a customer's conversation (`make request-payment`).

    python -m channels.paypal.request_payment --conversation 2468 --amount 45.00 \\
        --currency EUR --description "Wheel truing"

Calls POST {RASA_URL}/webhooks/paypal/payment-requests with MERCHANT_API_TOKEN.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

import requests


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversation", required=True, help="the customer's conversation id (their PSID in Messenger)")
    parser.add_argument("--amount", required=True, help="for example 45.00")
    parser.add_argument("--currency", default=os.environ.get("SHOP_CURRENCY", "EUR"))
    parser.add_argument("--description", required=True)
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://localhost:5005"))
    parser.add_argument("--idempotency-key", help="send the same key again to get the same order back")
    args = parser.parse_args(argv)
    token = os.environ.get("MERCHANT_API_TOKEN")
    if not token:
        print("error: set MERCHANT_API_TOKEN", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {token}"}
    if args.idempotency_key:
        headers["Idempotency-Key"] = args.idempotency_key
    body = {"conversation_id": args.conversation, "amount": args.amount, "currency": args.currency, "description": args.description}
    try:
        answer = requests.post(f"{args.rasa_url.rstrip('/')}/webhooks/paypal/payment-requests", json=body, headers=headers, timeout=30)
    except requests.RequestException as error:
        print(f"error: Rasa is not reachable at {args.rasa_url}: {error}", file=sys.stderr)
        return 1
    if answer.status_code != 201:
        print(f"error: {answer.status_code}: {answer.text}", file=sys.stderr)
        return 1
    result = answer.json()
    print(f"Sent: order {result['order_id']} for {result['amount']} {result['currency']}; pay link {result['approval_url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
