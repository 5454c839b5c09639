"""The ways a customer can pay: PayPal for everyone, iDEAL for the Netherlands and
Bancontact for Belgium, through PayPal's Orders v2 ``payment_source``.

Facts from PayPal's Orders v2 specification (../shared/paypal-openapi,
checkout_orders_v2.json, read 2026-11-29): ``payment_source.ideal`` and
``payment_source.bancontact`` need the account holder's ``name`` and a
``country_code``; an order paid with them must carry the processing instruction
ORDER_COMPLETE_ON_PAYMENT_APPROVAL (else 422 with that issue), so PayPal captures
it itself once the bank approves, and a capture call meanwhile fails with
ORDER_COMPLETION_IN_PROGRESS. Both are EUR only. Minimum amounts from PayPal's
alternative payment methods guide: Bancontact EUR 1.00, iDEAL EUR 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import List, Optional, Tuple

COMPLETE_ON_APPROVAL = "ORDER_COMPLETE_ON_PAYMENT_APPROVAL"


@dataclass(frozen=True)
class BankMethod:
    key: str  # the payment_source field and the postback value
    label: str  # as the customer knows it, in both languages
    country: str
    currency: str
    minimum: Decimal


# Shown as "iDEAL | Wero": the scheme (EPI) made this co-branding mandatory at checkouts from
# 2026-01-29 to 2026-03-31, ahead of Wero replacing iDEAL (see the README).
IDEAL = BankMethod("ideal", "iDEAL | Wero", "NL", "EUR", Decimal("0.01"))
BANCONTACT = BankMethod("bancontact", "Bancontact", "BE", "EUR", Decimal("1.00"))
BANK_METHODS = {method.key: method for method in (IDEAL, BANCONTACT)}
PAYPAL_LABEL = "PayPal"


def country_of(locale: Optional[str]) -> Optional[str]:
    """'nl_BE' -> 'BE'; None when Messenger gave no locale."""
    if not locale or len(locale) < 5:
        return None
    return locale.replace("-", "_").split("_")[-1].upper()


def offered(language: str, locale: Optional[str], total: Decimal, currency: str) -> List[BankMethod]:
    """The bank methods to offer beside PayPal: the one of the customer's country
    (from Messenger's locale), or both for a Dutch speaker whose country is unknown;
    only those the order's currency and amount allow."""
    country = country_of(locale)
    if country in ("NL", "BE"):
        candidates: Tuple[BankMethod, ...] = tuple(m for m in BANK_METHODS.values() if m.country == country)
    elif language == "nl" and country is None:
        candidates = (IDEAL, BANCONTACT)
    else:
        candidates = ()
    return [m for m in candidates if allows(m, total, currency)]


def allows(method: BankMethod, total: Decimal, currency: str) -> bool:
    """Whether the method can pay this amount: its currency, from its minimum. A customer
    who asks for a method by name gets it whatever their locale (an English speaker may
    well bank in the Netherlands)."""
    return currency == method.currency and total >= method.minimum


def method_of_order(order: dict) -> str:
    """How a PayPal order was paid, as the receipt names it."""
    source = order.get("payment_source") or {}
    for key, method in BANK_METHODS.items():
        if key in source:
            return method.label
    return PAYPAL_LABEL


def completes_on_approval(order: dict) -> bool:
    """PayPal captures this order itself (bank methods): Kassa must not call capture."""
    return order.get("processing_instruction") == COMPLETE_ON_APPROVAL
