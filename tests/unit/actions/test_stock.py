"""Stock on hand: down when a payment is captured, back on a full refund, and never
sold twice: a capture waits for nothing it cannot send. Against the PayPal sandbox."""

from __future__ import annotations

import requests

from actions.payment import ActionCapturePayment, ActionReportPaymentUpdate
from shop import stock
from shop.ledger import SOLD, get_ledger
from tests.conftest import Sandbox
from tests.unit.actions.test_delivery_address import approve, checkout, sandbox_order
from tests.unit.actions.test_money_guarantees import CART, payment_event, responses, run

ON_HAND = 55  # LGT-002 in catalog/catalog.yml


def on_hand(sku: str = "LGT-002") -> int:
    stock.forget()
    return stock.current_catalog().products[sku].stock


def pay(sandbox: Sandbox, sender: str) -> str:
    order_id = checkout(sender)["order"]["id"]
    approve(sandbox, order_id)
    run(ActionCapturePayment(), payment_event("payment_approved", order_id, {"cart": CART}, sender))
    return order_id


def test_a_capture_takes_stock_and_a_full_refund_gives_it_back(actions_env: Sandbox) -> None:
    before = on_hand()
    order_id = pay(actions_env, "stock-paid")
    assert on_hand() == before - 2
    capture_id = get_ledger().order(order_id).capture_id
    requests.post(f"{actions_env.url}/_sandbox/captures/{capture_id}/refund", json={"amount": "10.00"}, timeout=5)
    refunded = payment_event("payment_update", order_id, {}, "stock-paid", payment_event="REFUNDED")
    run(ActionReportPaymentUpdate(), refunded)
    assert on_hand() == before - 2  # a partial refund: the lights stay sold
    requests.post(f"{actions_env.url}/_sandbox/captures/{capture_id}/refund", json={"amount": "23.95"}, timeout=5)
    run(ActionReportPaymentUpdate(), refunded)
    run(ActionReportPaymentUpdate(), refunded)  # the webhook twice: back once
    assert get_ledger().order(order_id).status == "REFUNDED" and on_hand() == before


def test_an_order_is_not_captured_when_others_bought_what_was_left(actions_env: Sandbox) -> None:
    sender = "stock-gone"
    order_id = checkout(sender)["order"]["id"]
    approve(actions_env, order_id)
    get_ledger().record_stock_move("other-customer", [{"sku": "LGT-002", "quantity": on_hand() - 1}], SOLD)
    messages, slots = run(ActionCapturePayment(), payment_event("payment_approved", order_id, {"cart": CART}, sender))
    assert responses(messages) == ["utter_sold_out_before_payment"] and slots == {}
    assert messages[0]["products"] == "Ember Rear Light (1 left)"
    assert sandbox_order(actions_env, order_id)["status"] == "APPROVED"  # never captured
    assert get_ledger().order(order_id).status == "VOIDED" and on_hand() == 1
