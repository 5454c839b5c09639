"""iDEAL for a Dutch customer and Bancontact for a Belgian one, end to end over real
HTTP: Messenger in, the choice of method, the bank's approval in the PayPal sandbox,
the receipt naming the method; and a reversed approval that leaves the cart."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import pytest
import requests

from harness.stack import Stack, wait_for
from sandbox.facebook import webhooks
from tests.integration.test_messenger_connector import deliver
from tests.integration.test_payments import ledger, receipts, sandbox, texts

pytestmark = pytest.mark.integration

UTRECHT = "Kerkstraat 12, 3511 LK Utrecht"


def customer(stack: Stack, psid: str, locale: str, first_name: str = "", last_name: str = "") -> None:
    """What Facebook's User Profile API will tell the connector about this customer."""
    stack.graph("users", psid=psid, locale=locale, first_name=first_name, last_name=last_name)


def buttons(stack: Stack, psid: str) -> List[Dict[str, Any]]:
    return [
        b for m in stack.messages(psid) for b in ((m.get("attachment") or {}).get("payload") or {}).get("buttons") or []
    ]


def button_titled(stack: Stack, psid: str, title: str) -> Optional[Dict[str, Any]]:
    return next((b for b in reversed(buttons(stack, psid)) if b.get("title") == title), None)


def fill_cart_and_check_out(stack: Stack, psid: str) -> None:
    deliver(stack, webhooks.text_event(psid, "doe maar 2 ember achterlichten"))
    assert wait_for(lambda: stack.tracker(psid)["slots"]["cart"] == {"LGT-002": 2}, 30), texts(stack, psid)
    deliver(stack, webhooks.text_event(psid, "afrekenen"))
    assert wait_for(lambda: any(b["title"].startswith("Betaal €") for b in buttons(stack, psid)), 30), texts(
        stack, psid
    )


def tap(stack: Stack, psid: str, button: Dict[str, Any]) -> None:
    deliver(stack, webhooks.postback_event(psid, button["title"], button["payload"]))


def give_address(stack: Stack, psid: str, address: str) -> None:
    """PayPal collects no address for a bank method: the bot asks it in the chat."""
    assert wait_for(lambda: any("Naar welk adres in" in t for t in texts(stack, psid)), 30), texts(stack, psid)
    deliver(stack, webhooks.text_event(psid, address))


def bank_link(stack: Stack, psid: str, title: str) -> str:
    found = wait_for(lambda: button_titled(stack, psid, title), 30)
    assert found and found["type"] == "web_url", texts(stack, psid)
    return str(found["url"])


def start_ideal(stack: Stack, psid: str, first_name: str, last_name: str, seconds: float = 30) -> Tuple[str, str]:
    """A Dutch customer fills the cart, checks out and taps iDEAL: their bank link and its order id."""
    customer(stack, psid, "nl_NL", first_name, last_name)
    fill_cart_and_check_out(stack, psid)
    tap(stack, psid, wait_for(lambda: button_titled(stack, psid, "iDEAL | Wero"), seconds))
    give_address(stack, psid, UTRECHT)
    url = bank_link(stack, psid, "Naar iDEAL | Wero")
    return url, url.split("token=")[1]


def approve_at_bank(stack: Stack, url: str) -> str:
    """The buyer approves at the sandbox bank and is sent back to the shop: the order id."""
    order_id = url.split("token=")[1]
    answer = requests.post(
        f"{stack.paypal_url}/checkoutnow/approve", data={"token": order_id}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 303
    back = requests.get(answer.headers["Location"], headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.8"}, timeout=10)
    assert back.status_code == 200 and "Betaling ontvangen" in back.text and 'lang="nl"' in back.text
    return order_id


def test_a_dutch_customer_pays_with_ideal_under_their_messenger_name(stack: Stack, psid: str) -> None:
    customer(stack, psid, "nl_NL", "Sanne", "de Vries")
    fill_cart_and_check_out(stack, psid)
    assert button_titled(stack, psid, "Bancontact") is None
    tap(stack, psid, wait_for(lambda: button_titled(stack, psid, "iDEAL | Wero")))
    give_address(stack, psid, "Kerkstraat 12 Utrecht")  # no postcode: explained, asked again
    assert wait_for(lambda: any("geen Nederlandse postcode" in t for t in texts(stack, psid)), 30)
    deliver(stack, webhooks.text_event(psid, UTRECHT))
    order_id = approve_at_bank(stack, bank_link(stack, psid, "Naar iDEAL | Wero"))
    assert wait_for(lambda: receipts(stack, psid), 30), texts(stack, psid)
    [receipt] = receipts(stack, psid)
    assert (
        receipt["payment_method"] == "iDEAL | Wero"
        and receipt["recipient_name"] == "Sanne de Vries"
        and receipt["order_number"] == order_id
    )
    record = ledger(stack).order(order_id)
    assert record.status == "COMPLETED" and record.payer_name == "Sanne de Vries"
    shipment = ledger(stack).shipment(order_id)
    assert shipment.address["postal_code"] == "3511 LK" and shipment.recipient == "Sanne de Vries"
    assert wait_for(lambda: stack.tracker(psid)["slots"]["cart"] == {}, 30)  # saved at the end of the receipt's turn
    stats = requests.get(f"{stack.paypal_url}/_sandbox/stats", timeout=5).json()
    assert not any("ORDER_COMPLETION_IN_PROGRESS" in json.dumps(e) for e in stats.get("errors", []))


def test_a_belgian_customer_is_asked_the_account_name_once_and_pays_with_bancontact(stack: Stack, psid: str) -> None:
    customer(stack, psid, "nl_BE")  # Facebook gives no name
    fill_cart_and_check_out(stack, psid)
    assert button_titled(stack, psid, "iDEAL | Wero") is None
    tap(stack, psid, wait_for(lambda: button_titled(stack, psid, "Bancontact")))
    assert wait_for(lambda: any("naam op je bankrekening" in t for t in texts(stack, psid)), 30), texts(stack, psid)
    deliver(stack, webhooks.text_event(psid, "4"))  # not a name: asked again, nothing made
    assert wait_for(lambda: any("zoals je bank die kent" in t for t in texts(stack, psid)), 30), texts(stack, psid)
    deliver(stack, webhooks.text_event(psid, "Lea Peeters"))
    give_address(stack, psid, "Veldstraat 8, 9000 Gent")
    order_id = approve_at_bank(stack, bank_link(stack, psid, "Naar Bancontact"))
    assert wait_for(lambda: receipts(stack, psid), 30), texts(stack, psid)
    assert (
        receipts(stack, psid)[0]["payment_method"] == "Bancontact"
        and receipts(stack, psid)[0]["recipient_name"] == "Lea Peeters"
    )
    assert ledger(stack).order(order_id).status == "COMPLETED"


def test_a_reversed_ideal_approval_leaves_the_order_unpaid_and_the_cart_intact(stack: Stack, psid: str) -> None:
    url, order_id = start_ideal(stack, psid, "Sanne", "de Vries")
    sandbox(stack, f"orders/{order_id}/bank-approval/hold")
    approve_at_bank(stack, url)
    assert wait_for(lambda: any("bevestig" in t.lower() for t in texts(stack, psid)), 30), texts(
        stack, psid
    )  # "we bevestigen je betaling"
    sandbox(stack, f"orders/{order_id}/bank-approval/reverse")
    assert wait_for(lambda: any("niet op tijd door de bank bevestigd" in t for t in texts(stack, psid)), 30), texts(
        stack, psid
    )
    assert ledger(stack).order(order_id).status == "REVERSED"
    assert receipts(stack, psid) == [] and stack.tracker(psid)["slots"]["cart"] == {"LGT-002": 2}
    # trying again makes new orders: the reversed one is never shown again
    before = len(buttons(stack, psid))
    deliver(stack, webhooks.text_event(psid, "afrekenen"))
    assert wait_for(lambda: len(buttons(stack, psid)) > before, 30)
    tap(stack, psid, wait_for(lambda: button_titled(stack, psid, "iDEAL | Wero")))  # the address is kept
    assert wait_for(lambda: bank_link(stack, psid, "Naar iDEAL | Wero") != url, 30)


def test_a_slow_bank_and_a_new_checkout_charge_one_cart_once(stack: Stack, psid: str) -> None:
    """The customer checks out, pays with iDEAL, the bank is slow, and the customer types
    "afrekenen" again: no second order is offered, and the bank's payment is the one."""
    url, bank_order = start_ideal(stack, psid, "Sanne", "de Vries")
    sandbox(stack, f"orders/{bank_order}/bank-approval/hold")
    approve_at_bank(stack, url)
    assert wait_for(lambda: ledger(stack).order(bank_order).status == "APPROVED", 30), texts(stack, psid)
    pay_buttons = len(buttons(stack, psid))
    deliver(stack, webhooks.text_event(psid, "afrekenen"))
    assert wait_for(lambda: any("al onderweg" in t for t in texts(stack, psid)), 30), texts(stack, psid)
    assert len(buttons(stack, psid)) == pay_buttons  # no new pay button
    sandbox(stack, f"orders/{bank_order}/bank-approval/complete")
    assert wait_for(lambda: receipts(stack, psid), 30), texts(stack, psid)
    assert wait_for(lambda: stack.tracker(psid)["slots"]["cart"] == {}, 30)
    mine = [r for r in ledger(stack).orders(psid) if r.status in ("COMPLETED", "APPROVED", "PENDING")]
    assert [r.order_id for r in mine] == [bank_order] and len(receipts(stack, psid)) == 1
