"""Send a PayPal payment request into a customer's conversation (`kassa request-payment`).

    kassa request-payment --conversation 2468 --amount 45.00 \\
        --currency EUR --description "Wheel truing"

Calls POST {RASA_URL}/webhooks/paypal/payment-requests with MERCHANT_API_TOKEN.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from cli import merchant
from shop.catalog import get_catalog


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--conversation", required=True, help="the customer's conversation id (their PSID in Messenger)"
    )
    parser.add_argument("--amount", required=True, help="for example 45.00")
    parser.add_argument("--currency", default=get_catalog().currency, help="default: the catalog's currency")
    parser.add_argument("--description", required=True)
    merchant.add_connection_arguments(parser, "order")
    args = parser.parse_args(argv)
    body = {
        "conversation_id": args.conversation,
        "amount": args.amount,
        "currency": args.currency,
        "description": args.description,
    }
    result = merchant.post(args, "payment-requests", body, expected_status=202)
    if result is None:
        return 1
    print(
        f"Sent: order {result['order_id']} for {result['amount']} {result['currency']}; pay link {result['approval_url']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
