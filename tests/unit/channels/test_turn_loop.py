"""The turn loop: work handed over from another event loop runs in its thread, in order."""

from __future__ import annotations

import asyncio
import threading

import pytest

from channels.turn_loop import PerLoop, TurnLoop


async def _thread_name() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_work_runs_on_the_turn_thread_and_its_result_comes_back() -> None:
    turns = TurnLoop()
    assert asyncio.run(turns.run(_thread_name())) == "kassa-turns"


def test_an_error_in_the_turn_reaches_the_caller() -> None:
    async def fail() -> None:
        raise LookupError("no such conversation")

    with pytest.raises(LookupError, match="no such conversation"):
        asyncio.run(TurnLoop().run(fail()))


def test_callbacks_keep_the_order_they_were_handed_over_in() -> None:
    turns = TurnLoop()
    seen = []
    for number in range(200):
        turns.call_soon(seen.append, number)
    asyncio.run(turns.run(asyncio.sleep(0)))
    assert seen == list(range(200))


def test_switched_off_it_runs_work_where_it_is() -> None:
    turns = TurnLoop(enabled=False)
    assert asyncio.run(turns.run(_thread_name())) == threading.current_thread().name
    seen = []
    turns.call_soon(seen.append, 1)
    assert seen == [1]


def test_a_busy_turn_loop_does_not_hold_up_the_caller_loop() -> None:
    """The reason the loop exists: CPU work on it leaves the other loop responsive."""
    turns = TurnLoop()

    async def cpu_work() -> None:
        total = 0
        for number in range(3_000_000):
            total += number

    async def scenario() -> int:
        busy = asyncio.ensure_future(turns.run(cpu_work()))
        ticks = 0
        while not busy.done():
            await asyncio.sleep(0.001)
            ticks += 1
        return ticks

    assert asyncio.run(scenario()) > 5


def test_per_loop_resources_are_made_once_per_loop() -> None:
    made = []
    resources = PerLoop(lambda: made.append(object()) or made[-1])
    turns = TurnLoop()

    async def get_twice() -> tuple:
        return resources.get(), resources.get()

    here = asyncio.run(get_twice())
    there = asyncio.run(turns.run(get_twice()))
    assert here[0] is here[1] and there[0] is there[1]
    assert here[0] is not there[0] and len(made) == 2


def test_the_connector_stores_events_then_runs_them_on_the_turn_loop(tmp_path) -> None:
    """Accepted events are stored first, then run on the turn thread in order; a stop
    before they ran leaves them stored, and the next start runs them."""
    from channels.messenger.connector import MessengerInput
    from channels.messenger.inbound.intake_sql import SqlIntake
    from channels.messenger.outbound.send_api import SendApiConfig
    from channels.messenger.state.store import SqlStore
    from sandbox.facebook import webhooks

    unreachable_graph = SendApiConfig(
        page_access_token="token", app_secret="secret", graph_url="http://127.0.0.1:9", max_attempts=1
    )
    database = f"sqlite:///{tmp_path / 'intake.db'}"
    handled = []

    async def slow_turn(message) -> None:
        await asyncio.sleep(0.2)
        handled.append((message.text, threading.current_thread().name))

    def connector() -> MessengerInput:
        # a lease of one second: a stopped process's unfinished events wait that long for the next
        made = MessengerInput(
            "verify",
            unreachable_graph,
            SqlStore(database),
            turns=TurnLoop(),
            intake=SqlIntake(database, lease_seconds=1),
        )
        made.on_new_message = slow_turn
        return made

    body, headers = webhooks.signed(
        webhooks.delivery(webhooks.text_event("p1", "hello"), webhooks.text_event("p1", "show lights")), "secret"
    )

    async def accept_then_stop_at_once() -> int:
        first = connector()
        answer = await first.accept(body, headers["X-Hub-Signature-256"])
        await first.stop(0)
        return answer.status

    assert asyncio.run(accept_then_stop_at_once()) == 200
    assert len(handled) < 2  # at most the first had its turn before the stop

    async def restart() -> None:
        second = connector()
        second.turns.call_soon(second.consumer.start)
        for _ in range(100):
            if len(handled) >= 2 and await second.intake.pending() == 0:
                break
            await asyncio.sleep(0.1)
        await second.stop(5)

    asyncio.run(restart())
    assert [text for text, _ in handled] == ["hello", "show lights"]
    assert {thread for _, thread in handled} == {"kassa-turns"}
