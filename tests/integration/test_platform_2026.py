"""Messenger as it is in 2026, over real HTTP against the running stack: utility
templates outside the 24-hour window, conversation routing with the Page Inbox,
and ``#pay`` typed by a person in the Page Inbox."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any, Dict, List

import pytest
import requests

from harness.servers import PROJECT_ROOT
from harness.stack import APP_SECRET, PAGE_TOKEN, Stack, wait_for
from sandbox.facebook import webhooks
from tests.integration.test_messenger_connector import deliver
from tests.integration.test_payments import approve, checkout, ledger, receipts, texts

pytestmark = pytest.mark.integration

DAY_AND_AN_HOUR_AGO_MS = int((time.time() - 25 * 3600) * 1000)
CLI_SECONDS = 60


def utility_sends(stack: Stack, psid: str) -> List[Dict[str, Any]]:
    return [r for r in stack.records(psid) if r["kind"] == "message" and r["messaging_type"] == "UTILITY"]


def leave_the_window(stack: Stack, psid: str) -> None:
    """The customer's last message becomes 25 hours old: a sticker (no turn) stamped then,
    waited for in the connector's log, since it sends nothing that could be waited for."""
    event = webhooks.sticker_event(psid, timestamp_ms=DAY_AND_AN_HOUR_AGO_MS)
    assert deliver(stack, event).status_code == 200
    assert wait_for(lambda: f"Sticker {event['message']['mid']} from {psid}" in stack.rasa_log.read_text(), 10)


@pytest.fixture(scope="module")
def templates_on_the_page(stack: Stack) -> str:
    """`kassa messenger-templates` against the fake Graph API: created, reviewed, APPROVED."""
    env = {
        **os.environ,
        "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "FB_APP_SECRET": APP_SECRET,
        "FB_GRAPH_URL": stack.graph_url,
        "PUBLIC_URL": stack.rasa_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "cli.messenger_templates", "--wait", "20"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_SECONDS,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_templates_command_creates_every_template_in_both_languages(templates_on_the_page: str) -> None:
    rows = [line.split() for line in templates_on_the_page.splitlines() if line.startswith("kassa_")]
    assert (
        len(rows) == 14 and {row[1] for row in rows} == {"en_US", "nl_NL"} and {row[2] for row in rows} == {"APPROVED"}
    )


def test_a_late_receipt_goes_out_as_the_order_confirmed_template(
    stack: Stack, psid: str, templates_on_the_page: str
) -> None:
    _, order_id = checkout(stack, psid)
    leave_the_window(stack, psid)
    requests.get(approve(stack, order_id), timeout=10)
    sent = wait_for(lambda: utility_sends(stack, psid), 30)
    assert sent, texts(stack, psid)
    template = sent[0]["message"]["template"]
    assert template["name"] == "kassa_order_confirmed" and template["language"] == {"code": "en_US"}
    values = {p["parameter_name"]: p["text"] for p in template["components"][0]["parameters"]}
    assert values == {"order_id": order_id, "total": "€33.95"}  # 2 x 14.50 and shipping
    assert receipts(stack, psid) == []  # no RESPONSE outside the window, no retired tag
    assert all(r["tag"] is None for r in stack.records(psid) if r["kind"] == "message")
    assert wait_for(lambda: ledger(stack).order(order_id).receipt_sent_at, 10)
    assert stack.graph_stats()["counters"].get("rejected", 0) == 0


def test_a_late_pending_notice_and_its_completion_each_go_out_once(
    stack: Stack, psid: str, templates_on_the_page: str
) -> None:
    from tests.integration.test_payments import sandbox

    _, order_id = checkout(stack, psid)
    sandbox(stack, f"orders/{order_id}/pending-next-capture")
    leave_the_window(stack, psid)
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(
        lambda: [s for s in utility_sends(stack, psid) if s["message"]["template"]["name"] == "kassa_payment_pending"],
        30,
    )
    capture_id = wait_for(lambda: ledger(stack).order(order_id).capture_id)
    sandbox(stack, f"captures/{capture_id}/complete")
    assert wait_for(
        lambda: [s for s in utility_sends(stack, psid) if s["message"]["template"]["name"] == "kassa_order_confirmed"],
        30,
    )
    time.sleep(1.5)  # a second receipt would come from the retry loop (KASSA_RECEIPT_RETRY_SECONDS=1)
    assert [s["message"]["template"]["name"] for s in utility_sends(stack, psid)] == [
        "kassa_payment_pending",
        "kassa_order_confirmed",
    ]


def test_a_paused_template_sends_nothing_and_the_ledger_keeps_the_state(
    stack: Stack, psid: str, templates_on_the_page: str
) -> None:
    stack.graph("templates", name="kassa_order_confirmed", language="en_US", status="PAUSED")
    try:
        _, order_id = checkout(stack, psid)
        leave_the_window(stack, psid)
        requests.get(approve(stack, order_id), timeout=10)
        assert wait_for(
            lambda: (lambda r: r if r and r.status == "COMPLETED" else None)(ledger(stack).order(order_id)), 30
        )
        time.sleep(1.5)
        assert utility_sends(stack, psid) == [] and ledger(stack).order(order_id).receipt_sent_at is None
        assert stack.graph_stats()["counters"].get("rejected", 0) == 0
    finally:
        stack.graph("templates", name="kassa_order_confirmed", language="en_US", status="APPROVED")


def test_a_merchant_payment_request_outside_the_window_is_a_template_with_a_pay_page(
    stack: Stack, psid: str, templates_on_the_page: str
) -> None:
    from harness.stack import MERCHANT_TOKEN

    deliver(stack, webhooks.text_event(psid, "hi"))
    assert wait_for(lambda: stack.messages(psid), 30)
    leave_the_window(stack, psid)
    answer = requests.post(
        f"{stack.rasa_url}/webhooks/paypal/payment-requests",
        timeout=30,
        json={"conversation_id": psid, "amount": "45.00", "currency": "EUR", "description": "Wheel truing"},
        headers={"Authorization": f"Bearer {MERCHANT_TOKEN}"},
    )
    assert answer.status_code == 202, answer.text
    order_id = answer.json()["order_id"]
    sent = wait_for(lambda: utility_sends(stack, psid), 30)
    template = sent[0]["message"]["template"]
    assert template["name"] == "kassa_payment_request"
    assert template["components"][1]["parameters"][0]["text"] == order_id
    pay_page = requests.get(f"{stack.rasa_url}/webhooks/paypal/pay/{order_id}", allow_redirects=False, timeout=10)
    assert pay_page.status_code == 302 and pay_page.headers["Location"] == answer.json()["approval_url"]
    assert requests.get(f"{stack.rasa_url}/webhooks/paypal/pay/5O190127TN364715T", timeout=10).status_code == 404


def test_conversation_routing_standby_then_pay_typed_in_the_page_inbox(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "i want to talk to a human"))
    assert wait_for(lambda: any(r["kind"] == "pass_thread_control" for r in stack.records(psid)), 30)
    count = len(stack.messages(psid))
    # the Page Inbox owns the thread: the customer's messages reach the app in standby, unanswered
    requests.post(f"{stack.graph_url}/chat/send", json={"psid": psid, "text": "hallo, is daar iemand?"}, timeout=10)
    requests.post(
        f"{stack.graph_url}/_fake/inbox/send", json={"psid": psid, "text": "#pay 45,00,"}, timeout=10
    )  # malformed
    requests.post(
        f"{stack.graph_url}/_fake/inbox/send", json={"psid": psid, "text": "#pay 45,00 Wiel richten"}, timeout=10
    )
    pay = wait_for(
        lambda: [m for m in stack.messages(psid)[count:] if "attachment" in m and "Wiel richten" in str(m)], 30
    )
    assert pay, stack.messages(psid)
    button = pay[0]["attachment"]["payload"]["buttons"][0]
    assert button["type"] == "web_url" and "checkoutnow" in button["url"]
    order_id = button["url"].split("token=")[1]
    record = ledger(stack).order(order_id)
    assert record.kind == "merchant_request" and record.amount == "45.00" and record.description == "Wiel richten"
    requests.get(approve(stack, order_id), timeout=10)
    assert wait_for(lambda: receipts(stack, psid), 30)
    assert receipts(stack, psid)[0]["summary"]["total_cost"] == 45.0
    answered = [m for m in stack.messages(psid)[count:] if "hallo, is daar iemand" in str(m)]
    assert answered == []
    # the person marks it done: the thread comes back and the bot answers again
    requests.post(f"{stack.graph_url}/_fake/inbox/done", json={"psid": psid}, timeout=10)  # answered after Rasa's 200
    before = len(stack.messages(psid))
    deliver(stack, webhooks.text_event(psid, "dank je"))
    assert wait_for(lambda: len(stack.messages(psid)) > before, 30)
