"""What actions read from the tracker: language, cart, the latest entities."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from rasa_sdk import Tracker

from actions import cart as cart_rules
from actions import money
from actions.catalog import LANGUAGES, Catalog, Product


def language(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in LANGUAGES else "en"


def current_cart(tracker: Tracker) -> cart_rules.Cart:
    return cart_rules.from_slot(tracker.get_slot("cart"))


def latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(entity), None)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def signed_quantity(tracker: Tracker) -> Optional[str]:
    """The quantity entity as the customer wrote it, with a minus sign kept.

    Tokenizers drop the '-' of '-3'; looking at the text before the entity
    keeps a customer's -3 from turning into 3.
    """
    for entity in (tracker.latest_message or {}).get("entities", []):
        if entity.get("entity") != "quantity":
            continue
        value = str(entity.get("value"))
        start = entity.get("start")
        text = latest_text(tracker)
        if isinstance(start, int) and start > 0 and text[:start].rstrip().endswith("-"):
            return "-" + value
        return value
    return None


def requested_product(tracker: Tracker, catalog: Catalog) -> tuple[Optional[Product], Optional[str]]:
    """The product the customer named now (or earlier), and the words they used."""
    raw = latest_entity(tracker, "product") or tracker.get_slot("product")
    return catalog.resolve(raw), raw


def max_price(tracker: Tracker) -> Optional[Decimal]:
    raw = latest_entity(tracker, "max_price")
    if raw is None:
        return None
    digits = re.search(r"\d+(?:[.,]\d{1,2})?", str(raw))
    if not digits:
        return None
    try:
        return money.to_decimal(digits.group().replace(",", "."))
    except money.MoneyError:
        return None


def slot_number(tracker: Tracker, name: str) -> int:
    value: Any = tracker.get_slot(name)
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return 0
