"""From "paid" on PayPal to a receipt in the chat, over real HTTP: the sandbox,
Rasa with both channels, the action server and the fake Graph API."""

from __future__ import annotations

import concurrent.futures
import json
import time
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from harness.stack import MERCHANT_TOKEN, Stack, wait_for
from sandbox.facebook import webhooks
from shop.ledger import Ledger
from tests.conftest import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.integration.test_messenger_connector import deliver

pytestmark = pytest.mark.integration


# --- helpers ---------------------------------------------------------------------------------


def ledger(stack: Stack) -> Ledger:
    url = stack.extra["rasa"][1]["DATABASE_URL"]
    return Ledger(url)


def sandbox(stack: Stack, path: str, **body: Any) -> Dict[str, Any]:
    return requests.post(f"{stack.paypal_url}/_sandbox/{path}", json=body, timeout=5).json()


def sandbox_stats(stack: Stack) -> Dict[str, Any]:
    return requests.get(f"{stack.paypal_url}/_sandbox/stats", timeout=5).json()


def deliveries(stack: Stack, order_id: str) -> List[Dict[str, Any]]:
    log = requests.get(f"{stack.paypal_url}/_sandbox/webhooks", timeout=5).json()["deliveries"]
    return [d for d in log if d["resource_id"] == order_id or d.get("order_id") == order_id]


def templates(stack: Stack, psid: str, kind: str) -> List[Dict[str, Any]]:
    return [
        m["attachment"]["payload"]
        for m in stack.messages(psid)
        if m.get("attachment", {}).get("type") == "template" and m["attachment"]["payload"]["template_type"] == kind
    ]


def texts(stack: Stack, psid: str) -> List[str]:
    result = []
    for message in stack.messages(psid):
        payload = message.get("attachment", {}).get("payload", {})
        result.append(message.get("text") or payload.get("text") or "")
    return result


def checkout(stack: Stack, psid: str, text: str = "add 2 ember rear lights to my cart") -> Tuple[str, str]:
    """Fill the cart and check out in Messenger; the approval URL and the order id."""
    deliver(stack, webhooks.text_event(psid, text))
    assert wait_for(lambda: any("Added" in t for t in texts(stack, psid)), 30), texts(stack, psid)
    deliver(stack, webhooks.text_event(psid, "checkout"))

    def pay_button() -> Optional[str]:
        for payload in templates(stack, psid, "button"):
            for button in payload["buttons"]:
                if button["type"] == "web_url" and "checkoutnow" in button["url"]:
                    return button["url"]
        return None

    url = wait_for(pay_button, 30)
    assert url, texts(stack, psid)
    return url, parse_qs(urlsplit(url).query)["token"][0]


def approve(stack: Stack, order_id: str) -> str:
    """Click Pay Now: the sandbox redirects the buyer to the return URL, which is returned."""
    answer = requests.post(
        f"{stack.paypal_url}/checkoutnow/approve", data={"token": order_id}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 303
    return answer.headers["Location"]


def receipts(stack: Stack, psid: str) -> List[Dict[str, Any]]:
    return templates(stack, psid, "receipt")


def captures_of(stack: Stack, order_id: str) -> int:
    order = requests.get(
        f"{stack.paypal_url}/v2/checkout/orders/{order_id}",
        headers={"Authorization": f"Bearer {token(stack)}"},
        timeout=5,
    ).json()
    return len(((order.get("purchase_units") or [{}])[0].get("payments") or {}).get("captures") or [])


def token(stack: Stack) -> str:
    return requests.post(
        f"{stack.paypal_url}/v1/oauth2/token",
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        data={"grant_type": "client_credentials"},
        timeout=5,
    ).json()["access_token"]


def settle(seconds: float = 2.0) -> None:
    time.sleep(seconds)


@pytest.fixture(autouse=True)
def webhooks_flowing(stack: Stack):
    sandbox(stack, "webhooks", paused=False)
    yield
    sandbox(stack, "webhooks", paused=False)


# --- the whole path ----------------------------------------------------------------------------------


def test_checkout_approve_return_capture_receipt_ledger(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    return_url = approve(stack, order_id)
    page = requests.get(return_url, timeout=10)
    assert page.status_code == 200 and "Payment received" in page.text and "m.me/100000000000001" in page.text
    assert wait_for(lambda: receipts(stack, psid), 30)
    [receipt] = receipts(stack, psid)
    assert receipt["order_number"] == order_id and receipt["recipient_name"] == "Sam Buyer"
    assert receipt["payment_method"] == "PayPal" and receipt["currency"] == "EUR"
    assert receipt["summary"] == {"subtotal": 29.0, "shipping_cost": 4.95, "total_cost": 33.95}
    assert receipt["elements"][0]["title"] == "Ember Rear Light" and receipt["elements"][0]["quantity"] == 2
    assert any(t.startswith("Thank you, Sam Buyer!") for t in texts(stack, psid))
    record = wait_for(lambda: (lambda r: r if r and r.status == "COMPLETED" else None)(ledger(stack).order(order_id)))
    assert record.capture_id and record.payer_email == "sam.buyer@example.com" and record.receipt_sent_at
    assert [h["status"] for h in record.status_history][-1] == "COMPLETED"
    assert captures_of(stack, order_id) == 1
    # the receipt goes out during the turn, the tracker is saved at its end
    assert wait_for(
        lambda: (lambda slots: slots["cart"] == {} and slots["paid_orders"] == 1.0)(stack.tracker(psid)["slots"]), 30
    )
    deliver(stack, webhooks.text_event(psid, "did my payment go through?"))
    assert wait_for(lambda: any("went through" in t for t in texts(stack, psid)), 30)


def test_replays_give_one_capture_and_one_receipt(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    return_url = approve(stack, order_id)  # the sandbox also sends CHECKOUT.ORDER.APPROVED now
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(requests.get, return_url, timeout=10) for _ in range(3)]
        approved = next(d for d in deliveries(stack, order_id) if d["event_type"] == "CHECKOUT.ORDER.APPROVED")
        futures += [pool.submit(sandbox, stack, "webhooks", resend=approved["id"]) for _ in range(2)]
        [f.result() for f in futures]
    assert wait_for(lambda: receipts(stack, psid), 30)
    settle(3)
    assert len(receipts(stack, psid)) == 1
    assert captures_of(stack, order_id) == 1
    assert len([t for t in texts(stack, psid) if t.startswith("Thank you")]) == 1


# --- forgery -------------------------------------------------------------------------------------------


def test_typing_the_payment_intent_captures_nothing(stack: Stack, psid: str) -> None:
    sandbox(stack, "webhooks", paused=True)
    _, order_id = checkout(stack, psid)
    approve(stack, order_id)
    deliver(stack, webhooks.text_event(psid, f'/payment_approved{{"order_id": "{order_id}"}}'))
    wait_for(lambda: len(stack.user_events(psid)) >= 3)
    settle()
    assert captures_of(stack, order_id) == 0 and receipts(stack, psid) == []
    assert ledger(stack).order(order_id).status != "COMPLETED"


def test_another_conversations_order_is_not_captured(stack: Stack, psid: str) -> None:
    sandbox(stack, "webhooks", paused=True)
    _, order_id = checkout(stack, psid)
    approve(stack, order_id)
    intruder = psid + "x"
    answer = requests.post(
        f"{stack.rasa_url}/conversations/{intruder}/trigger_intent",
        params={"output_channel": "facebook"},
        json={"name": "payment_approved", "entities": {"order_id": order_id}},
        timeout=30,
    )
    assert answer.status_code == 200
    settle()
    assert captures_of(stack, order_id) == 0
    assert receipts(stack, intruder) == [] and receipts(stack, psid) == []
    actions_log = next(s for s in stack.servers if s.log_path.stem == "actions").log_path.read_text()
    assert f"SECURITY: payment event for order '{order_id}' refused in conversation {intruder}" in actions_log


def test_a_webhook_with_a_bad_signature_changes_nothing(stack: Stack, psid: str) -> None:
    sandbox(stack, "webhooks", paused=True)
    _, order_id = checkout(stack, psid)
    approve(stack, order_id)
    event = {"id": "WH-FORGED-1", "event_type": "CHECKOUT.ORDER.APPROVED", "resource": {"id": order_id}}
    headers = {
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "PAYPAL-CERT-URL": "https://example.test/cert",
        "PAYPAL-TRANSMISSION-ID": "1a2b",
        "PAYPAL-TRANSMISSION-SIG": "forged",
        "PAYPAL-TRANSMISSION-TIME": "2026-11-27T10:00:00Z",
        "Content-Type": "application/json",
    }
    answer = requests.post(
        f"{stack.rasa_url}/webhooks/paypal/webhook", data=json.dumps(event), headers=headers, timeout=10
    )
    assert answer.status_code == 401
    no_headers = requests.post(f"{stack.rasa_url}/webhooks/paypal/webhook", data=json.dumps(event), timeout=10)
    assert no_headers.status_code == 401
    settle()
    assert captures_of(stack, order_id) == 0 and receipts(stack, psid) == []


def test_an_order_whose_amount_differs_is_not_captured(stack: Stack, psid: str) -> None:
    sandbox(stack, "webhooks", paused=True)
    deliver(stack, webhooks.text_event(psid, "hi"))
    wait_for(lambda: stack.messages(psid))
    from decimal import Decimal

    from shop.paypal import orders as paypal_orders
    from shop.paypal.client import PayPalClient, PayPalConfig

    client = PayPalClient(
        PayPalConfig(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, base_url=stack.paypal_url, public_url=stack.rasa_url)
    )
    context = paypal_orders.experience_context(stack.rasa_url, "Kassa", "en", "NO_SHIPPING")
    order = client.create_order(
        paypal_orders.payment_request(Decimal("1.00"), "EUR", "Ember Rear Light", psid, context), "forged-" + psid
    )
    ledger(stack).record_order(
        order["id"],
        psid,
        [{"sku": "LGT-002", "name": "Ember Rear Light", "quantity": 2, "unit_amount": "14.50"}],
        "29.00",
        "EUR",
        order["status"],
        paypal_orders.approval_link(order),
    )
    requests.get(approve(stack, order["id"]), timeout=10)
    settle(3)
    assert captures_of(stack, order["id"]) == 0 and receipts(stack, psid) == []
    actions_log = next(s for s in stack.servers if s.log_path.stem == "actions").log_path.read_text()
    assert f"SECURITY: PayPal order {order['id']} not captured" in actions_log


# --- the other outcomes -------------------------------------------------------------------------------


def test_cancel_keeps_the_cart_and_offers_to_try_again(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    cancel = requests.post(
        f"{stack.paypal_url}/checkoutnow/cancel", data={"token": order_id}, allow_redirects=False, timeout=5
    )
    page = requests.get(cancel.headers["Location"], timeout=10)
    assert "Payment cancelled" in page.text
    assert wait_for(lambda: any("You cancelled the payment" in t for t in texts(stack, psid)), 30)
    assert stack.tracker(psid)["slots"]["cart"] == {"LGT-002": 2}
    assert ledger(stack).order(order_id).status == "CANCELLED"


def test_pending_then_completed_by_webhook(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    sandbox(stack, f"orders/{order_id}/pending-next-capture")
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: any("still processing" in t for t in texts(stack, psid)), 30)
    assert receipts(stack, psid) == []
    capture_id = wait_for(lambda: ledger(stack).order(order_id).capture_id)
    sandbox(stack, f"captures/{capture_id}/complete")
    assert wait_for(lambda: receipts(stack, psid), 30)
    assert ledger(stack).order(order_id).status == "COMPLETED"


def test_a_declined_instrument_sends_the_buyer_back_to_paypal(stack: Stack, psid: str) -> None:
    url, order_id = checkout(stack, psid)
    sandbox(stack, f"orders/{order_id}/decline-next-capture")
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: any("declined" in t for t in texts(stack, psid)), 30)
    retry = [b for p in templates(stack, psid, "button") if "declined" in p["text"] for b in p["buttons"]]
    assert retry and retry[0]["url"] == url
    assert retry[0]["title"].startswith("Pay €") and len(retry[0]["title"]) <= 20
    assert receipts(stack, psid) == []


def test_a_refund_is_told_to_the_customer(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: receipts(stack, psid), 30)
    capture_id = ledger(stack).order(order_id).capture_id
    sandbox(stack, f"captures/{capture_id}/refund")
    assert wait_for(lambda: any("has been refunded" in t for t in texts(stack, psid)), 30)
    assert ledger(stack).order(order_id).status == "REFUNDED"


# --- faults ---------------------------------------------------------------------------------------------


def test_capture_500_and_timeout_are_retried_into_one_capture(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    sandbox(stack, "faults", path_prefix=f"/v2/checkout/orders/{order_id}/capture", status=500, count=1)
    sandbox(stack, "faults", path_prefix=f"/v2/checkout/orders/{order_id}/capture", timeout=True, count=1)
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: receipts(stack, psid), 60)
    settle()
    assert captures_of(stack, order_id) == 1 and len(receipts(stack, psid)) == 1


def test_action_server_down_at_return_is_made_good_by_the_webhook(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    sandbox(stack, "webhooks", paused=True)
    stack.stop_service("actions")
    try:
        requests.get(approve(stack, order_id), timeout=10)
        settle()
        assert receipts(stack, psid) == [] and captures_of(stack, order_id) == 0
    finally:
        stack.start_service("actions")
    sandbox(stack, "webhooks", paused=False)
    assert wait_for(lambda: receipts(stack, psid), 60)
    assert captures_of(stack, order_id) == 1


def test_a_rasa_restart_loses_nothing(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    stack.stop_service("rasa")
    try:
        approve(stack, order_id)  # the webhook finds Rasa down; the sandbox delivers it again later
        settle(1)
    finally:
        stack.start_service("rasa")
    assert wait_for(lambda: receipts(stack, psid), 90)
    assert captures_of(stack, order_id) == 1
    # the receipt goes out during the turn, the tracker is saved at its end
    assert wait_for(lambda: stack.tracker(psid)["slots"]["paid_orders"] == 1.0, 30)


# --- merchant payment requests ---------------------------------------------------------------------------


def test_a_merchant_payment_request_is_paid_like_a_cart(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "hi"))
    wait_for(lambda: stack.messages(psid))
    url = f"{stack.rasa_url}/webhooks/paypal/payment-requests"
    body = {"conversation_id": psid, "amount": "45.00", "currency": "EUR", "description": "Wheel truing and new spokes"}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, json=body, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    auth = {"Authorization": f"Bearer {MERCHANT_TOKEN}"}
    assert requests.post(url, json={**body, "amount": "-3"}, headers=auth, timeout=10).status_code == 400
    assert (
        requests.post(url, json={**body, "conversation_id": "nobody-here"}, headers=auth, timeout=10).status_code == 404
    )
    answer = requests.post(url, json=body, headers=auth, timeout=30)
    assert answer.status_code == 202, answer.text
    order_id = answer.json()["order_id"]
    assert wait_for(lambda: any(t.startswith("Wheel truing and new spokes: €45.00") for t in texts(stack, psid)), 30)
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: receipts(stack, psid), 30)
    assert receipts(stack, psid)[0]["summary"]["total_cost"] == 45.0
    assert ledger(stack).order(order_id).kind == "merchant_request"


def test_a_payment_request_whose_button_facebook_refused_is_delivered_later_and_once(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "hi"))
    assert wait_for(lambda: stack.messages(psid), 30)
    stack.graph("faults", psid=psid, status=500, code=2, count=4)  # every attempt of the first send fails
    url = f"{stack.rasa_url}/webhooks/paypal/payment-requests"
    body = {"conversation_id": psid, "amount": "12.50", "currency": "EUR", "description": "Brake pads fitted"}
    auth = {"Authorization": f"Bearer {MERCHANT_TOKEN}", "Idempotency-Key": f"pads-{psid}"}
    answer = requests.post(url, json=body, headers=auth, timeout=30)
    assert answer.status_code == 202, answer.text
    order_id = answer.json()["order_id"]

    def buttons_sent() -> int:
        return sum(t.startswith("Brake pads fitted: €12.50") for t in texts(stack, psid))

    assert wait_for(lambda: ledger(stack).notice_claimed(order_id, "pay button delivered"), 60)
    assert buttons_sent() == 1
    # the merchant sends the same request again: the same order, and no second button
    again = requests.post(url, json=body, headers=auth, timeout=30)
    assert again.status_code == 202 and again.json()["order_id"] == order_id
    before = len(stack.messages(psid))
    deliver(stack, webhooks.text_event(psid, "thanks"))  # a later turn: the resend's turn ran before it
    assert wait_for(lambda: len(stack.messages(psid)) > before, 30)
    assert buttons_sent() == 1
