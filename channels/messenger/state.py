"""Small shared state of the connector: seen message ids, the time of each
customer's last message, payloads the bot sent, handover, "show more" pages.

In Redis when Rasa's lock store is Redis, so that several Rasa instances behind
one webhook share it; else in the SQL database (KASSA_STATE_DATABASE_URL), so that
a restart forgets nothing (the 24-hour window, the handover, the buttons sent).
The bounded in-memory store is for tests.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Optional, Protocol, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from channels import sql

logger = logging.getLogger(__name__)

DEFAULT_MAX_KEYS = 100_000
# A Redis command that gets no answer in this time fails instead of waiting for ever
# (a connection that a Redis restart left half-closed).
SOCKET_TIMEOUT = 5.0


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
    """The same store in Redis; values are JSON. Redis's blocking client, called in a
    worker thread: after a Redis restart it reconnects cleanly, where the asyncio
    client of redis-py 4.6 was seen to leave a call waiting for ever."""

    def __init__(self, url: str, prefix: str = "kassa:messenger:") -> None:
        import redis

        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT)

    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        return bool(await asyncio.to_thread(self._redis.set, self.prefix + key, "1", ex=ttl_seconds, nx=True))

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        await asyncio.to_thread(self._redis.set, self.prefix + key, json.dumps(value), ex=ttl_seconds)

    async def get(self, key: str) -> Optional[Any]:
        raw = await asyncio.to_thread(self._redis.get, self.prefix + key)
        return None if raw is None else json.loads(raw)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._redis.delete, self.prefix + key)


state_metadata = sa.MetaData()
state_table = sa.Table(
    "kassa_connector_state", state_metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)
PURGE_EVERY = 1000


class SqlStore:
    """The same store in a SQL table (SQLite or PostgreSQL); expired rows count as absent
    and are purged now and then. Calls run in a worker thread, off the event loop."""

    def __init__(self, url: str) -> None:
        self.engine = sql.engine(url)
        state_metadata.create_all(self.engine)
        self._writes = 0

    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        return await asyncio.to_thread(self._add_once, key, json.dumps(1), ttl_seconds)

    def _add_once(self, key: str, value: str, ttl_seconds: int) -> bool:
        now = time.time()
        try:
            with self.engine.begin() as connection:
                connection.execute(state_table.delete().where(state_table.c.key == key).where(state_table.c.expires_at < now))
                connection.execute(state_table.insert().values(key=key, value=value, expires_at=now + ttl_seconds))
            return True
        except IntegrityError:
            return False

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        await asyncio.to_thread(self._put, key, json.dumps(value), ttl_seconds)

    def _put(self, key: str, value: str, ttl_seconds: int) -> None:
        expires = time.time() + ttl_seconds
        with self.engine.begin() as connection:
            changed = connection.execute(state_table.update().where(state_table.c.key == key).values(value=value, expires_at=expires)).rowcount
        if not changed and not self._add_once(key, value, ttl_seconds):
            with self.engine.begin() as connection:  # written by another process in between
                connection.execute(state_table.update().where(state_table.c.key == key).values(value=value, expires_at=expires))
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            with self.engine.begin() as connection:
                connection.execute(state_table.delete().where(state_table.c.expires_at < time.time()))

    async def get(self, key: str) -> Optional[Any]:
        def read() -> Optional[str]:
            with self.engine.connect() as connection:
                return connection.execute(
                    sa.select(state_table.c.value).where(state_table.c.key == key).where(state_table.c.expires_at >= time.time())
                ).scalar()

        raw = await asyncio.to_thread(read)
        return None if raw is None else json.loads(raw)

    async def delete(self, key: str) -> None:
        def remove() -> None:
            with self.engine.begin() as connection:
                connection.execute(state_table.delete().where(state_table.c.key == key))

        await asyncio.to_thread(remove)


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


def create_store(endpoints_path: str = "endpoints.yml", database_url: Optional[str] = None) -> StateStore:
    """Redis when Rasa's lock store is Redis; else the SQL database; in memory without either."""
    url = redis_url_from_lock_store(endpoints_path)
    if url:
        logger.info("Messenger connector state in Redis (Rasa's lock store)")
        return RedisStore(url)
    if database_url:
        return SqlStore(database_url)
    return MemoryStore()
