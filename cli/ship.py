"""Mark a paid order shipped, or a pickup order ready (`kassa ship`).

    kassa ship --order 5O190127TN364715T --carrier POSTNL --tracking 3SKAAS1234567
    kassa ship --order 5O190127TN364715T --ready      # picked up at the shop

Calls POST {RASA_URL}/webhooks/paypal/shipments with MERCHANT_API_TOKEN. The
tracking number goes to PayPal (seller protection) and the customer gets the carrier's
tracking link in the chat, once. Running it again with the same number changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from cli import merchant


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", required=True, help="the PayPal order id (see kassa orders --to-pack)")
    parser.add_argument("--carrier", help="POSTNL or BPOST (catalog/terms.yml, carriers)")
    parser.add_argument("--tracking", help="the carrier's tracking number")
    parser.add_argument("--ready", action="store_true", help="a pickup order is ready at the shop")
    merchant.add_connection_arguments(parser, "shipment")
    args = parser.parse_args(argv)
    if args.ready == bool(args.carrier or args.tracking):
        parser.error("give --carrier and --tracking for a delivery, or --ready for a pickup order")
    body = {
        "order_id": args.order,
        **({} if args.ready else {"carrier": args.carrier, "tracking_number": args.tracking}),
    }
    result = merchant.post(args, "shipments", body, expected_status=(200, 201))
    if result is None:
        return 1
    if result["method"] == "PICKUP":
        print(f"Order {result['order_id']} is ready for pickup" + (" (it was already)" if result["already"] else ""))
    else:
        print(
            f"Order {result['order_id']} shipped with {result['carrier']} {result['tracking_number']}"
            + (" (it was already)" if result["already"] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
