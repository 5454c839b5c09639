"""One accessory suggested after something goes in the cart: "a Mini Pump goes well with
that: add it?". What fits is the catalog's ``goes_with``. At most once per conversation
(the slot ``suggested_product`` remembers it), never while a payment is open, and never
to a customer who has said no to anything."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.payment import applied_orders
from actions.tracker import SUGGESTED_SLOT, language
from shop import cart as cart_rules
from shop import money
from shop.catalog import Product
from shop.stock import current_catalog
from shop.suggestions import accessory_for

PAYMENT_LOOPS = frozenset({"bank_payment_form"})


def may_suggest(tracker: Tracker) -> bool:
    """Not twice, not in a payment flow, not after a "no"."""
    if tracker.get_slot(SUGGESTED_SLOT):
        return False
    if (tracker.active_loop or {}).get("name") in PAYMENT_LOOPS or payment_open(tracker):
        return False
    return not said_no(tracker)


def payment_open(tracker: Tracker) -> bool:
    """A pay button is out for an order (a cart's or a merchant's request) not paid yet."""
    order = tracker.get_slot("last_order")
    return isinstance(order, dict) and str(order.get("id")) not in applied_orders(tracker)


def said_no(tracker: Tracker) -> bool:
    return any(
        event.get("event") == "user" and ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "deny"
        for event in tracker.events
    )


def suggest_accessory(
    dispatcher: CollectingDispatcher, tracker: Tracker, added: Sequence[Product], cart: cart_rules.Cart
) -> List[Dict[Text, Any]]:
    """Offer the accessory that goes with what was just added, when one fits and it may."""
    if not added or not may_suggest(tracker):
        return []
    catalog, lang = current_catalog(), language(tracker)
    found = accessory_for(added, cart, catalog)
    if found is None:
        return []
    accessory, product = found
    dispatcher.utter_message(
        response="utter_suggest_accessory",
        suggested_name=accessory.name(lang),
        suggested_price=money.format_money(accessory.price, catalog.currency, lang),
        product_name=product.name(lang),
        quick_replies=replies.add_one_or_not(accessory, lang),
    )
    return [SlotSet(SUGGESTED_SLOT, accessory.sku)]
