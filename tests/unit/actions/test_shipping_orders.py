"""Shipping a paid order: the tracking number at PayPal (sandbox, over HTTP), the ledger,
the refusals, and the customer told once."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from actions.order_shipped import ActionTellOrderShipped
from sandbox.paypal import openapi
from shop import shipments
from shop.ledger import get_ledger
from shop.paypal.client import get_client
from shop.terms import get_terms
from tests.conftest import Sandbox
from tests.unit.actions.test_delivery_address import checkout, sandbox_order
from tests.unit.actions.test_money_guarantees import payment_event, responses, run
from tests.unit.actions.test_stock import pay

NUMBER = "3SKAAS1234567"


def ship(order_id: str, carrier: Any = "POSTNL", number: Any = NUMBER) -> shipments.Shipped:
    return shipments.ship(get_client(), get_ledger(), get_terms(), order_id, carrier, number)


def refused(order_id: str, carrier: Any = "POSTNL", number: Any = NUMBER) -> shipments.ShippingRefused:
    with pytest.raises(shipments.ShippingRefused) as error:
        ship(order_id, carrier, number)
    return error.value


def test_shipping_uploads_the_tracking_once_and_keeps_it(actions_env: Sandbox) -> None:
    order_id = pay(actions_env, "ship-1")
    done = ship(order_id, "postnl", "3skaas 1234567")
    assert done.newly and done.shipment.carrier == "POSTNL" and done.shipment.tracking_number == NUMBER
    [tracker] = sandbox_order(actions_env, order_id)["purchase_units"][0]["shipping"]["trackers"]
    assert tracker["tracking_number"] == NUMBER and tracker["carrier"] == "NLD_POSTNL"
    again = ship(order_id)
    assert not again.newly and again.answer()["already"]
    assert len(sandbox_order(actions_env, order_id)["purchase_units"][0]["shipping"]["trackers"]) == 1
    assert refused(order_id, number="3SKAAS7654321").status == 409  # shipped already, with another number


def test_what_cannot_be_shipped_is_refused_with_a_reason(actions_env: Sandbox) -> None:
    assert refused("NO-SUCH-ORDER").status == 404
    unpaid = checkout("ship-unpaid")["order"]["id"]
    assert refused(unpaid).status == 409
    paid = pay(actions_env, "ship-wrong")
    wrong = refused(paid, number="3232123456789012345678")
    assert wrong.status == 400 and "not a POSTNL tracking number" in str(wrong)
    assert refused(paid, carrier="DHL").status == 400
    assert not get_ledger().shipment(paid).shipped_at  # nothing marked


def test_a_pickup_order_is_made_ready_without_a_carrier(actions_env: Sandbox) -> None:
    order_id = pay_pickup(actions_env, "ship-pickup")
    assert refused(order_id).status == 400
    done = ship(order_id, None, None)
    assert done.newly and done.shipment.method == "PICKUP" and done.shipment.shipped_at


def pay_pickup(sandbox: Sandbox, sender: str) -> str:
    from actions.payment import ActionCapturePayment
    from tests.unit.actions.test_delivery_address import approve

    order_id = checkout(sender, delivery_choice="PICKUP")["order"]["id"]
    approve(sandbox, order_id)
    run(ActionCapturePayment(), payment_event("payment_approved", order_id, {"cart": {"LGT-002": 2}}, sender))
    return order_id


def told(order_id: str, sender: str) -> list:
    messages, _ = run(ActionTellOrderShipped(), payment_event("order_shipped", order_id, {}, sender))
    return messages


def test_the_customer_hears_once_with_the_tracking_link(actions_env: Sandbox) -> None:
    order_id = pay(actions_env, "ship-told")
    assert told(order_id, "ship-told") == []  # not shipped yet: nothing to tell
    ship(order_id)
    [message] = told(order_id, "ship-told")
    assert message["response"] == "utter_order_shipped" and message["carrier"] == "PostNL"
    # the postcode of the address PayPal gave (the sandbox buyer in Utrecht)
    assert message["tracking_url"] == "https://jouw.postnl.nl/track-and-trace/3SKAAS1234567-NL-3511LK"
    assert message["buttons"][0]["url"] == message["tracking_url"]
    assert told(order_id, "ship-told") == []  # once
    assert told(order_id, "someone-else") == []  # never in another conversation


def test_a_pickup_customer_hears_it_is_ready(actions_env: Sandbox) -> None:
    order_id = pay_pickup(actions_env, "ready-told")
    ship(order_id, None, None)
    assert responses(told(order_id, "ready-told")) == ["utter_order_ready_for_pickup"]


@pytest.mark.skipif(not openapi.available(), reason="PayPal's OpenAPI spec not found")
def test_the_tracking_upload_matches_paypals_schema() -> None:
    tracker: Dict[str, Any] = {
        "capture_id": "7TK53561YB803214S",
        "transaction_id": "7TK53561YB803214S",
        "status": "SHIPPED",
        "tracking_number": NUMBER,
        "carrier": "NLD_POSTNL",
        "notify_payer": False,
        "items": [{"name": "Ember Rear Light", "sku": "LGT-002", "quantity": "2"}],
    }
    assert openapi.schema_errors("order_tracker_request", tracker) == []
