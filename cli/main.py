"""``kassa``: the operator's command. ``kassa --help`` lists the subcommands,
``kassa <subcommand> --help`` explains one.

Each subcommand is a module of this package with its own ``main(argv)``; it is
imported only when asked for, so ``kassa orders`` loads no Messenger client.
"""

from __future__ import annotations

import importlib
import sys
from typing import Dict, List, Optional, Tuple

SUBCOMMANDS: Dict[str, Tuple[str, str]] = {
    "orders": ("cli.orders", "list the order ledger, or export it as CSV"),
    "refund": ("cli.refund", "refund a paid order, whole or in part"),
    "ship": ("cli.ship", "mark a paid order shipped (carrier, tracking number) or ready for pickup"),
    "request-payment": ("cli.request_payment", "send a PayPal payment request into a customer's conversation"),
    "messenger-profile": ("cli.messenger_profile", "set the Page's Get Started button, greeting and menu"),
    "messenger-templates": (
        "cli.messenger_templates",
        "create the utility templates on the Page and show their status",
    ),
}


def usage() -> str:
    width = max(len(name) for name in SUBCOMMANDS)
    lines = ["usage: kassa <subcommand> [arguments]", "", "subcommands:"]
    lines += [f"  {name:<{width}}  {meaning}" for name, (_, meaning) in SUBCOMMANDS.items()]
    lines += ["", "kassa <subcommand> --help shows a subcommand's arguments."]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        print(f"kassa: no subcommand {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(SUBCOMMANDS[name][0])
    sys.argv[0] = f"kassa {name}"  # argparse names the subcommand in its messages
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
