"""Money as decimal.Decimal: rounding, PayPal's string form and display.

Floats never touch an amount. Every amount that leaves the shop is quantized to
the currency's minor unit, the way PayPal expects it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency

from shop.locale_format import babel_locale

# ISO 4217 currencies that PayPal accepts without a fractional part.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "HUF", "TWD"})


class MoneyError(ValueError):
    """An amount that is not a valid non-negative decimal."""


def currency_exponent(currency: str) -> int:
    """Number of decimals PayPal expects for ``currency``."""
    return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def to_decimal(value: Any) -> Decimal:
    """Parse a price or amount given as str, int or Decimal; floats are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"{value!r} is not an exact decimal; write it as a string")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError):
        raise MoneyError(f"{value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite number")
    return amount


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-currency_exponent(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` needs no more decimals than ``currency`` has."""
    return quantize(amount, currency) == amount


def paypal_value(amount: Decimal, currency: str) -> str:
    """The string PayPal's ``money.value`` wants: '12.50', '1250' for JPY."""
    return f"{quantize(amount, currency):f}"


def paypal_money(amount: Decimal, currency: str) -> dict:
    return {"currency_code": currency.upper(), "value": paypal_value(amount, currency)}


def format_money(amount: Decimal, currency: str, language: str = "en") -> str:
    """Display form from CLDR (Babel): €12.50 in English, € 12,50 in Dutch. Rounded half up
    to the currency's minor unit first, as PayPal charges it; Babel's non-breaking space
    becomes a plain one, the same in a message, a button title and a receipt."""
    text = format_currency(quantize(amount, currency), currency.upper(), locale=babel_locale(language))
    return text.replace("\xa0", " ")
