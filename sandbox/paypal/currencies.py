"""Currency amounts as PayPal's API states them, for the sandbox's own checks.

Written from PayPal's documentation, not imported from the shop, so that a wrong
rounding in the shop fails the tests instead of agreeing with itself: amounts are
strings; HUF, JPY and TWD take no decimals ("Decimal amounts cause an error"), the other
currencies two (PayPal-supported currencies, developer.paypal.com/reports/reference/
supported-currencies, read 2026-12-01).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NO_DECIMALS = frozenset({"HUF", "JPY", "TWD"})


def decimals(currency: str) -> int:
    return 0 if currency.upper() in NO_DECIMALS else 2


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no more decimals than ``currency`` allows."""
    return amount == amount.quantize(Decimal(1).scaleb(-decimals(currency)), rounding=ROUND_HALF_UP)


def value(amount: Decimal, currency: str) -> str:
    """PayPal's string form: '12.50', '1250' for JPY."""
    places = decimals(currency)
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
