"""Small shared state of the connector: seen message ids, the time of each
customer's last message, payloads the bot sent, handover, "show more" pages.

In memory (bounded, per process) by default; in Redis when Rasa's lock store
is Redis, so that several Rasa instances behind one webhook share it.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Optional, Protocol, Tuple

from channels.turn_loop import PerLoop

logger = logging.getLogger(__name__)

DEFAULT_MAX_KEYS = 100_000


class StateStore(Protocol):
    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        """Set ``key`` if it is new; True when it was."""

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None: ...

    async def get(self, key: str) -> Optional[Any]: ...

    async def delete(self, key: str) -> None: ...


class MemoryStore:
    """A bounded in-process store: the oldest keys go first when it is full."""

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._items: "OrderedDict[str, Tuple[float, Any]]" = OrderedDict()

    def _live(self, key: str) -> Optional[Tuple[float, Any]]:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            self._items.pop(key, None)
            return None
        return item

    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        if self._live(key) is not None:
            return False
        await self.put(key, 1, ttl_seconds)
        return True

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._items[key] = (time.monotonic() + ttl_seconds, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_keys:
            self._items.popitem(last=False)

    async def get(self, key: str) -> Optional[Any]:
        item = self._live(key)
        return None if item is None else item[1]

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)


class RedisStore:
    """The same store in Redis; values are JSON. One client per event loop,
    since an asyncio Redis connection belongs to the loop that opened it."""

    def __init__(self, url: str, prefix: str = "kassa:messenger:") -> None:
        import redis.asyncio as redis

        self.prefix = prefix
        self._clients: PerLoop[Any] = PerLoop(lambda: redis.from_url(url))

    @property
    def _redis(self) -> Any:
        return self._clients.get()

    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        return bool(await self._redis.set(self.prefix + key, "1", ex=ttl_seconds, nx=True))

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        await self._redis.set(self.prefix + key, json.dumps(value), ex=ttl_seconds)

    async def get(self, key: str) -> Optional[Any]:
        raw = await self._redis.get(self.prefix + key)
        return None if raw is None else json.loads(raw)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self.prefix + key)


def redis_url_from_lock_store(endpoints_path: str) -> Optional[str]:
    """The Redis URL of Rasa's lock store in endpoints.yml, if it is Redis."""
    if not os.path.exists(endpoints_path):
        return None
    from rasa.core.utils import read_endpoints_from_path

    endpoints = read_endpoints_from_path(endpoints_path)
    lock_store = endpoints.lock_store
    if lock_store is None or lock_store.type != "redis":
        return None
    kwargs = lock_store.kwargs
    host = lock_store.url or "localhost"
    port = kwargs.get("port", 6379)
    db = kwargs.get("db", 1)
    password = kwargs.get("password")
    scheme = "rediss" if kwargs.get("use_ssl") else "redis"
    auth = f":{password}@" if password else ""
    return f"{scheme}://{auth}{host}:{port}/{db}"


def create_store(endpoints_path: str = "endpoints.yml") -> StateStore:
    url = redis_url_from_lock_store(endpoints_path)
    if url:
        logger.info("Messenger connector state in Redis (Rasa's lock store)")
        return RedisStore(url)
    return MemoryStore()
