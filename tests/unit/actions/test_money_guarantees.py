"""The money guarantees at the actions, against the PayPal sandbox over HTTP: one cart
is never charged twice through a bank payment and a later checkout, a paid order
leaves the cart once even when its turn is lost, and a refund is counted and told
only when PayPal completed it."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

import pytest
import requests
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.bank_payment import ActionStartBankPayment
from actions.checkout import ActionCheckout
from actions.payment import ActionCapturePayment, ActionReportPaymentUpdate
from shop.ledger import get_ledger
from tests.conftest import Sandbox, make_tracker

CART = {"LGT-002": 2}  # 2 x 14.50 = 29.00
UTRECHT = {"address_line_1": "Kerkstraat 12", "admin_area_2": "Utrecht", "postal_code": "3511 LK", "country_code": "NL"}
DUTCH = {"cart": CART, "language": "nl", "account_holder": "Sanne de Vries", "delivery_address": UTRECHT}


def run(action: Action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def responses(messages: List[Dict[str, Any]]) -> List[Optional[str]]:
    return [m.get("response") for m in messages]


def payment_event(intent: str, order_id: str, slots: Dict[str, Any], sender: str, **entities: str) -> Tracker:
    """The turn the paypal channel starts: an external event, never typed text."""
    tracker = make_tracker(f"EXTERNAL: {intent}", intent, [], slots=slots, sender_id=sender)
    tracker.latest_message["metadata"] = {"is_external": True}
    tracker.latest_message["entities"] = [{"entity": "order_id", "value": order_id}] + [
        {"entity": name, "value": value} for name, value in entities.items()
    ]
    return tracker


def sandbox_post(sandbox: Sandbox, path: str) -> requests.Response:
    return requests.post(f"{sandbox.url}{path}", timeout=5)


def approve_at_bank(sandbox: Sandbox, order_id: str, hold: bool) -> None:
    if hold:
        sandbox_post(sandbox, f"/_sandbox/orders/{order_id}/bank-approval/hold").raise_for_status()
    answer = requests.post(
        f"{sandbox.url}/checkoutnow/approve", data={"token": order_id}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 303


def checkout_then_ideal(sender: str) -> Tuple[str, str]:
    """Order A (PayPal) at checkout, then order B (iDEAL) when the customer taps iDEAL."""
    _, slots = run(ActionCheckout(), make_tracker("afrekenen", "checkout", slots=DUTCH, sender_id=sender))
    first = slots["last_order"]["id"]
    tracker = make_tracker(
        "iDEAL",
        "choose_payment_method",
        [{"entity": "payment_method", "value": "ideal"}],
        slots=DUTCH,
        sender_id=sender,
    )
    _, slots = run(ActionStartBankPayment(), tracker)
    return first, slots["last_order"]["id"]


def test_a_bank_approval_blocks_a_new_checkout_until_the_bank_confirms(actions_env: Sandbox) -> None:
    sender = "bank-then-checkout"
    first, bank = checkout_then_ideal(sender)
    ledger = get_ledger()
    assert ledger.order(first).status == "SUPERSEDED"
    approve_at_bank(actions_env, bank, hold=True)  # the bank is slow
    messages, _ = run(ActionCapturePayment(), payment_event("payment_approved", bank, DUTCH, sender))
    assert ledger.order(bank).status == "APPROVED"  # recorded when it happened
    created = actions_env.counter("orders_created")
    messages, slots = run(ActionCheckout(), make_tracker("afrekenen", "checkout", slots=DUTCH, sender_id=sender))
    assert responses(messages) == ["utter_payment_in_progress"] and "last_order" not in slots
    assert actions_env.counter("orders_created") == created and actions_env.counter("create_replayed") == 0
    assert ledger.order(first).status == "SUPERSEDED" and ledger.order(bank).status == "APPROVED"
    sandbox_post(actions_env, f"/_sandbox/orders/{bank}/bank-approval/complete").raise_for_status()
    messages, slots = run(
        ActionReportPaymentUpdate(), payment_event("payment_update", bank, DUTCH, sender, payment_event="COMPLETED")
    )
    assert "utter_payment_received" in responses(messages) and slots["cart"] == {} and slots["applied_orders"] == [bank]
    assert ledger.order(bank).status == "COMPLETED" and ledger.order(first).status == "SUPERSEDED"


def test_an_approval_the_shop_has_not_heard_of_is_asked_of_paypal_before_a_new_checkout(actions_env: Sandbox) -> None:
    sender = "bank-not-heard"
    first, bank = checkout_then_ideal(sender)
    approve_at_bank(actions_env, bank, hold=True)  # the buyer never comes back to the return page
    assert get_ledger().order(bank).status == "PAYER_ACTION_REQUIRED"
    messages, slots = run(ActionCheckout(), make_tracker("checkout", "checkout", slots=DUTCH, sender_id=sender))
    assert responses(messages) == ["utter_payment_in_progress"] and "last_order" not in slots
    assert get_ledger().order(bank).status == "APPROVED" and get_ledger().order(first).status == "SUPERSEDED"


def test_a_replaced_bank_order_paid_anyway_is_refunded_at_once_and_told_once(actions_env: Sandbox) -> None:
    sender = "bank-replaced"
    _, bank = checkout_then_ideal(sender)
    messages, slots = run(ActionCheckout(), make_tracker("afrekenen", "checkout", slots=DUTCH, sender_id=sender))
    newest = slots["last_order"]["id"]
    ledger = get_ledger()
    assert ledger.order(bank).status == "SUPERSEDED" and ledger.order(newest).status == "PAYER_ACTION_REQUIRED"
    approve_at_bank(actions_env, bank, hold=False)  # an old bank link approved: PayPal completes it by itself
    completed = payment_event("payment_update", bank, DUTCH, sender, payment_event="COMPLETED")
    messages, slots = run(ActionReportPaymentUpdate(), completed)
    assert responses(messages) == ["utter_payment_replaced_refunded"] and slots == {}  # the cart stays
    assert messages[0]["buttons"][0]["url"] == ledger.order(newest).approval_url
    record = ledger.order(bank)
    assert record.status == "REFUNDED" and ledger.refunded_amount(bank) == Decimal("33.95")  # with shipping
    # the same event again, and the refund's own webhook: nothing more is told or paid back
    again, _ = run(ActionReportPaymentUpdate(), completed)
    refunded, _ = run(
        ActionReportPaymentUpdate(), payment_event("payment_update", bank, DUTCH, sender, payment_event="REFUNDED")
    )
    assert again == [] and refunded == [] and actions_env.counter("refunds") == 1
    # the approval's return, late: not captured again, not told again
    late, _ = run(ActionCapturePayment(), payment_event("payment_approved", bank, DUTCH, sender))
    assert late == [] and ledger.order(bank).status == "REFUNDED"


def test_a_paid_order_leaves_the_cart_on_the_retry_of_a_lost_turn(actions_env: Sandbox) -> None:
    sender = "lost-turn"
    _, slots = run(ActionCheckout(), make_tracker("checkout", "checkout", slots={"cart": CART}, sender_id=sender))
    order_id = slots["last_order"]["id"]
    requests.post(f"{actions_env.url}/checkoutnow/approve", data={"token": order_id}, allow_redirects=False, timeout=5)
    before_payment = {"cart": {**CART, "PMP-001": 1}, "last_order": slots["last_order"]}
    messages, first = run(ActionCapturePayment(), payment_event("payment_approved", order_id, before_payment, sender))
    assert "utter_payment_received" in responses(messages) and first["cart"] == {"PMP-001": 1}
    # Rasa never saved those slot events (a crash, a failed save): the retry sees the old tracker
    messages, retried = run(
        ActionReportPaymentUpdate(),
        payment_event("payment_update", order_id, before_payment, sender, payment_event="COMPLETED"),
    )
    assert "utter_payment_received" not in responses(messages)  # thanked once
    assert retried["cart"] == {"PMP-001": 1} and retried["applied_orders"] == [order_id] and retried["paid_orders"] == 1
    # once saved, a further retry changes nothing
    saved = {**before_payment, **retried}
    messages, again = run(
        ActionReportPaymentUpdate(), payment_event("payment_update", order_id, saved, sender, payment_event="COMPLETED")
    )
    assert again == {} and messages == []


def test_a_pending_refund_is_not_counted_until_paypal_completes_it(actions_env: Sandbox, tmp_path) -> None:
    ledger = get_ledger()
    ledger.record_order("O-PEND", "c1", [], "29.00", "EUR", "COMPLETED", None)
    assert ledger.record_refund("R1", "O-PEND", "29.00", "EUR", "PENDING")
    assert ledger.refunded_amount("O-PEND") == 0
    assert not ledger.record_refund("R1", "O-PEND", "29.00", "EUR", "PENDING")  # nothing new
    assert ledger.record_refund("R1", "O-PEND", "29.00", "EUR", "COMPLETED")  # the status moved on
    assert ledger.refunded_amount("O-PEND") == 29


@pytest.mark.parametrize("refunds", [1, 2])
def test_each_refund_is_told_once_and_the_order_follows(actions_env: Sandbox, refunds: int) -> None:
    sender = f"refunds-{refunds}"
    _, slots = run(ActionCheckout(), make_tracker("checkout", "checkout", slots={"cart": CART}, sender_id=sender))
    order_id = slots["last_order"]["id"]
    requests.post(f"{actions_env.url}/checkoutnow/approve", data={"token": order_id}, allow_redirects=False, timeout=5)
    run(ActionCapturePayment(), payment_event("payment_approved", order_id, {"cart": CART}, sender))
    capture_id = get_ledger().order(order_id).capture_id
    told: List[str] = []
    for number in range(refunds):
        # the cart's 29.00 and 4.95 shipping: 33.95 was paid
        amount = {"amount": "33.95"} if refunds == 1 else {"amount": "10.00" if number == 0 else "23.95"}
        requests.post(
            f"{actions_env.url}/_sandbox/captures/{capture_id}/refund", json=amount, timeout=5
        ).raise_for_status()
        for _ in range(2):  # PayPal may deliver the webhook twice
            messages, _ = run(
                ActionReportPaymentUpdate(),
                payment_event("payment_update", order_id, {}, sender, payment_event="REFUNDED"),
            )
            told += [str(m.get("response")) for m in messages]
    expected = (
        ["utter_payment_refunded"]
        if refunds == 1
        else ["utter_payment_partly_refunded", "utter_payment_partly_refunded"]
    )
    assert told == expected and get_ledger().order(order_id).status == "REFUNDED"
