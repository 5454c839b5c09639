"""The one reminder of a cart left without a checkout: the ledger's schedule, the rules
that keep it to one and inside Messenger's window, and the action that sends it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker

from actions.reminders import ActionRemindCart
from shop import ledger as ledger_module
from shop.ledger import Ledger
from shop.reminders import MESSAGING_WINDOW_SECONDS, CartState, refusal
from tests.unit.actions.test_actions import run, slots_set

HOUR = 3600.0
QUIET = 3 * HOUR


# --- the ledger's schedule -----------------------------------------------------------


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'orders.db'}")


def test_a_quiet_conversation_falls_due_once_and_one_sender_claims_it(ledger: Ledger) -> None:
    ledger.customer_wrote("c1", 1000.0, 1000.0 + QUIET)
    assert ledger.reminders_due(1000.0 + QUIET - 1, MESSAGING_WINDOW_SECONDS) == []
    assert ledger.reminders_due(1000.0 + QUIET, MESSAGING_WINDOW_SECONDS) == [("c1", 1000.0)]
    assert ledger.claim_reminder("c1", 1000.0)
    assert not ledger.claim_reminder("c1", 1000.0)  # a second server finds it taken
    assert ledger.reminders_due(1000.0 + QUIET, MESSAGING_WINDOW_SECONDS) == []


def test_a_new_message_moves_the_due_time_and_a_claim_on_the_old_one_fails(ledger: Ledger) -> None:
    ledger.customer_wrote("c1", 1000.0, 1000.0 + QUIET)
    ledger.customer_wrote("c1", 2000.0, 2000.0 + QUIET)
    assert not ledger.claim_reminder("c1", 1000.0)
    assert ledger.reminders_due(1000.0 + QUIET, MESSAGING_WINDOW_SECONDS) == []
    assert ledger.claim_reminder("c1", 2000.0)


def test_after_a_reminder_was_sent_nothing_falls_due_again(ledger: Ledger) -> None:
    ledger.customer_wrote("c1", 1000.0, 1000.0 + QUIET)
    assert ledger.claim_reminder("c1", 1000.0)
    ledger.reminder_sent("c1")
    ledger.customer_wrote("c1", 9000.0, 9000.0 + QUIET)
    assert ledger.reminder_state("c1") == "sent"
    assert ledger.reminders_due(9000.0 + QUIET, MESSAGING_WINDOW_SECONDS) == []


def test_a_conversation_whose_window_closed_is_not_due(ledger: Ledger) -> None:
    ledger.customer_wrote("c1", 1000.0, 1000.0 + QUIET)
    assert ledger.reminders_due(1000.0 + MESSAGING_WINDOW_SECONDS + 1, MESSAGING_WINDOW_SECONDS) == []


# --- the rules ------------------------------------------------------------------------


def state(**changes: Any) -> CartState:
    values: Dict[str, Any] = dict(
        reminded=False, cart_empty=False, has_paid=False, payment_open=False, said_no=False, last_customer_message=0.0
    )
    values.update(changes)
    return CartState(**values)


@pytest.mark.parametrize(
    "changes, now, expected",
    [
        ({}, QUIET, None),
        ({}, QUIET - 1, "the customer wrote since"),
        ({}, MESSAGING_WINDOW_SECONDS, "outside Messenger's 24-hour window"),
        ({"reminded": True}, QUIET, "this conversation had its reminder"),
        ({"cart_empty": True}, QUIET, "the cart is empty"),
        ({"has_paid": True}, QUIET, "the customer has paid"),
        ({"payment_open": True}, QUIET, "a checkout is open"),
        ({"said_no": True}, QUIET, "the customer said no"),
        ({"last_customer_message": None}, QUIET, "the customer never wrote"),
    ],
)
def test_a_reminder_goes_out_only_when_every_rule_allows(
    changes: Dict[str, Any], now: float, expected: Optional[str]
) -> None:
    assert refusal(state(**changes), now, QUIET) == expected


def test_reminders_set_to_zero_hours_are_off() -> None:
    assert refusal(state(), QUIET, 0) == "reminders are off"


# --- the action -----------------------------------------------------------------------


@pytest.fixture
def action_ledger(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Ledger]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'orders.db'}")
    monkeypatch.setenv("KASSA_CART_REMINDER_HOURS", "3")
    ledger_module.reset_ledger()
    yield ledger_module.get_ledger()
    ledger_module.reset_ledger()


def user(text: str, intent: str, at: float, external: bool = False) -> Dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "metadata": {"is_external": True} if external else {},
        "parse_data": {"text": text, "intent": {"name": intent}, "entities": []},
    }


def reminder_turn(
    history: List[Dict[str, Any]], slots: Dict[str, Any], text: str = "EXTERNAL: cart_reminder"
) -> Tracker:
    event = user(text, "cart_reminder", time.time(), external=text.startswith("EXTERNAL:"))
    all_slots = {"cart": {}, "language": "en", "paid_orders": 0, "last_order": None, **slots}
    return Tracker(
        sender_id="customer-1",
        slots=all_slots,
        latest_message={**event["parse_data"], "metadata": event["metadata"]},
        events=[*history, event],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def quiet_history(hours: float, *extra: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [user("two floor pumps please", "add_to_cart", time.time() - hours * HOUR), *extra]


def test_a_cart_left_for_three_hours_is_reminded_once(action_ledger: Ledger) -> None:
    messages, events = run(ActionRemindCart(), reminder_turn(quiet_history(3.1), {"cart": {"PMP-001": 2}}))
    assert [m["response"] for m in messages] == ["utter_cart_reminder"]
    assert "2 × Floor Pump" in messages[0]["cart_lines"] and messages[0]["total"] == "€79.90"
    assert "cart_reminder_sent" in slots_set(events)
    assert action_ledger.reminder_state("customer-1") == "sent"


@pytest.mark.parametrize(
    "history, slots",
    [
        (quiet_history(3.1), {"cart": {}}),  # emptied
        (quiet_history(3.1), {"cart": {"PMP-001": 2}, "cart_reminder_sent": 1.0}),  # had its reminder
        (quiet_history(3.1), {"cart": {"PMP-001": 2}, "paid_orders": 1}),  # has paid
        (quiet_history(3.1, user("no thanks", "deny", time.time() - 3.1 * HOUR)), {"cart": {"PMP-001": 2}}),
        (quiet_history(2.0), {"cart": {"PMP-001": 2}}),  # wrote two hours ago: not quiet long enough
        (quiet_history(23.95), {"cart": {"PMP-001": 2}}),  # the window closes in minutes
    ],
)
def test_no_reminder_when_a_rule_forbids_it(
    action_ledger: Ledger, history: List[Dict[str, Any]], slots: Dict[str, Any]
) -> None:
    messages, events = run(ActionRemindCart(), reminder_turn(history, slots))
    assert messages == [] and events == []


def test_a_typed_reminder_intent_is_refused(action_ledger: Ledger) -> None:
    messages, events = run(
        ActionRemindCart(), reminder_turn(quiet_history(3.1), {"cart": {"PMP-001": 2}}, text="/cart_reminder")
    )
    assert messages == [] and events == []


def test_the_reminder_event_itself_does_not_count_as_the_customer_writing(action_ledger: Ledger) -> None:
    earlier_event = user("EXTERNAL: payment_update", "payment_update", time.time() - 60, external=True)
    messages, _ = run(ActionRemindCart(), reminder_turn(quiet_history(3.1, earlier_event), {"cart": {"PMP-001": 2}}))
    assert [m["response"] for m in messages] == ["utter_cart_reminder"]
