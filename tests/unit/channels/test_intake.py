"""The durable intake: events stored before the answer run once, in order per customer,
and survive the consumer that took them (real Redis, real SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from channels.messenger.inbound.events import Event, from_stored, parse, to_stored
from channels.messenger.inbound.intake import IntakeConsumer, StoredEvent
from channels.messenger.inbound.intake_redis import RedisIntake, shard_of
from channels.messenger.inbound.intake_sql import SqlIntake
from harness.servers import RedisServer
from sandbox.facebook import webhooks


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    redis_server = RedisServer(tmp_path)
    yield redis_server.url
    redis_server.stop()


def events(*pairs: Tuple[str, str]) -> List[Event]:
    return parse(webhooks.delivery(*(webhooks.text_event(psid, text) for psid, text in pairs)))


async def until(check: Callable[[], Any], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def drained(intake: Any, seconds: float = 10) -> int:
    """The intake's pending entries once it has none, or after ``seconds``: each
    acknowledgement follows its turn, so it can come just after the handler has run."""
    for _ in range(int(seconds / 0.05)):
        if await intake.pending() == 0:
            return 0
        await asyncio.sleep(0.05)
    return int(await intake.pending())


def test_every_event_kind_survives_storage() -> None:
    body = webhooks.delivery(
        webhooks.text_event("a", "hi"),
        webhooks.quick_reply_event("a", "Lights", "/browse_catalog"),
    )
    for event in parse(body):
        assert from_stored(to_stored(event)) == event


def test_sql_intake_runs_events_in_order_and_forgets_them_once_done(tmp_path: Path) -> None:
    async def scenario() -> List[Tuple[str, bool]]:
        intake = SqlIntake(f"sqlite:///{tmp_path / 'intake.db'}")
        seen: List[Tuple[str, bool]] = []

        async def handle(event: Any, replay: bool) -> None:
            await asyncio.sleep(0.01 if event.text.endswith("1") else 0)
            seen.append((event.text, replay))

        await intake.append(events(("a", "a1"), ("b", "b1"), ("a", "a2"), ("a", "a3")))
        consumer = IntakeConsumer(intake, handle)
        consumer.start()
        await until(lambda: len(seen) == 4)
        await consumer.stop(5)
        assert await SqlIntake(f"sqlite:///{tmp_path / 'intake.db'}").pending() == 0
        return seen

    seen = asyncio.run(scenario())
    assert [text for text, _ in seen if text.startswith("a")] == ["a1", "a2", "a3"]
    assert not any(replay for _, replay in seen)


def test_sql_intake_gives_a_dead_consumers_events_to_the_next(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'intake.db'}"

    async def scenario() -> List[Tuple[str, bool]]:
        dead = SqlIntake(url, lease_seconds=1, consumer="dead")
        await dead.append(events(("a", "one"), ("a", "two")))
        assert len(dead.claim_now()) == 2  # taken, then the process died without an answer
        seen: List[Tuple[str, bool]] = []

        async def handle(event: Any, replay: bool) -> None:
            seen.append((event.text, replay))

        consumer = IntakeConsumer(SqlIntake(url, lease_seconds=1, consumer="next"), handle)
        consumer.start()
        await until(lambda: len(seen) == 2)
        await consumer.stop(5)
        return seen

    assert asyncio.run(scenario()) == [("one", True), ("two", True)]


def test_a_failing_turn_is_tried_again_then_set_aside(tmp_path: Path) -> None:
    async def scenario() -> Tuple[List[Tuple[str, bool]], SqlIntake]:
        intake = SqlIntake(f"sqlite:///{tmp_path / 'intake.db'}")
        seen: List[Tuple[str, bool]] = []

        async def handle(event: Any, replay: bool) -> None:
            seen.append((event.text, replay))
            if event.text == "flaky" and len([s for s in seen if s[0] == "flaky"]) < 3:
                raise ConnectionError("the action server is restarting")
            if event.text == "broken":
                raise ValueError("a bug")

        await intake.append(events(("a", "flaky"), ("a", "after"), ("b", "broken")))
        consumer = IntakeConsumer(intake, handle, pauses=(0.01, 0.01, 0.01))
        consumer.start()
        await until(lambda: ("after", False) in seen and len([s for s in seen if s[0] == "broken"]) == 4)
        await consumer.stop(5)
        return seen, intake

    seen, intake = asyncio.run(scenario())
    a_turns = [s for s in seen if s[0] != "broken"]
    assert a_turns == [("flaky", False), ("flaky", True), ("flaky", True), ("after", False)]  # order kept
    assert asyncio.run(intake.pending()) == 0
    with intake.engine.connect() as connection:
        aside = connection.exec_driver_sql("select sender_id, reason from kassa_intake_set_aside").fetchall()
    assert [(row[0], "a bug" in row[1]) for row in aside] == [("b", True)]


def test_redis_replicas_share_the_shards_and_a_dead_ones_events_go_to_the_other(redis_url: str) -> None:
    async def scenario() -> None:
        shards = 4
        dead = RedisIntake(redis_url, shards=shards, lease_seconds=1, consumer="dead")
        await dead._balance(lambda item: None)
        assert dead.owned == set(range(shards))  # alone: all shards
        taken: List[StoredEvent] = []
        stored = events(*((f"c{n}", f"m{n}.{k}") for k in range(3) for n in range(8)))
        await dead.append(stored)
        await dead._read_once(taken.append)
        assert len(taken) == len(stored)  # read, and never answered: the replica died here

        seen: List[Tuple[str, str, bool]] = []

        async def handle(event: Any, replay: bool) -> None:
            seen.append((event.sender_id, event.text, replay))

        survivor = RedisIntake(redis_url, shards=shards, lease_seconds=1, consumer="survivor")
        consumer = IntakeConsumer(survivor, handle)
        consumer.start()
        await until(lambda: len(seen) == len(stored))
        assert survivor.owned == set(range(shards))
        for n in range(8):
            assert [(text, replay) for sender, text, replay in seen if sender == f"c{n}"] == [
                (f"m{n}.{k}", True) for k in range(3)
            ]

        late = RedisIntake(redis_url, shards=shards, lease_seconds=1, consumer="late")
        second = IntakeConsumer(late, handle)
        second.start()
        await until(lambda: len(survivor.owned) == 2 and len(late.owned) == 2)  # an even share each
        await late.append(events(*((f"c{n}", f"new{n}") for n in range(8))))
        await until(lambda: len(seen) == len(stored) + 8)
        assert all(not replay for _, text, replay in seen if text.startswith("new"))
        assert await drained(survivor) == 0 and len(seen) == len(stored) + 8
        await consumer.stop(5)
        await second.stop(5)

    asyncio.run(scenario())


def test_a_customer_always_lands_on_the_same_shard() -> None:
    assert {shard_of("1234567890", 16) for _ in range(5)} == {shard_of("1234567890", 16)}
    assert len({shard_of(f"psid{n}", 16) for n in range(200)}) == 16


def test_a_redis_restart_under_the_consumer_loses_nothing_it_stored(tmp_path: Path) -> None:
    """Redis stops and comes back (its append-only file kept): every event stored before or
    after runs, once; calls on connections the restart broke fail and are tried again."""
    from harness.servers import free_port

    port = free_port()
    redis_server = RedisServer(tmp_path / "redis", port, tmp_path)
    url = redis_server.url
    try:

        async def scenario() -> List[str]:
            seen: List[str] = []

            async def handle(event: Any, replay: bool) -> None:
                seen.append(event.text)  # every run counts: the intake itself must not run one twice

            intake = RedisIntake(url, shards=2, lease_seconds=2)
            consumer = IntakeConsumer(intake, handle, pauses=(0.2, 0.5, 1, 2, 4))
            consumer.start()
            await intake.append(events(*((f"r{n}", "before") for n in range(10))))
            await until(lambda: len(seen) == 10)
            await asyncio.to_thread(redis_server.stop)
            await asyncio.sleep(1)
            restarted = await asyncio.to_thread(RedisServer, tmp_path / "redis", port, tmp_path)
            try:
                for n in range(10):
                    for _attempt in range(50):  # as Facebook delivers again what was not answered 200
                        try:
                            await intake.append(events((f"r{n}", "after")))
                            break
                        except Exception:
                            await asyncio.sleep(0.2)
                await until(lambda: len(seen) >= 20, seconds=60)
                await until(lambda: not any(intake.in_flight.values()))  # acknowledged: nothing left to run again
                await consumer.stop(5)
            finally:
                await asyncio.to_thread(restarted.stop)
            return seen

        seen = asyncio.run(scenario())
    finally:
        redis_server.stop()
    assert sorted(seen) == ["after"] * 10 + ["before"] * 10


def test_a_replica_draining_after_sigterm_keeps_its_leases_so_nothing_runs_twice(redis_url: str) -> None:
    """A rolling deploy: the stopping replica's turn outlasts its lease; the other replica
    must neither take the shard nor claim the entry while it drains."""

    async def scenario() -> List[str]:
        runs: List[str] = []
        release = asyncio.Event()

        async def slow(event: Any, replay: bool) -> None:
            runs.append(f"old:{event.text}")
            await release.wait()

        async def quick(event: Any, replay: bool) -> None:
            runs.append(f"new:{event.text}")

        old = RedisIntake(redis_url, shards=2, lease_seconds=1, consumer="old")
        stopping = IntakeConsumer(old, slow)
        stopping.start()
        await until(lambda: old.owned == {0, 1})
        await old.append(events(("c1", "add two lights")))
        await until(lambda: runs == ["old:add two lights"])
        new = RedisIntake(redis_url, shards=2, lease_seconds=1, consumer="new")
        taking_over = IntakeConsumer(new, quick)
        taking_over.start()
        drain = asyncio.get_running_loop().create_task(stopping.stop(10))  # SIGTERM: drain for up to 10 s
        await asyncio.sleep(3.5)  # past the lease and past two leases of idleness
        assert runs == ["old:add two lights"] and not new.owned & {shard_of("c1", 2)}
        release.set()
        await drain
        await until(lambda: new.owned == {0, 1})
        await new.append(events(("c1", "and a pump")))
        await until(lambda: len(runs) == 2)
        assert await drained(new) == 0
        await taking_over.stop(5)
        return runs

    assert asyncio.run(scenario()) == ["old:add two lights", "new:and a pump"]


def test_a_replica_paused_past_its_lease_does_not_run_what_it_lost(redis_url: str) -> None:
    async def scenario() -> List[str]:
        runs: List[str] = []
        first_started, release = asyncio.Event(), asyncio.Event()

        async def paused(event: Any, replay: bool) -> None:
            runs.append(f"paused:{event.text}")
            first_started.set()
            await release.wait()

        async def other(event: Any, replay: bool) -> None:
            runs.append(f"other:{event.text}")

        stalled = RedisIntake(redis_url, shards=1, lease_seconds=1, consumer="stalled")
        consumer = IntakeConsumer(stalled, paused)
        consumer.start()
        await until(lambda: stalled.owned == {0})
        await stalled.append(events(("c1", "one"), ("c1", "two")))
        await first_started.wait()
        assert stalled._heartbeat is not None
        stalled._heartbeat.cancel()  # SIGSTOP: no renewal while the first turn hangs
        other_intake = RedisIntake(redis_url, shards=1, lease_seconds=1, consumer="other")
        second = IntakeConsumer(other_intake, other)
        second.start()
        await until(lambda: "other:two" in runs)  # claimed once idle past two leases
        await until(lambda: stalled.owned == set())  # its reads ask for the lease: it stops reading the shard
        await other_intake.append(events(("c1", "three")))
        await until(lambda: "other:three" in runs)
        release.set()  # SIGCONT: the stalled replica's queue goes on, without the lease
        await until(lambda: not stalled.in_flight.get(0))
        await second.stop(5)
        await consumer.stop(1)
        return runs

    runs = asyncio.run(scenario())
    assert runs.count("paused:two") == 0 and runs.count("other:two") == 1 and "paused:three" not in runs
