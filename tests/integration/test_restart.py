"""Rasa killed and restarted on one machine (SQLite, no Redis): webhooks answered 200
before the crash still get their turn, once, and what the connector knew (the buttons
it sent) is still known. The intake and the state are in the SQL database."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from channels.messenger.inbound import intake_sql
from channels.messenger.state import customer as conversation_state
from channels.messenger.state import store as state
from harness.servers import PROJECT_ROOT
from harness.stack import Stack, start_stack, wait_for
from sandbox.facebook import webhooks
from tests.integration.test_messenger_connector import deliver

pytestmark = pytest.mark.integration


def state_database(stack: Stack) -> sa.engine.Engine:
    return sa.create_engine(stack.extra["rasa"][1]["KASSA_STATE_DATABASE_URL"])


def remembered(stack: Stack, psid: str, payload: str) -> bool:
    """Whether the state table on disk knows the payload as one the bot sent."""
    key = f"payload:{psid}:{conversation_state._digest(payload)}"
    with state_database(stack).connect() as connection:
        return (
            connection.execute(sa.select(state.state_table.c.key).where(state.state_table.c.key == key)).first()
            is not None
        )


def stored_events(stack: Stack) -> int:
    """Accepted events not yet acknowledged, in the SQL intake."""
    with state_database(stack).connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(intake_sql.intake_table)).scalar() or 0)


@pytest.fixture(scope="module")
def own_stack():
    """A stack of its own (it is killed), with a short intake lease so a restart takes over fast."""
    running = start_stack(
        PROJECT_ROOT / ".run" / "tests" / "restart", env={"KASSA_INTAKE_LEASE_SECONDS": "2"}, log_prefix="restart-"
    )
    yield running
    running.stop()


def test_accepted_events_and_sent_buttons_survive_a_kill_9(own_stack: Stack) -> None:
    stack = own_stack
    browsing = "rs" + uuid.uuid4().hex[:12]
    assert deliver(stack, webhooks.text_event(browsing, "what do you sell?")).status_code == 200
    replies = wait_for(lambda: [m for m in stack.messages(browsing) if m.get("quick_replies")], 60)
    assert replies, "the catalog answer with category quick replies never came"
    tapped = replies[0]["quick_replies"][0]
    # the connector's state is written behind (within FLUSH_SECONDS): what the crash is to keep must be on disk
    assert wait_for(lambda: remembered(stack, browsing, tapped["payload"]), 30)

    customers = ["rk" + uuid.uuid4().hex[:12] for _ in range(6)]
    answer = deliver(stack, *(webhooks.text_event(psid, "hi") for psid in customers))
    assert answer.status_code == 200  # stored: from here on, Facebook will not deliver them again
    stack.kill_service("rasa")
    stack.start_service("rasa")

    assert wait_for(lambda: all(stack.messages(psid) for psid in customers), 90)
    assert wait_for(lambda: stored_events(stack) == 0, 60)  # all acknowledged: no turn left to send a second reply
    assert [len(stack.messages(psid)) for psid in customers] == [1] * len(customers)
    assert [len(stack.user_events(psid)) for psid in customers] == [1] * len(customers)

    assert deliver(stack, webhooks.quick_reply_event(browsing, tapped["title"], tapped["payload"])).status_code == 200
    assert wait_for(lambda: len(stack.user_events(browsing)) == 2, 60)
    assert stack.user_events(browsing)[-1]["text"] == tapped["payload"]  # still known as a button the bot sent
