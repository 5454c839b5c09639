"""One accessory suggested after an add: what fits, and when the bot keeps quiet."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.cart import ActionAddToCart, ActionAnswerSuggestion
from actions.suggestions import may_suggest
from shop.catalog import get_catalog
from shop.suggestions import accessory_for
from tests.conftest import entity, make_tracker
from tests.unit.actions.test_actions import run, slots_set


def user(text: str, intent: str) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}, "entities": []}}


def slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def tracker_with(
    history: List[Dict[str, Any]], text: str, intent: str, slots: Optional[Dict[str, Any]] = None, **more: Any
) -> Tracker:
    """A tracker whose history is ``history``, then this message."""
    tracker = make_tracker(text, intent, slots=slots, **more)
    tracker.events = [*history, *tracker.events]
    return tracker


def add_pouch(history: List[Dict[str, Any]] = (), slots: Optional[Dict[str, Any]] = None, **more: Any):  # type: ignore[assignment]
    text = "a saddle pouch please"
    tracker = tracker_with(list(history), text, "add_to_cart", {"product": "BAG-002", **(slots or {})}, **more)
    tracker.latest_message["entities"] = [entity("product", "saddle pouch", text)]
    return run(ActionAddToCart(), tracker)


def responses(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["response"] for m in messages]


def test_the_first_accessory_in_stock_and_not_in_the_cart_is_chosen() -> None:
    catalog = get_catalog()
    pouch, pump = catalog.product("BAG-002"), catalog.product("PMP-002")
    assert accessory_for([pouch], {}, catalog) == (pump, pouch)
    # the mini pump is in the cart already: the next one the catalog names
    assert accessory_for([pouch], {"PMP-002": 1}, catalog) == (catalog.product("PMP-003"), pouch)
    assert accessory_for([pouch], {"PMP-002": 1, "PMP-003": 1}, catalog) is None


def test_an_add_brings_one_suggestion_with_an_add_and_a_no_button() -> None:
    messages, events = add_pouch()
    assert responses(messages) == ["utter_added_to_cart", "utter_suggest_accessory"]
    payloads = [reply["payload"] for reply in messages[1]["quick_replies"]]
    assert payloads == ['/add_to_cart{"product": "PMP-002", "quantity": "1"}', "/deny"]
    assert slots_set(events)["suggested_product"] == "PMP-002"
    assert slots_set(events)["cart"] == {"BAG-002": 1}


def test_never_a_second_suggestion() -> None:
    messages, events = add_pouch(slots={"suggested_product": "LCK-002"})
    assert responses(messages) == ["utter_added_to_cart"]
    assert "suggested_product" not in slots_set(events)


def test_never_after_a_no() -> None:
    messages, _ = add_pouch(history=[user("no thanks", "deny")])
    assert responses(messages) == ["utter_added_to_cart"]


def test_never_while_a_pay_button_is_out() -> None:
    order = {"id": "ORDER-1", "amount": "15.00", "currency": "EUR", "approval_url": "https://pay"}
    messages, _ = add_pouch(slots={"last_order": order})
    assert responses(messages) == ["utter_added_to_cart"]
    # once that order is paid, the payment flow is over
    messages, _ = add_pouch(slots={"last_order": order, "applied_orders": ["ORDER-1"]})
    assert responses(messages) == ["utter_added_to_cart", "utter_suggest_accessory"]


def test_never_while_the_bank_payment_form_asks() -> None:
    assert not may_suggest(make_tracker("yes", "affirm", active_loop="bank_payment_form"))
    assert may_suggest(make_tracker("yes", "affirm"))


def test_a_typed_yes_right_after_the_suggestion_adds_it() -> None:
    history = [
        user("a saddle pouch please", "add_to_cart"),
        slot("cart", {"BAG-002": 1}),
        slot("suggested_product", "PMP-002"),
    ]
    tracker = tracker_with(history, "yes go on", "affirm", {"cart": {"BAG-002": 1}, "suggested_product": "PMP-002"})
    messages, events = run(ActionAnswerSuggestion(), tracker)
    assert responses(messages) == ["utter_added_to_cart"]
    assert slots_set(events)["cart"] == {"BAG-002": 1, "PMP-002": 1}


def test_a_yes_later_changes_nothing() -> None:
    history = [
        user("a saddle pouch please", "add_to_cart"),
        slot("suggested_product", "PMP-002"),
        user("and a rear light", "add_to_cart"),
        slot("cart", {"BAG-002": 1, "LGT-002": 1}),
    ]
    tracker = tracker_with(
        history, "yes", "affirm", {"cart": {"BAG-002": 1, "LGT-002": 1}, "suggested_product": "PMP-002"}
    )
    messages, events = run(ActionAnswerSuggestion(), tracker)
    assert responses(messages) == ["utter_anything_else"]
    assert "cart" not in slots_set(events)
