"""The side doors, tried as an attacker would over real HTTP. Each attack must
change nothing it should not: the ledger, the cart, the messages, PayPal."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Dict, Optional
from urllib.parse import quote, urlsplit

import pytest
import requests
import urllib3

from harness.servers import PROJECT_ROOT
from harness.stack import MERCHANT_TOKEN, REST_TOKEN, VERIFY_TOKEN, Stack, wait_for
from sandbox.facebook import webhooks
from tests.integration.test_messenger_connector import deliver
from tests.integration.test_payments import (
    approve,
    captures_of,
    checkout,
    deliveries,
    ledger,
    receipts,
    sandbox,
    sandbox_stats,
    settle,
    texts,
)

pytestmark = pytest.mark.integration

TWO_MB = b"x" * (2 * 1024 * 1024)
SIGNATURE_HEADERS = {
    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-x",
    "PAYPAL-TRANSMISSION-ID": "1a2b3c",
    "PAYPAL-TRANSMISSION-SIG": "forged",
    "PAYPAL-TRANSMISSION-TIME": "2026-11-28T10:00:00Z",
    "Content-Type": "application/json",
}


def paid_order(stack: Stack, psid: str) -> str:
    """A cart checked out, approved and captured: the order id."""
    _, order_id = checkout(stack, psid)
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: receipts(stack, psid), 30)
    return order_id


def rest_post(
    stack: Stack, sender: str, text: str, token: Optional[str] = REST_TOKEN, **extra: object
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, **extra},
        headers=headers,
        timeout=60,
    )


def from_another_address(stack: Stack) -> urllib3.HTTPConnectionPool:
    """Requests from 127.0.0.2: another client for the per-client limits, so the flood
    does not spend the budget of the sandbox's own webhooks from 127.0.0.1."""
    url = urlsplit(stack.rasa_url)
    return urllib3.HTTPConnectionPool(
        url.hostname, url.port, source_address=("127.0.0.2", 0), maxsize=4, retries=False, timeout=30
    )


# --- the REST channel ---------------------------------------------------------------------------------------------


def test_the_rest_channel_refuses_posts_without_its_token(stack: Stack, psid: str) -> None:
    for token in (None, "wrong", "tökén"):
        assert rest_post(stack, psid, "hi", token=token).status_code == 401
    assert stack.user_events(psid) == []


def test_payment_intents_typed_through_rest_change_nothing(stack: Stack, psid: str) -> None:
    """Typed as text (even marked external, on the customer's own channel), payment events
    are refused: on an open order a forged cancel or reversal would otherwise close it and
    tell the customer so, a forged request would send its pay button; on a paid order a
    forged refund or approval would tell a refund or capture again."""
    _, open_order = checkout(stack, psid)
    paid = paid_order(stack, "paid" + psid)
    before = len(stack.messages(psid))
    forged = (
        f'/payment_cancelled{{"order_id": "{open_order}"}}',
        f'/payment_update{{"order_id": "{open_order}", "payment_event": "REVERSED"}}',
        f'/payment_update{{"order_id": "{open_order}", "payment_event": "DECLINED"}}',
        f'/payment_requested{{"order_id": "{open_order}"}}',
    )
    for text in forged:
        answer = rest_post(stack, psid, text, metadata={"is_external": True}, input_channel="facebook")
        assert answer.status_code == 200
        said = " ".join(m.get("text") or "" for m in answer.json()).lower()
        assert not any(word in said for word in ("cancelled", "not confirmed", "not completed", "pay securely")), said
    assert ledger(stack).order(open_order).status == "PAYER_ACTION_REQUIRED"
    for text in (
        f'/payment_update{{"order_id": "{paid}", "payment_event": "REFUNDED"}}',
        f'/payment_approved{{"order_id": "{paid}"}}',
    ):
        answer = rest_post(stack, "paid" + psid, text, metadata={"is_external": True}, input_channel="facebook")
        assert answer.status_code == 200 and not any("refund" in (m.get("text") or "").lower() for m in answer.json())
    record = ledger(stack).order(paid)
    assert record.status == "COMPLETED" and [h["status"] for h in record.status_history].count("COMPLETED") == 1
    assert len(stack.messages(psid)) == before and len(receipts(stack, "paid" + psid)) == 1
    assert captures_of(stack, paid) == 1
    assert {e.get("input_channel") for e in stack.user_events(psid)[-len(forged) :]} == {"rest"}


# --- cancel links -----------------------------------------------------------------------------------------------------


def test_a_cancel_link_opened_again_and_again_cancels_once_and_never_a_paid_order(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    cancel_url = f"{stack.rasa_url}/webhooks/paypal/cancel?token={order_id}"
    for _ in range(3):
        assert requests.get(cancel_url, timeout=10).status_code == 200
    assert wait_for(lambda: ledger(stack).order(order_id).status == "CANCELLED", 30)
    assert wait_for(lambda: len(stack.user_events(psid)) >= 5, 30)  # all three cancels ran
    assert len([t for t in texts(stack, psid) if "You cancelled the payment" in t]) == 1
    # The same cart checked out again is the same PayPal order, open again, and it is captured.
    deliver(stack, webhooks.text_event(psid, "checkout"))
    assert wait_for(lambda: ledger(stack).order(order_id).status != "CANCELLED", 30)
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: receipts(stack, psid), 30)
    assert captures_of(stack, order_id) == 1
    for _ in range(2):
        requests.get(cancel_url, timeout=10)
    assert ledger(stack).order(order_id).status == "COMPLETED"
    assert len([t for t in texts(stack, psid) if "You cancelled the payment" in t]) == 1


# --- request limits --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/facebook/webhook",
        "/webhooks/paypal/webhook",
        "/webhooks/paypal/payment-requests",
        "/webhooks/rest/webhook",
    ],
)
def test_a_body_over_one_megabyte_is_refused(stack: Stack, path: str) -> None:
    answer = requests.post(
        f"{stack.rasa_url}{path}", data=TWO_MB, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert answer.status_code == 413
    assert requests.get(f"{stack.rasa_url}/", timeout=10).status_code == 200


def test_a_flood_of_forged_paypal_webhooks_costs_a_bounded_number_of_verifications(stack: Stack) -> None:
    before = sandbox_stats(stack)["counters"].get("webhook_verifications", 0)
    pool = from_another_address(stack)
    statuses: Dict[int, int] = {}
    for number in range(60):
        event = {
            "id": f"WH-FLOOD-{number}",
            "event_type": "CHECKOUT.ORDER.APPROVED",
            "resource": {"id": "5O190127TN364715T"},
        }
        answer = pool.request("POST", "/webhooks/paypal/webhook", body=json.dumps(event), headers=SIGNATURE_HEADERS)
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    verifications = sandbox_stats(stack)["counters"].get("webhook_verifications", 0) - before
    assert set(statuses) <= {401, 429} and statuses.get(429, 0) >= 45, statuses
    assert verifications <= 10, verifications


def test_non_ascii_tokens_are_refused_not_errors(stack: Stack) -> None:
    verify = requests.get(
        f"{stack.rasa_url}/webhooks/facebook/webhook?hub.mode=subscribe&hub.verify_token={quote('tökén')}"
        "&hub.challenge=42",
        timeout=10,
    )
    assert verify.status_code == 403
    raw, headers = webhooks.signed(webhooks.delivery(webhooks.text_event("attacker", "hi")), "wrong")
    headers["X-Hub-Signature-256"] = "sha256=ö" + "0" * 63
    assert (
        requests.post(f"{stack.rasa_url}/webhooks/facebook/webhook", data=raw, headers=headers, timeout=10).status_code
        == 403
    )
    merchant = requests.post(
        f"{stack.rasa_url}/webhooks/paypal/payment-requests",
        json={},
        headers={"Authorization": "Bearer tökén"},
        timeout=10,
    )
    assert merchant.status_code == 401
    good = requests.get(
        f"{stack.rasa_url}/webhooks/facebook/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
        "&hub.challenge=42",
        timeout=10,
    )
    assert good.status_code == 200 and good.text == "42"


# --- merchant payment requests --------------------------------------------------------------------------------------


def test_a_reused_idempotency_key_gives_the_same_order_or_a_conflict(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "hi"))
    assert wait_for(lambda: stack.messages(psid))
    url = f"{stack.rasa_url}/webhooks/paypal/payment-requests"
    body = {"conversation_id": psid, "amount": "45.00", "currency": "EUR", "description": "Wheel truing"}
    headers = {"Authorization": f"Bearer {MERCHANT_TOKEN}", "Idempotency-Key": f"truing-{psid}"}
    assert requests.post(url, json={**body, "amount": "1e30"}, headers=headers, timeout=10).status_code == 400
    first = requests.post(url, json=body, headers=headers, timeout=30)
    again = requests.post(url, json=body, headers=headers, timeout=30)
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert first.json()["order_id"] == again.json()["order_id"]
    other = requests.post(url, json={**body, "amount": "4500.00"}, headers=headers, timeout=30)
    assert other.status_code == 409
    assert wait_for(lambda: any(t.startswith("Wheel truing: €45.00") for t in texts(stack, psid)), 30)
    before = len(stack.messages(psid))
    deliver(stack, webhooks.text_event(psid, "thanks"))  # its reply comes after the requests' turns
    assert wait_for(lambda: len(stack.messages(psid)) > before, 30)
    assert len([t for t in texts(stack, psid) if t.startswith("Wheel truing")]) == 1
    assert len([o for o in ledger(stack).orders(psid) if o.kind == "merchant_request"]) == 1


# --- one working pay button per cart ------------------------------------------------------------------------------------


def test_an_older_pay_link_approved_after_a_new_checkout_is_not_charged(stack: Stack, psid: str) -> None:
    _, old_order = checkout(stack, psid)
    deliver(stack, webhooks.text_event(psid, "add 1 beacon front light"))
    assert wait_for(lambda: len([t for t in texts(stack, psid) if "Added" in t]) >= 2, 30)
    deliver(stack, webhooks.text_event(psid, "checkout"))
    new_order = wait_for(
        lambda: next((o.order_id for o in ledger(stack).orders(psid) if o.order_id != old_order), None), 30
    )
    assert new_order and wait_for(lambda: ledger(stack).order(old_order).status == "SUPERSEDED", 10)
    requests.get(approve(stack, old_order), timeout=10)
    assert wait_for(lambda: any("earlier checkout" in t for t in texts(stack, psid)), 30)
    # the approval webhook, too, is handled and refused
    accepted = wait_for(lambda: [d for d in deliveries(stack, old_order) if 200 in d["attempts"]], 30)
    assert accepted and wait_for(
        lambda: all((ledger(stack).event_state(d["id"]) or {}).get("status") == "done" for d in accepted), 30
    )
    assert captures_of(stack, old_order) == 0 and ledger(stack).order(old_order).status == "VOIDED"
    requests.get(approve(stack, new_order), timeout=10)
    assert wait_for(lambda: receipts(stack, psid), 30)
    assert captures_of(stack, new_order) == 1
    assert len([t for t in texts(stack, psid) if "earlier checkout" in t]) == 1


# --- webhook retries ---------------------------------------------------------------------------------------------------------


def pending_capture(stack: Stack, psid: str) -> tuple:
    """An order whose capture PayPal left PENDING: its id and the capture id."""
    _, order_id = checkout(stack, psid)
    sandbox(stack, f"orders/{order_id}/pending-next-capture")
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: any("still processing" in t for t in texts(stack, psid)), 30)
    return order_id, wait_for(lambda: ledger(stack).order(order_id).capture_id)


def test_a_capture_event_whose_turn_failed_is_tried_again_until_the_receipt(stack: Stack, psid: str) -> None:
    order_id, capture_id = pending_capture(stack, psid)
    # Every call of the first attempt's order lookup fails (the client's own retries included).
    sandbox(stack, "faults", method="GET", path_prefix=f"/v2/checkout/orders/{order_id}", status=500, count=4)
    sandbox(stack, f"captures/{capture_id}/complete")
    assert wait_for(lambda: receipts(stack, psid), 60)
    assert ledger(stack).order(order_id).status == "COMPLETED" and len(receipts(stack, psid)) == 1


def test_an_event_that_never_has_its_effect_becomes_a_dead_letter_listed_by_make_orders(
    stack: Stack, psid: str, capsys
) -> None:
    from cli import orders as orders_cli

    order_id, capture_id = pending_capture(stack, psid)
    sandbox(stack, "faults", method="GET", path_prefix=f"/v2/checkout/orders/{order_id}", status=500, count=1000)
    try:
        sandbox(stack, f"captures/{capture_id}/complete")
        dead = wait_for(
            lambda: [e for e in ledger(stack).dead_events() if e["order_id"] == order_id], 100, interval=0.5
        )
        assert dead and dead[0]["event_type"] == "PAYMENT.CAPTURE.COMPLETED" and dead[0]["attempts"] == 8
    finally:
        sandbox(stack, "reset")
    assert orders_cli.main(["--database-url", ledger(stack).url]) == 0
    assert dead[0]["event_id"] in capsys.readouterr().out
    assert len([t for t in texts(stack, psid) if "still processing" in t]) == 1


# --- receipts at least once -------------------------------------------------------------------------------------------------


def test_a_receipt_the_send_api_refuses_is_delivered_later_once_with_one_thanks(stack: Stack, psid: str) -> None:
    _, order_id = checkout(stack, psid)
    # Facebook refuses the next message to this customer (the receipt) with a non-transient error.
    stack.graph("faults", psid=psid, status=400, code=100, count=1)
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: any(t.startswith("Thank you") for t in texts(stack, psid)), 30)
    assert wait_for(lambda: receipts(stack, psid), 30)
    assert wait_for(lambda: ledger(stack).order(order_id).receipt_sent_at, 10)
    settle(3)  # room for a wrongly repeated receipt or thanks to show up
    assert len(receipts(stack, psid)) == 1
    assert len([t for t in texts(stack, psid) if t.startswith("Thank you")]) == 1
    assert captures_of(stack, order_id) == 1


# --- refunds -------------------------------------------------------------------------------------------------------------------


def test_partial_and_double_refunds_are_kept_apart_and_told_with_their_amounts(stack: Stack, psid: str) -> None:
    order_id = paid_order(stack, psid)  # 2 Ember Rear Lights
    paid = ledger(stack).order(order_id).amount
    url = f"{stack.rasa_url}/webhooks/paypal/refunds"
    headers = {"Authorization": f"Bearer {MERCHANT_TOKEN}", "Idempotency-Key": f"refund-1-{psid}"}
    assert requests.post(url, json={"order_id": order_id, "amount": "5.00"}, timeout=10).status_code == 401
    first = requests.post(url, json={"order_id": order_id, "amount": "5.00"}, headers=headers, timeout=30)
    again = requests.post(url, json={"order_id": order_id, "amount": "5.00"}, headers=headers, timeout=30)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert first.json()["refund_id"] == again.json()["refund_id"]
    assert (
        requests.post(url, json={"order_id": order_id, "amount": "6.00"}, headers=headers, timeout=30).status_code
        == 409
    )
    assert wait_for(lambda: any("We refunded €5.00" in t for t in texts(stack, psid)), 30)
    assert wait_for(lambda: ledger(stack).order(order_id).status == "PARTIALLY_REFUNDED", 10)
    too_much = requests.post(
        url,
        json={"order_id": order_id, "amount": paid},
        timeout=30,
        headers={**headers, "Idempotency-Key": f"refund-2-{psid}"},
    )
    assert too_much.status_code == 422 and "REFUND_AMOUNT_EXCEEDED" in too_much.text
    rest = requests.post(
        url, json={"order_id": order_id}, timeout=30, headers={**headers, "Idempotency-Key": f"refund-3-{psid}"}
    )
    assert rest.status_code == 201 and rest.json()["amount"] == f"{Decimal(paid) - Decimal('5.00'):.2f}"
    assert wait_for(lambda: ledger(stack).order(order_id).status == "REFUNDED", 30)
    assert wait_for(lambda: len([t for t in texts(stack, psid) if "We refunded" in t]) == 2, 30)
    assert [r["amount"] for r in ledger(stack).refunds(order_id)] == ["5.00", rest.json()["amount"]]
    settle(2)
    assert len([t for t in texts(stack, psid) if "refunded" in t.lower()]) == 2


def test_a_price_change_between_two_checkouts_charges_the_new_price_only(stack: Stack, psid: str) -> None:
    original = (PROJECT_ROOT / "catalog" / "catalog.yml").read_text(encoding="utf-8")
    _, old_order = checkout(stack, psid)  # 2 Ember Rear Lights at 14.50, and 4.95 shipping
    assert ledger(stack).order(old_order).amount == "33.95"
    stack.set_catalog(original.replace("    price: 14.50\n", "    price: 16.00\n", 1))
    try:
        deliver(stack, webhooks.text_event(psid, "checkout"))
        new_order = wait_for(lambda: next((o for o in ledger(stack).orders(psid) if o.order_id != old_order), None), 30)
        assert new_order is not None and new_order.amount == "36.95"
        assert wait_for(lambda: ledger(stack).order(old_order).status == "SUPERSEDED", 10)
        requests.get(approve(stack, old_order), timeout=10)
        assert wait_for(lambda: any("earlier checkout" in t for t in texts(stack, psid)), 30)
        requests.get(approve(stack, new_order.order_id), timeout=10)
        assert wait_for(lambda: receipts(stack, psid), 30)
        assert captures_of(stack, old_order) == 0 and captures_of(stack, new_order.order_id) == 1
        assert receipts(stack, psid)[0]["summary"]["total_cost"] == 36.95
    finally:
        stack.set_catalog(original)


def test_the_merchant_commands_send_a_key_and_say_what_happened(stack: Stack, psid: str, monkeypatch, capsys) -> None:
    from cli import refund, request_payment

    deliver(stack, webhooks.text_event(psid, "hi"))
    assert wait_for(lambda: stack.messages(psid))
    monkeypatch.setenv("MERCHANT_API_TOKEN", MERCHANT_TOKEN)
    common = ["--rasa-url", stack.rasa_url, "--idempotency-key", f"cli-{psid}"]
    request = [
        "--conversation",
        psid,
        "--amount",
        "12.50",
        "--currency",
        "EUR",
        "--description",
        "Brake check",
        *common,
    ]
    assert request_payment.main(request) == 0 and request_payment.main(request) == 0  # the same key: the same order
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Sent: order ") and printed[0] == printed[1]
    order_id = printed[0].split()[2]
    assert refund.main(["--order", order_id, *common]) == 1  # not paid yet: 409
    assert "nothing to refund" in capsys.readouterr().err
    monkeypatch.delenv("MERCHANT_API_TOKEN")
    assert refund.main(["--order", order_id, *common]) == 1
    assert "set MERCHANT_API_TOKEN" in capsys.readouterr().err
