"""Delivery or pickup at checkout, and PayPal's address checked against the zone paid
for before anything is captured. Against the PayPal sandbox over HTTP."""

from __future__ import annotations

from typing import Any, Dict, Optional

import requests

from actions.checkout import ActionCheckout
from actions.payment import ActionCapturePayment
from shop.ledger import get_ledger
from shop.paypal.client import get_client
from tests.conftest import Sandbox, make_tracker
from tests.unit.actions.test_money_guarantees import CART, payment_event, responses, run


def checkout(sender: str, **slots: Any) -> Dict[str, Any]:
    messages, set_slots = run(
        ActionCheckout(), make_tracker("checkout", "checkout", slots={"cart": CART, **slots}, sender_id=sender)
    )
    return {"messages": messages, "order": set_slots.get("last_order")}


def approve(sandbox: Sandbox, order_id: str, ship_to: Optional[str] = None) -> None:
    form = {"token": order_id, **({"ship_to": ship_to} if ship_to else {})}
    answer = requests.post(f"{sandbox.url}/checkoutnow/approve", data=form, allow_redirects=False, timeout=5)
    assert answer.status_code == 303


def sandbox_order(sandbox: Sandbox, order_id: str) -> Dict[str, Any]:
    return get_client().get_order(order_id)


def test_pickup_asks_paypal_for_no_address_and_charges_no_shipping(actions_env: Sandbox) -> None:
    done = checkout("pickup-1", delivery_choice="PICKUP")
    summary = done["messages"][0]
    assert summary["total"] == "€29.00" and summary["shipping_line"].startswith("Pick up at Kassa Fietsen")
    assert done["order"]["amount"] == "29.00"
    shipment = get_ledger().shipment(done["order"]["id"])
    assert (shipment.method, shipment.country, shipment.shipping) == ("PICKUP", None, "0.00")
    offered = [b["payload"] for b in done["messages"][1]["buttons"]]
    assert offered == ['/checkout{"delivery_choice": "NL"}', '/checkout{"delivery_choice": "BE"}']


def test_an_address_in_the_zone_paid_for_is_kept_and_the_order_captured(actions_env: Sandbox) -> None:
    sender = "address-fits"
    order_id = checkout(sender, delivery_choice="BE")["order"]["id"]
    approve(actions_env, order_id, ship_to="BE")
    messages, _ = run(ActionCapturePayment(), payment_event("payment_approved", order_id, {"cart": CART}, sender))
    assert "utter_payment_received" in responses(messages)
    record, shipment = get_ledger().order(order_id), get_ledger().shipment(order_id)
    assert record.status == "COMPLETED" and record.amount == "35.95"  # 29.00 and 6.95 to Belgium
    assert shipment.recipient == "Sam Buyer" and shipment.address["country_code"] == "BE"
    assert shipment.address["postal_code"] == "9000"


def test_an_address_outside_the_zone_paid_for_is_never_captured(actions_env: Sandbox) -> None:
    sender = "address-elsewhere"
    order_id = checkout(sender)["order"]["id"]  # shipping to the Netherlands, 4.95
    approve(actions_env, order_id, ship_to="BE")
    approved = payment_event("payment_approved", order_id, {"cart": CART}, sender)
    messages, slots = run(ActionCapturePayment(), approved)
    assert responses(messages) == ["utter_address_other_zone"] and slots == {}  # the cart stays
    assert messages[0]["address_country"] == "Belgium" and messages[0]["paid_country"] == "the Netherlands"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/checkout{"delivery_choice": "BE"}',
        '/checkout{"delivery_choice": "PICKUP"}',
    ]
    assert get_ledger().order(order_id).status == "VOIDED"
    assert sandbox_order(actions_env, order_id)["status"] == "APPROVED"  # nothing captured
    # PayPal's webhook for the same approval: nothing more is told or captured
    again, _ = run(ActionCapturePayment(), approved)
    assert again == [] and sandbox_order(actions_env, order_id)["status"] == "APPROVED"


def test_a_new_checkout_never_captures_an_approved_order_shipping_elsewhere(actions_env: Sandbox) -> None:
    sender = "address-then-checkout"
    order_id = checkout(sender)["order"]["id"]
    approve(actions_env, order_id, ship_to="DE")
    done = checkout(sender)  # the approval's event not in yet: the checkout finds the approved order
    assert responses(done["messages"]) == ["utter_address_not_shipped"]
    assert sandbox_order(actions_env, order_id)["status"] == "APPROVED"
    assert get_ledger().order(order_id).status == "VOIDED"
