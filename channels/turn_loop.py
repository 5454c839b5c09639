"""Dialogue turns on an event loop of their own, in a thread beside Sanic's.

A turn is mostly CPU work (NLU, policies, the tracker store) that holds
whichever event loop runs it. On Sanic's loop, a webhook arriving under load
waits behind every turn in progress, and Facebook wants its answer at once.
On a second loop, the webhook only waits for the interpreter to switch
threads (``sys.getswitchinterval()``, 5 ms), and the turns lose nothing.

One loop per process, started on first use (so that each Sanic worker makes
its own after the fork). Everything a turn touches that is bound to a loop
(aiohttp sessions, Redis clients) is made per loop by its owner.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any, Awaitable, Callable, Dict, Generic, Optional, TypeVar

from shop import settings

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
Resource = TypeVar("Resource")
# Brokers whose client belongs to Sanic's loop and must not be called from another thread.
LOOP_BOUND_BROKERS = frozenset({"pika"})


class TurnLoop:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._start_lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is None or self._loop.is_closed():
                ready = threading.Event()
                thread = threading.Thread(target=self._serve, args=(ready,), name="kassa-turns", daemon=True)
                thread.start()
                ready.wait()
            assert self._loop is not None
            return self._loop

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        ready.set()
        self._loop.run_forever()

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the turn loop (or here, when the thread is off)."""
        if not self.enabled:
            callback(*args)
            return
        self._running_loop().call_soon_threadsafe(callback, *args)

    async def run(self, work: Awaitable[Result]) -> Result:
        """Await ``work`` on the turn loop from any other loop."""
        if not self.enabled:
            return await work
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(work), self._running_loop())
        return await asyncio.wrap_future(future)


async def _as_coroutine(work: Awaitable[Result]) -> Result:
    return await work


class PerLoop(Generic[Resource]):
    """One resource per event loop, made on first use in that loop: an aiohttp
    session or an asyncio Redis client only works in the loop that made it."""

    def __init__(self, make: Callable[[], Resource], usable: Callable[[Resource], bool] = lambda _: True) -> None:
        self._make = make
        self._usable = usable
        self._resources: Dict[asyncio.AbstractEventLoop, Resource] = {}

    def get(self) -> Resource:
        loop = asyncio.get_running_loop()
        resource = self._resources.get(loop)
        if resource is None or not self._usable(resource):
            resource = self._resources[loop] = self._make()
        return resource

    def pop(self) -> Optional[Resource]:
        """Forget the running loop's resource and return it, to be closed."""
        return self._resources.pop(asyncio.get_running_loop(), None)


def _enabled_by_environment(endpoints_path: str, switched_on: bool) -> bool:
    if not switched_on:
        return False
    broker = _event_broker_type(endpoints_path)
    if broker in LOOP_BOUND_BROKERS:
        logger.warning(
            "Event broker %r is bound to Sanic's loop: dialogue turns run there, not in their own thread", broker
        )
        return False
    return True


def _event_broker_type(endpoints_path: str) -> Optional[str]:
    if not os.path.exists(endpoints_path):
        return None
    from rasa.core.utils import read_endpoints_from_path

    broker = read_endpoints_from_path(endpoints_path).event_broker
    return None if broker is None else str(broker.type or "").lower()


_shared: Optional[TurnLoop] = None


def get_turn_loop() -> TurnLoop:
    """The process's turn loop, shared by the Messenger and PayPal channels so that
    the turns of one conversation never run in two threads at once."""
    global _shared
    if _shared is None:
        runtime = settings.runtime()
        _shared = TurnLoop(_enabled_by_environment(runtime.rasa_endpoints, runtime.turn_thread))
    return _shared
