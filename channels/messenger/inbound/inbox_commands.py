"""Commands a person types in the Page Inbox while they hold a conversation:
``#pay 45.00 Wheel truing`` (or ``#betaal 45,00 Wiel richten``) sends the customer a
PayPal payment request for that amount and description; ``#shipped 3SKAAS1234567``
(or ``#verzonden``, optionally with the carrier first: ``#shipped BPOST 3232...``)
marks the conversation's paid order shipped, and ``#shipped`` alone a pickup order ready.

The agent's line itself reaches the customer as any message the agent writes, so
the command stays readable: a hash word, the amount, what it is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from shop import money

COMMAND = re.compile(r"^\s*#(?:pay|betaal|betalen)(?=\s|$)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
# 45 | 45.00 | 45,00 | €45,50 | 45.5 EUR: one decimal separator, no thousands separators.
AMOUNT = re.compile(
    r"^\s*(?:€|eur\b)?\s*(?P<units>\d{1,7})(?:[.,](?P<cents>\d{1,2}))?(?:\s*(?:€|eur)\b)?(?=\s|$)", re.IGNORECASE
)
DESCRIPTION_MAX = 127


SHIP_COMMAND = re.compile(r"^\s*#(?:shipped|verzonden|verstuurd)(?=\s|$)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)


class CommandError(ValueError):
    """A #pay line that cannot be done; the message says why, for the log."""


@dataclass(frozen=True)
class PayCommand:
    amount: Decimal
    description: str


def pay_command(text: str, maximum: Decimal) -> Optional[PayCommand]:
    """The payment request a Page Inbox line asks for; None when the line is no command."""
    found = COMMAND.match(text or "")
    if found is None:
        return None
    rest = found.group("rest")
    amount = AMOUNT.match(rest)
    if amount is None:
        raise CommandError(f"no amount after the command (write it as 45.00 or 45,00): {text.strip()[:60]!r}")
    description = " ".join(rest[amount.end() :].split())
    if not 1 <= len(description) <= DESCRIPTION_MAX:
        raise CommandError(f"say what the payment is for after the amount, in 1 to {DESCRIPTION_MAX} characters")
    value = money.to_decimal(f"{amount.group('units')}.{amount.group('cents') or '00'}")
    if not Decimal("0") < value <= maximum:
        raise CommandError(f"the amount must be above 0 and at most {maximum}")
    return PayCommand(value, description)


@dataclass(frozen=True)
class ShipCommand:
    carrier: Optional[str]  # None: the carrier of the order's zone
    tracking_number: Optional[str]  # None: a pickup order made ready


def ship_command(text: str, carriers: "frozenset[str]") -> Optional[ShipCommand]:
    """The shipment a Page Inbox line reports; None when the line is no #shipped command."""
    found = SHIP_COMMAND.match(text or "")
    if found is None:
        return None
    words = found.group("rest").split()
    carrier = words[0].upper() if words and words[0].upper() in carriers else None
    number = "".join(words[1:] if carrier else words) or None
    if carrier and number is None:
        raise CommandError(f"a tracking number after the carrier: {text.strip()[:60]!r}")
    return ShipCommand(carrier, number)
