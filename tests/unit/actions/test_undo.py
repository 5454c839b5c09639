"""Undoing the cart change of the turn before, through the action as the action server runs it."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.undo import ActionUndoCartChange
from tests.unit.actions.test_actions import run, slots_set


def user(text: str, intent: str) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}, "entities": []}}


def cart_set(cart: Dict[str, int]) -> Dict[str, Any]:
    return {"event": "slot", "name": "cart", "value": cart}


def tracker_after(events: List[Dict[str, Any]], cart: Dict[str, int], language: str = "en") -> Tracker:
    """A tracker whose history is ``events``, then the customer's undo."""
    undo = user("that's not what I meant", "undo_cart_change")
    return Tracker(
        sender_id="customer-1",
        slots={"cart": cart, "language": language, "product": None, "quantity": None},
        latest_message=undo["parse_data"],
        events=[*events, undo],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def undo(events: List[Dict[str, Any]], cart: Dict[str, int]) -> tuple[List[str], Optional[Dict[str, int]]]:
    messages, events_out = run(ActionUndoCartChange(), tracker_after(events, cart))
    return [m["response"] for m in messages], slots_set(events_out).get("cart")


def test_an_addition_just_made_is_taken_back() -> None:
    history = [
        user("add a mini pump", "add_to_cart"),
        cart_set({"PMP-002": 1}),
        user("and two rear lights", "add_to_cart"),
        cart_set({"PMP-002": 1, "LGT-002": 2}),
    ]
    responses, cart = undo(history, {"PMP-002": 1, "LGT-002": 2})
    assert cart == {"PMP-002": 1}
    assert responses == ["utter_cart_change_undone", "utter_cart_contents"]


def test_the_first_change_of_a_conversation_goes_back_to_empty() -> None:
    responses, cart = undo([user("two locks", "add_to_cart"), cart_set({"LCK-002": 2})], {"LCK-002": 2})
    assert cart == {} and responses == ["utter_cart_change_undone", "utter_cart_empty"]


def test_a_removal_comes_back() -> None:
    history = [
        user("a frame bag", "add_to_cart"),
        cart_set({"BAG-003": 1}),
        user("take the frame bag out", "remove_from_cart"),
        cart_set({}),
    ]
    assert undo(history, {})[1] == {"BAG-003": 1}


def test_only_the_turn_right_before_counts() -> None:
    history = [user("a frame bag", "add_to_cart"), cart_set({"BAG-003": 1}), user("show me locks", "browse_catalog")]
    responses, cart = undo(history, {"BAG-003": 1})
    assert cart is None and responses == ["utter_nothing_to_undo", "utter_cart_contents"]


def test_a_payment_and_an_undo_are_not_undone() -> None:
    paid = [
        user("a frame bag", "add_to_cart"),
        cart_set({"BAG-003": 1}),
        user("/payment_update", "payment_update"),
        cart_set({}),
    ]
    assert undo(paid, {})[1] is None
    undone = [
        user("a frame bag", "add_to_cart"),
        cart_set({"BAG-003": 1}),
        user("not what i meant", "undo_cart_change"),
        cart_set({}),
    ]
    assert undo(undone, {})[1] is None  # a second "not what I meant" does not put the bag back
