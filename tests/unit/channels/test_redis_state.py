"""Shared connector state in a real Redis, as when Rasa's lock store is Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterator

import pytest

from channels.messenger.state.customer import ConversationState
from channels.messenger.state.store import (
    MemoryStore,
    RedisStore,
    SqlStore,
    create_store,
    redis_url_from_lock_store,
)
from harness.servers import RedisServer


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    try:
        redis_server = RedisServer(tmp_path_factory.mktemp("redis"))
    except RuntimeError as error:
        pytest.fail(str(error))
    yield redis_server.url
    redis_server.stop()


def test_two_rasa_instances_share_finished_turns_and_payloads(redis_url: str) -> None:
    async def scenario() -> None:
        first, second = ConversationState(RedisStore(redis_url)), ConversationState(RedisStore(redis_url))
        assert not await second.turn_done("m_shared")
        await first.mark_turn_done("m_shared")
        assert await second.turn_done("m_shared")
        await first.remember_payloads("psid", ['/add_to_cart{"product": "LGT-001"}'])
        assert await second.bot_sent("psid", '/add_to_cart{"product": "LGT-001"}')
        await second.set_human_in_control("psid", True)
        assert await first.human_in_control("psid")
        token = await first.keep_pages("psid", [[{"title": "x"}]], "Show more")
        assert await second.take_pages("psid", token) == ([[{"title": "x"}]], "Show more")

    asyncio.run(scenario())


def test_the_store_follows_rasas_lock_store(tmp_path: Path, redis_url: str) -> None:
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {port}\n  db: 1\n")
    assert redis_url_from_lock_store(str(endpoints)) == redis_url
    assert isinstance(create_store(str(endpoints)), RedisStore)
    endpoints.write_text("lock_store:\n  type: in_memory\n")
    assert isinstance(create_store(str(endpoints)), MemoryStore)
    assert isinstance(create_store(str(endpoints), f"sqlite:///{tmp_path / 'state.db'}"), SqlStore)
    assert isinstance(create_store(str(tmp_path / "missing.yml")), MemoryStore)


def test_redis_store_serves_the_turn_loop_and_sanics_loop_alike(redis_url: str) -> None:
    """Each loop gets its own client: an asyncio connection belongs to the loop that opened it."""
    from channels.turn_loop import TurnLoop

    store = RedisStore(redis_url, prefix="kassa:test:loops:")
    turns = TurnLoop()

    async def from_both_loops() -> tuple:
        first = await store.add_once("mid:loops", 60)
        second = await turns.run(store.add_once("mid:loops", 60))
        third = await store.add_once("mid:loops", 60)
        return first, second, third

    assert asyncio.run(from_both_loops()) == (True, False, False)


def test_sql_state_outlives_the_process_that_wrote_it(tmp_path: Path) -> None:
    """Without Redis the window, the handover and the buttons sent survive a restart."""
    from channels.messenger.state.store import SqlStore

    url = f"sqlite:///{tmp_path / 'state.db'}"

    async def before_restart() -> None:
        store = SqlStore(url)
        state = ConversationState(store)
        await state.customer_wrote("psid", at=1000.0)
        await state.set_human_in_control("psid", True)
        await state.remember_payloads("psid", ["/view_cart"])
        assert await store.add_once("once", 60) and not await store.add_once("once", 60)
        await store.put("gone", 1, 60)
        await store.delete("gone")
        store.flush()

    async def after_restart() -> None:
        store = SqlStore(url)
        state = ConversationState(store)
        assert not await state.inside_window("psid")  # known: 1000 s after the epoch is long past
        assert await state.human_in_control("psid")
        assert await state.bot_sent("psid", "/view_cart")
        assert not await store.add_once("once", 60)
        assert await store.get("gone") is None

    asyncio.run(before_restart())
    asyncio.run(after_restart())


def test_the_sql_state_cache_is_bounded_and_forgets_nothing_it_let_go(tmp_path: Path) -> None:
    from channels.messenger.state.store import SqlStore

    async def scenario() -> None:
        store = SqlStore(f"sqlite:///{tmp_path / 'state.db'}", max_keys=10)
        for n in range(50):
            await store.put(f"key{n}", n, 60)
        assert len(store._known) == 10
        assert [await store.get(f"key{n}") for n in (0, 25, 49)] == [
            0,
            25,
            49,
        ]  # not written yet: from the pending writes
        store.flush()
        assert [await store.get(f"key{n}") for n in range(50)] == list(range(50))  # from the table
        assert len(store._known) == 10

    asyncio.run(scenario())
