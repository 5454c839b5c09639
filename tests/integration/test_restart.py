"""Rasa killed and restarted on one machine (SQLite, no Redis): webhooks answered 200
before the crash still get their turn, once, and what the connector knew (the buttons
it sent) is still known. The intake and the state are in the SQL database."""
from __future__ import annotations

import uuid

import pytest

from sandbox.messenger import webhooks
from scripts.servers import PROJECT_ROOT
from scripts.stack import Stack, start_stack, wait_for
from tests.integration.test_messenger_connector import deliver

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_stack():
    """A stack of its own (it is killed), with a short intake lease so a restart takes over fast."""
    running = start_stack(PROJECT_ROOT / ".run" / "tests" / "restart", env={"KASSA_INTAKE_LEASE_SECONDS": "2"}, log_prefix="restart-")
    yield running
    running.stop()


def test_accepted_events_and_sent_buttons_survive_a_kill_9(own_stack: Stack) -> None:
    stack = own_stack
    browsing = "rs" + uuid.uuid4().hex[:12]
    assert deliver(stack, webhooks.text_event(browsing, "what do you sell?")).status_code == 200
    replies = wait_for(lambda: [m for m in stack.messages(browsing) if m.get("quick_replies")], 60)
    assert replies, "the catalog answer with category quick replies never came"
    tapped = replies[0]["quick_replies"][0]

    customers = ["rk" + uuid.uuid4().hex[:12] for _ in range(6)]
    answer = deliver(stack, *(webhooks.text_event(psid, "hi") for psid in customers))
    assert answer.status_code == 200  # stored: from here on, Facebook will not deliver them again
    stack.kill_service("rasa")
    stack.start_service("rasa")

    assert wait_for(lambda: all(stack.messages(psid) for psid in customers), 90)
    wait_for(lambda: False, 3)  # time for a second reply to show, if there were one
    assert [len(stack.messages(psid)) for psid in customers] == [1] * len(customers)
    assert [len(stack.user_events(psid)) for psid in customers] == [1] * len(customers)

    assert deliver(stack, webhooks.quick_reply_event(browsing, tapped["title"], tapped["payload"])).status_code == 200
    assert wait_for(lambda: len(stack.user_events(browsing)) == 2, 60)
    assert stack.user_events(browsing)[-1]["text"] == tapped["payload"]  # still known as a button the bot sent
