"""A cart left without a checkout gets one reminder, over the Messenger door: the Rasa
server finds the quiet conversation in the ledger and hands it the reminder event, the
action decides. A stack of its own, with a quiet time of seconds instead of hours."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import requests

from harness.servers import PROJECT_ROOT
from harness.stack import Stack, start_stack, wait_for
from shop.ledger import Ledger
from tests.conversations.runner import Customer, reply_text

pytestmark = pytest.mark.integration

QUIET_SECONDS = 8
REMINDER_TEXTS = {"en": "Your cart is still here", "nl": "Je winkelwagen staat nog klaar"}
# the quiet time, several checks and a turn on a busy machine
REMINDER_WAIT_SECONDS = QUIET_SECONDS + 40


@pytest.fixture(scope="module")
def own_stack() -> Iterator[Stack]:
    running = start_stack(
        PROJECT_ROOT / ".run" / "tests" / "reminders",
        env={
            "KASSA_CART_REMINDER_HOURS": str(QUIET_SECONDS / 3600),
            "KASSA_CART_REMINDER_CHECK_SECONDS": "0.5",
        },
        log_prefix="reminders-",
    )
    yield running
    running.stop()


def ledger_of(stack: Stack) -> Ledger:
    return Ledger(stack.extra["rasa"][1]["DATABASE_URL"])


def customer(stack: Stack) -> Customer:
    return Customer(stack, "rm" + uuid.uuid4().hex[:12])


def reminders_sent(stack: Stack, psid: str) -> int:
    return sum(
        any(reminder in reply_text([record]) for reminder in REMINDER_TEXTS.values()) for record in stack.records(psid)
    )


@pytest.mark.parametrize(
    "language, order, line, check_out",
    [
        ("en", "two floor pumps please", "2 × Floor Pump", "Check out"),
        ("nl", "doe mij twee staande pompen", "2 × Staande pomp", "Afrekenen"),
    ],
)
def test_a_cart_left_quiet_is_reminded_once_with_its_checkout_button(
    own_stack: Stack, language: str, order: str, line: str, check_out: str
) -> None:
    shopper = customer(own_stack)
    locale = {"en": "en_GB", "nl": "nl_NL"}[language]
    requests.post(f"{own_stack.graph_url}/_fake/users", json={"psid": shopper.psid, "locale": locale}, timeout=5)
    shopper.say(order)
    assert wait_for(lambda: reminders_sent(own_stack, shopper.psid), REMINDER_WAIT_SECONDS), "no reminder came"
    text = reply_text(own_stack.records(shopper.psid))
    assert line in text.split(REMINDER_TEXTS[language], 1)[1]
    # never twice: the ledger keeps no reminder due for this conversation, whatever comes next
    ledger = ledger_of(own_stack)
    assert ledger.reminder_state(shopper.psid) == "sent"
    shopper.user_turns += 1  # the reminder event was a turn of the conversation
    shopper.finish_turn()
    shopper.tap(check_out, None)
    assert Customer.pay_link(shopper.history), "the reminder's Check out button gave no pay button"
    assert reminders_sent(own_stack, shopper.psid) == 1


def test_no_reminder_after_a_no(own_stack: Stack) -> None:
    shopper = customer(own_stack)
    shopper.say("two floor pumps please")
    shopper.tap("No thanks", None)  # to the suggestion
    # the server hands the quiet conversation its event, and the action keeps quiet
    ran = wait_for(
        lambda: any(
            e.get("event") == "action" and e.get("name") == "action_remind_cart"
            for e in own_stack.tracker(shopper.psid).get("events", [])
        ),
        REMINDER_WAIT_SECONDS,
    )
    assert ran, "the reminder event never reached the conversation"
    assert reminders_sent(own_stack, shopper.psid) == 0


@pytest.mark.parametrize("leave", ["empty the cart", "pay"])
def test_no_reminder_for_an_emptied_or_paid_cart(own_stack: Stack, leave: str) -> None:
    shopper = customer(own_stack)
    shopper.say("two floor pumps please")
    if leave == "pay":
        shopper.say("I'd like to check out now")
        shopper.pay()
    else:
        shopper.say("please empty my cart")
    assert own_stack.tracker(shopper.psid)["slots"]["cart"] == {}
    ledger = ledger_of(own_stack)
    # the quiet spell was looked at (claimed) and found no cart: no event, no reminder
    assert wait_for(lambda: ledger.reminder_state(shopper.psid) == "claimed", REMINDER_WAIT_SECONDS)
    assert reminders_sent(own_stack, shopper.psid) == 0
    assert not any(e.get("name") == "action_remind_cart" for e in own_stack.tracker(shopper.psid)["events"])
