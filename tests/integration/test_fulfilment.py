"""Past "paid", over real HTTP against the running stack: shipping in the PayPal order,
an address outside the zone paid for, the tracking upload and the customer's message
(inside and outside the 24-hour window), and stock at its limit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, Optional

import pytest
import requests

from harness.stack import MERCHANT_TOKEN, Stack, wait_for
from sandbox.facebook import webhooks
from tests.integration.test_messenger_connector import deliver
from tests.integration.test_payments import checkout, ledger, receipts, texts, token
from tests.integration.test_platform_2026 import leave_the_window, templates_on_the_page, utility_sends  # noqa: F401

pytestmark = pytest.mark.integration

NUMBER = "3SKAAS1234567"


def paypal_order(stack: Stack, order_id: str) -> Dict[str, Any]:
    return requests.get(
        f"{stack.paypal_url}/v2/checkout/orders/{order_id}",
        headers={"Authorization": f"Bearer {token(stack)}"},
        timeout=5,
    ).json()


def pay(stack: Stack, order_id: str, ship_to: Optional[str] = None) -> requests.Response:
    """Pay Now on the sandbox's page (shipping to the buyer's address in ``ship_to``),
    then PayPal's redirect back to the shop."""
    form = {"token": order_id, **({"ship_to": ship_to} if ship_to else {})}
    answer = requests.post(f"{stack.paypal_url}/checkoutnow/approve", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    return requests.get(answer.headers["Location"], timeout=10)


def paid_order(stack: Stack, psid: str, text: str = "add 2 ember rear lights to my cart") -> str:
    _, order_id = checkout(stack, psid, text)
    pay(stack, order_id)
    assert wait_for(lambda: receipts(stack, psid), 30), texts(stack, psid)
    return order_id


def ship(stack: Stack, body: Dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/webhooks/paypal/shipments",
        json=body,
        headers={"Authorization": f"Bearer {MERCHANT_TOKEN}"},
        timeout=30,
    )


def test_the_paypal_order_carries_shipping_in_its_breakdown(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)  # 2 x 14.50, to the Netherlands
    unit = paypal_order(stack, order_id)["purchase_units"][0]
    breakdown = unit["amount"]["breakdown"]
    assert breakdown["item_total"]["value"] == "29.00" and breakdown["shipping"]["value"] == "4.95"
    assert Decimal(unit["amount"]["value"]) == Decimal("33.95") and unit["shipping"]["type"] == "SHIPPING"
    assert any("Shipping to the Netherlands with PostNL: €4.95" in t for t in texts(stack, psid))
    pay(stack, order_id)
    assert wait_for(lambda: receipts(stack, psid), 30)
    summary = receipts(stack, psid)[0]["summary"]
    assert summary["total_cost"] == 33.95
    shipment = ledger(stack).shipment(order_id)
    assert shipment.address["country_code"] == "NL" and shipment.recipient == "Sam Buyer"


def test_an_address_outside_the_zone_paid_for_is_never_charged(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    page = pay(stack, order_id, ship_to="DE")
    assert "Nothing charged" in page.text
    assert wait_for(lambda: any("where we don't ship" in t for t in texts(stack, psid)), 30), texts(stack, psid)
    assert paypal_order(stack, order_id)["status"] == "APPROVED"  # approved, never captured
    assert ledger(stack).order(order_id).status == "VOIDED" and receipts(stack, psid) == []


def test_shipping_reaches_paypal_and_the_customer_once(stack: Stack, psid: str) -> None:
    order_id = paid_order(stack, psid)
    unpaid_answer = ship(stack, {"order_id": "5O190127TN364715T", "carrier": "POSTNL", "tracking_number": NUMBER})
    assert unpaid_answer.status_code == 404
    bad = ship(stack, {"order_id": order_id, "carrier": "POSTNL", "tracking_number": "12345"})
    assert bad.status_code == 400 and "not a POSTNL tracking number" in bad.json()["error"]
    answer = ship(stack, {"order_id": order_id, "carrier": "POSTNL", "tracking_number": NUMBER})
    assert answer.status_code == 201, answer.text
    [tracker] = paypal_order(stack, order_id)["purchase_units"][0]["shipping"]["trackers"]
    assert tracker["tracking_number"] == NUMBER and tracker["carrier"] == "NLD_POSTNL"
    link = "https://jouw.postnl.nl/track-and-trace/3SKAAS1234567-NL-3511LK"

    def told() -> list:
        return [m for m in stack.messages(psid) if link in str(m)]

    assert wait_for(told, 30), texts(stack, psid)
    again = ship(stack, {"order_id": order_id, "carrier": "POSTNL", "tracking_number": NUMBER})
    assert again.status_code == 200 and again.json()["already"]
    other = ship(stack, {"order_id": order_id, "carrier": "POSTNL", "tracking_number": "3SKAAS7654321"})
    assert other.status_code == 409
    deliver(stack, webhooks.text_event(psid, "where is my order?"))
    assert wait_for(lambda: len(told()) == 2, 30), texts(stack, psid)  # the status names the link too
    assert any("on its way with PostNL" in t for t in texts(stack, psid))


def test_shipped_outside_the_window_is_the_order_shipped_template(
    stack: Stack,
    psid: str,
    templates_on_the_page: str,  # noqa: F811
) -> None:
    order_id = paid_order(stack, psid)
    leave_the_window(stack, psid)
    assert ship(stack, {"order_id": order_id, "carrier": "POSTNL", "tracking_number": NUMBER}).status_code == 201
    sent = wait_for(lambda: utility_sends(stack, psid), 30)
    template = sent[0]["message"]["template"]
    assert template["name"] == "kassa_order_shipped"
    assert "3SKAAS1234567" in str(template["components"])


def test_stock_at_its_limit(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "add 13 fold locks to my cart"))
    assert wait_for(lambda: any("at most 12 × Fold Lock" in t for t in texts(stack, psid)), 30), texts(stack, psid)
    order_id = paid_order(stack, psid, "add 12 fold locks to my cart")  # all there are
    other = psid + "b"
    deliver(stack, webhooks.text_event(other, "add a fold lock to my cart"))
    assert wait_for(lambda: any("Fold Lock is out of stock" in t for t in texts(stack, other)), 30), texts(stack, other)
    refund = requests.post(
        f"{stack.rasa_url}/webhooks/paypal/refunds",
        json={"order_id": order_id},
        headers={"Authorization": f"Bearer {MERCHANT_TOKEN}"},
        timeout=30,
    )
    assert refund.status_code == 201, refund.text
    assert wait_for(lambda: ledger(stack).order(order_id).status == "REFUNDED", 30)
    deliver(stack, webhooks.text_event(other, "then add one fold lock please"))
    assert wait_for(lambda: any("Fold Lock" in t and "Added" in t for t in texts(stack, other)), 30), texts(
        stack, other
    )


def test_shipped_typed_in_the_page_inbox(stack: Stack, psid: str) -> None:
    order_id = paid_order(stack, psid)
    deliver(stack, webhooks.text_event(psid, "i want to talk to a human"))
    assert wait_for(lambda: any(r["kind"] == "pass_thread_control" for r in stack.records(psid)), 30)
    inbox = f"{stack.graph_url}/_fake/inbox/send"
    requests.post(inbox, json={"psid": psid, "text": "#verzonden 12345"}, timeout=10)  # not a PostNL number
    requests.post(inbox, json={"psid": psid, "text": "#verzonden 3SKAAS1234567"}, timeout=10)

    def trackers() -> list:
        return paypal_order(stack, order_id)["purchase_units"][0].get("shipping", {}).get("trackers") or []

    found = wait_for(trackers, 30)
    assert [t["tracking_number"] for t in found] == [NUMBER]
    assert wait_for(lambda: ledger(stack).shipment(order_id).tracking_number == NUMBER, 10)
    assert wait_for(lambda: any("on its way with PostNL" in t for t in texts(stack, psid)), 30)
