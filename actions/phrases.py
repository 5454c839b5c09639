"""Short phrases that actions put inside messages: button titles, labels.

Whole answers live in domain/responses/ as responses; these are the pieces that are
assembled per product or per cart line and so cannot be a response of their own.
"""
from __future__ import annotations

from typing import Any

PHRASES = {
    "en": {
        "add_to_cart": "Add to cart",
        "details": "Details",
        "in_stock": "In stock",
        "few_left": "Only {count} left",
        "out_of_stock": "Out of stock",
        "size": "Sizes",
        "colour": "Colours",
        "pay_with_paypal": "Pay {total} with PayPal",
        "pay_short": "Pay {total}",
        "remove": "Remove {name}",
        "pay_with_method": "Pay via {method}",
        "or": "or",
    },
    "nl": {
        "add_to_cart": "In winkelwagen",
        "details": "Details",
        "in_stock": "Op voorraad",
        "few_left": "Nog maar {count} over",
        "out_of_stock": "Uitverkocht",
        "size": "Maten",
        "colour": "Kleuren",
        "pay_with_paypal": "Betaal {total} met PayPal",
        "pay_short": "Betaal {total}",
        "remove": "Verwijder {name}",
        "pay_with_method": "Naar {method}",
        "or": "of",
    },
}


def phrase(key: str, language: str = "en", **values: Any) -> str:
    table = PHRASES.get(language, PHRASES["en"])
    return table.get(key, PHRASES["en"][key]).format(**values)
