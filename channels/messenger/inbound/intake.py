"""The durable webhook intake: accepted Messenger events are stored before Facebook
gets its 200, and taken from the store to run their turns.

Two stores, one contract:
- Redis streams (``intake_redis``) when Rasa's lock store is Redis: several Rasa
  replicas share the work, and a replica that dies leaves its events to the others.
- The SQL database (``intake_sql``) otherwise: one Rasa instance, and what was
  accepted before a crash runs after the restart.

Each stored event runs once, in order per customer, and is acknowledged after its
turn returned (Rasa saved the tracker by then). An event whose turn fails is tried
again with a growing pause; one that never succeeds is set aside and logged.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional, Protocol, Sequence

from channels.messenger.inbound.events import Event
from channels.messenger.inbound.sender_queues import SenderQueues

logger = logging.getLogger(__name__)

# Pauses between attempts at a turn that failed (the store or the action server was
# away, say): about a minute in all, while the customer's later events wait behind it.
RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
# The longest one attempt at a turn may take before it counts as failed (and runs again):
# a call that hangs must not hold a customer's later messages for ever.
TURN_SECONDS = 120.0


@dataclass(frozen=True)
class StoredEvent:
    """An event taken from the intake: ``key`` names it in the store; ``recovered`` is
    True when another consumer (a replica that died) had taken it before."""

    key: str
    partition: str
    event: Event
    recovered: bool = False


Handler = Callable[[Event, bool], Awaitable[None]]
Submit = Callable[[StoredEvent], None]


class IntakeStore(Protocol):
    async def append(self, events: Sequence[Event]) -> None:
        """Store the events durably; raises when they could not be stored."""

    async def consume(self, submit: Submit) -> None:
        """Hand every event this consumer takes to ``submit``, until cancelled."""

    async def owns(self, item: StoredEvent) -> bool:
        """Whether this consumer may still run the item (it holds the item's partition)."""

    async def ack(self, item: StoredEvent) -> None:
        """The event's turn is done here: forget it (if this consumer still holds it)."""

    async def set_aside(self, item: StoredEvent, reason: str) -> None:
        """The event's turn never succeeded: keep it apart for a person, and forget it here."""

    async def pending(self) -> int:
        """Events stored and not yet acknowledged (for tests and tools)."""

    async def close(self) -> None: ...


def consumer_name() -> str:
    """This process among the replicas: host and process id, unique while it lives."""
    return f"{socket.gethostname()}-{os.getpid()}"


class IntakeConsumer:
    """Takes events from the store and runs them per customer in order, with retries."""

    def __init__(self, store: IntakeStore, handle: Handler, pauses: Sequence[float] = RETRY_PAUSES) -> None:
        self.store = store
        self.handle = handle
        self.pauses = tuple(pauses)
        self.queues: SenderQueues[StoredEvent] = SenderQueues(self._run)
        self._task: Optional[asyncio.Task] = None
        self._stopping = False

    def start(self) -> None:
        """Start consuming on the running event loop (the turn loop), once: the stores'
        loops outlive their own errors, and a loop that ends anyway is started again."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.store.consume(self._submit))
            self._task.add_done_callback(self._ended)

    def _ended(self, task: "asyncio.Task[None]") -> None:
        if self._stopping or task.cancelled():
            return
        logger.error("The intake's reading loop ended (%r): starting it again", task.exception())
        asyncio.get_running_loop().call_later(1.0, self.start)

    def _submit(self, item: StoredEvent) -> None:
        self.queues.submit(item.event.sender_id, item)

    async def _run(self, item: StoredEvent) -> None:
        if not await self.store.owns(item):  # lost while it waited (a pause past the lease): its holder runs it
            logger.warning(
                "Event %s of %s belongs to another consumer now: not run here", item.key, item.event.sender_id
            )
            await _until_done(functools.partial(self.store.ack, item))
            return
        for attempt, pause in enumerate((*self.pauses, None), start=1):
            try:
                await _within(
                    self.handle(item.event, item.recovered or attempt > 1),
                    TURN_SECONDS,
                    f"event {item.key} of {item.event.sender_id}",
                )
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the store, the action server or Rasa failed, or took too long: try again
                if pause is None:
                    logger.exception(
                        "Event %s of %s failed %d times: set aside", item.key, item.event.sender_id, attempt
                    )
                    await _until_done(functools.partial(self.store.set_aside, item, repr(error)))
                    return
                logger.warning("Event %s of %s failed (%s); again in %ss", item.key, item.event.sender_id, error, pause)
                await asyncio.sleep(pause)
        await _until_done(functools.partial(self.store.ack, item))

    async def stop(self, seconds: float) -> None:
        """Stop taking events; let those in progress finish for at most ``seconds``.
        What is not finished stays in the store for another consumer or the restart."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await asyncio.wait_for(self.queues.wait_idle(), seconds)
        except asyncio.TimeoutError:
            logger.error("Stopping with Messenger events in progress after %ss: they stay in the intake", seconds)
        await self.store.close()


async def _within(work: Awaitable[None], seconds: float, what: str) -> None:
    """Run ``work`` for at most ``seconds``; past that, log where it was waiting (the frames
    of its task, innermost last) before it is cancelled, since a hung turn says nothing else."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if task in done:
        return task.result()
    logger.error(
        "The turn of %s took longer than %ss; it was waiting here:\n%s", what, seconds, _awaiting(task.get_coro())
    )
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    raise asyncio.TimeoutError(f"the turn of {what} took longer than {seconds}s")


def _awaiting(coroutine: Any) -> str:
    """Where a suspended coroutine waits: its chain of awaits, outermost first."""
    lines = []
    while coroutine is not None:
        frame = getattr(coroutine, "cr_frame", None) or getattr(coroutine, "gi_frame", None)
        if frame is None:
            lines.append(f"  awaiting {coroutine!r}"[:300])
            break
        lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coroutine = getattr(coroutine, "cr_await", None) or getattr(coroutine, "gi_yieldfrom", None)
    return "\n".join(lines)


async def _until_done(step: Callable[[], Awaitable[None]], pause: float = 0.5, longest: float = 5.0) -> None:
    """Repeat a store call until it succeeds: an acknowledgement must not be dropped
    because the store is restarting (the event would run again)."""
    while True:
        try:
            await step()
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.warning("Intake store call failed (%s); again in %ss", error, pause)
            await asyncio.sleep(pause)
            pause = min(longest, pause * 2)
