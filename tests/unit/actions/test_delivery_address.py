"""Delivery or pickup at checkout, and PayPal's address checked against the zone paid
for before anything is captured. Against the PayPal sandbox over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

import requests
from rasa_sdk.executor import CollectingDispatcher

from actions.bank_payment import ActionStartBankPayment, ValidateBankPaymentForm
from actions.checkout import ActionCheckout
from actions.payment import ActionCapturePayment
from shop.ledger import get_ledger
from shop.paypal.client import get_client
from tests.conftest import Sandbox, make_tracker
from tests.unit.actions.test_money_guarantees import CART, DUTCH, UTRECHT, payment_event, responses, run


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
    offered = [b["payload"] for b in done["messages"][1]["quick_replies"]]
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
    assert [b["payload"] for b in messages[0]["quick_replies"]] == [
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


def test_a_bank_payment_ships_to_the_address_typed_in_the_chat(actions_env: Sandbox) -> None:
    sender = "bank-address"
    slots = {**DUTCH, "payment_method": "ideal"}
    messages, _ = run(ActionStartBankPayment(), make_tracker("iDEAL", "pay_with_bank", slots=slots, sender_id=sender))
    assert responses(messages) == ["utter_bank_payment_ready"] and messages[0]["total"] == "€ 33,95"
    order_id = get_ledger().cart_orders(sender, ("PAYER_ACTION_REQUIRED",))[0].order_id
    unit = sandbox_order(actions_env, order_id)["purchase_units"][0]
    assert unit["shipping"] == {"type": "SHIPPING", "name": {"full_name": "Sanne de Vries"}, "address": UTRECHT}
    shipment = get_ledger().shipment(order_id)
    assert shipment.address == UTRECHT and shipment.recipient == "Sanne de Vries"


def form_tracker(text: str, **slots: Any) -> Any:
    return make_tracker(text, "inform", slots={"cart": CART, "requested_slot": "delivery_address", **slots})


def test_a_typed_address_is_checked_against_the_zone() -> None:
    form, dispatcher = ValidateBankPaymentForm(), CollectingDispatcher()
    good = form.validate_delivery_address(
        "Veldstraat 8, 9000 Gent", dispatcher, form_tracker("", delivery_choice="BE"), {}
    )
    assert good == {
        "delivery_address": {
            **UTRECHT,
            "address_line_1": "Veldstraat 8",
            "admin_area_2": "Gent",
            "postal_code": "9000",
            "country_code": "BE",
        }
    }
    wrong = form.validate_delivery_address("Veldstraat 8, 9000 Gent", dispatcher, form_tracker("", language="nl"), {})
    assert wrong == {"delivery_address": None}  # a Belgian address for delivery in the Netherlands
    assert dispatcher.messages[0]["response"] == "utter_invalid_delivery_address"
    assert dispatcher.messages[0]["problem"].startswith("Ik vond daarin geen Nederlandse postcode")
    assert dispatcher.messages[0]["example"] == "Kerkstraat 12, 3511 LK Utrecht"


def test_pickup_needs_no_address_and_another_zone_asks_again() -> None:
    form, dispatcher = ValidateBankPaymentForm(), CollectingDispatcher()
    slots = ["account_holder", "delivery_address"]
    pickup = form_tracker("", delivery_choice="PICKUP")
    assert asyncio.run(form.required_slots(slots, dispatcher, pickup, {})) == ["account_holder"]
    assert asyncio.run(form.required_slots(slots, dispatcher, form_tracker(""), {})) == slots
    kept_for_nl = form_tracker("", delivery_choice="BE", delivery_address=UTRECHT)
    assert asyncio.run(form.extract_delivery_address(dispatcher, kept_for_nl, {})) == {"delivery_address": None}
    assert asyncio.run(form.extract_delivery_address(dispatcher, form_tracker("", delivery_address=UTRECHT), {})) == {}
