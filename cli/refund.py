"""Refund a paid order, whole or in part (`kassa refund`).

    kassa refund --order 5O190127TN364715T            # all that is left
    kassa refund --order 5O190127TN364715T --amount 5.00

Calls POST {RASA_URL}/webhooks/paypal/refunds with MERCHANT_API_TOKEN and an
Idempotency-Key (kept across retries, so a retry never refunds twice). The
customer is told in the chat when PayPal's refund webhook arrives.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from cli import merchant


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", required=True, help="the PayPal order id (see kassa orders)")
    parser.add_argument("--amount", help="a partial refund, for example 5.00; without it, all that is left")
    merchant.add_connection_arguments(parser, "refund")
    args = parser.parse_args(argv)
    body = {"order_id": args.order, **({"amount": args.amount} if args.amount else {})}
    result = merchant.post(args, "refunds", body, expected_status=201)
    if result is None:
        return 1
    print(
        f"Refunded {result['amount']} {result['currency']} of order {result['order_id']} (refund {result['refund_id']}, {result['status']})"
    )
    if result.get("shipped"):
        print("note: this order was shipped already; the parcel is with the customer or on its way")
    return 0


if __name__ == "__main__":
    sys.exit(main())
