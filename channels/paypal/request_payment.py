"""Send a PayPal payment request into a customer's conversation (`make request-payment`).

    python -m channels.paypal.request_payment --conversation 2468 --amount 45.00 \\
        --currency EUR --description "Wheel truing"

Calls POST {RASA_URL}/webhooks/paypal/payment-requests with MERCHANT_API_TOKEN.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from typing import List, Optional

import requests


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversation", required=True, help="the customer's conversation id (their PSID in Messenger)")
    parser.add_argument("--amount", required=True, help="for example 45.00")
    parser.add_argument("--currency", default=os.environ.get("SHOP_CURRENCY", "EUR"))
    parser.add_argument("--description", required=True)
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://localhost:5005"))
    parser.add_argument("--idempotency-key", help="send the same key again to get the same order back (default: a new key, kept across retries)")
    args = parser.parse_args(argv)
    token = os.environ.get("MERCHANT_API_TOKEN")
    if not token:
        print("error: set MERCHANT_API_TOKEN", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": args.idempotency_key or uuid.uuid4().hex}
    body = {"conversation_id": args.conversation, "amount": args.amount, "currency": args.currency, "description": args.description}
    answer = post_with_retries(f"{args.rasa_url.rstrip('/')}/webhooks/paypal/payment-requests", body, headers)
    if answer is None:
        print(f"error: Rasa is not reachable at {args.rasa_url}", file=sys.stderr)
        return 1
    if answer.status_code != 202:
        print(f"error: {answer.status_code}: {answer.text}", file=sys.stderr)
        return 1
    result = answer.json()
    print(f"Sent: order {result['order_id']} for {result['amount']} {result['currency']}; pay link {result['approval_url']}")
    return 0


def post_with_retries(url: str, body: dict, headers: dict, attempts: int = 3) -> Optional[requests.Response]:
    """POST, trying again on a network error or a 5xx under the same Idempotency-Key: at most one order."""
    answer = None
    for attempt in range(attempts):
        try:
            answer = requests.post(url, json=body, headers=headers, timeout=30)
            if answer.status_code < 500:
                return answer
        except requests.RequestException as error:
            print(f"warning: attempt {attempt + 1} failed: {error}", file=sys.stderr)
        if attempt + 1 < attempts:
            time.sleep(2 ** attempt)
    return answer


if __name__ == "__main__":
    sys.exit(main())
