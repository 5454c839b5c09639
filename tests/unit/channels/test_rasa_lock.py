"""Rasa's conversation lock ends a wait whose ticket expired instead of waiting for ever."""

import asyncio

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError

import channels.messenger.connector  # noqa: F401  (installs the fix, as Rasa's loading of the channel does)
from channels import rasa_lock


def test_the_fix_is_installed() -> None:
    assert InMemoryLockStore._acquire_lock is rasa_lock._acquire_lock


def test_a_waiter_whose_ticket_expired_behind_a_stale_one_fails_instead_of_waiting_for_ever() -> None:
    """A turn failed and could not hand its ticket back; the next turn's ticket, taken a
    moment later with the same lifetime, expires while it waits behind the stale one."""
    store = InMemoryLockStore()
    store.issue_ticket("c1", lock_lifetime=0.5)  # the stale ticket, never cleaned up

    async def next_turn() -> None:
        async with store.lock("c1", lock_lifetime=0.6, wait_time_in_seconds=0.2):
            pass

    async def scenario() -> None:
        await asyncio.wait_for(next_turn(), 5)  # Rasa 3.6 as shipped waits here for ever

    with pytest.raises(LockError, match="expired while it waited"):
        asyncio.run(scenario())

    async def again() -> None:  # its retry, with a new ticket, is served at once
        async with store.lock("c1", lock_lifetime=0.6, wait_time_in_seconds=0.2):
            pass

    asyncio.run(asyncio.wait_for(again(), 5))


def test_a_waiter_behind_a_live_ticket_is_served_when_it_is_handed_back() -> None:
    store = InMemoryLockStore()
    served = []

    async def scenario() -> None:
        async def first() -> None:
            async with store.lock("c2", lock_lifetime=5, wait_time_in_seconds=0.05):
                await asyncio.sleep(0.3)
                served.append("first")

        async def second() -> None:
            await asyncio.sleep(0.05)
            async with store.lock("c2", lock_lifetime=5, wait_time_in_seconds=0.05):
                served.append("second")

        await asyncio.wait_for(asyncio.gather(first(), second()), 5)

    asyncio.run(scenario())
    assert served == ["first", "second"]
