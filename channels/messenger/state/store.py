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
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, Optional, Protocol, Tuple
from urllib.parse import quote

import sqlalchemy as sa
import yaml

from channels import sql
from shop import settings
from shop.ledger.store import create_tables

logger = logging.getLogger(__name__)

DEFAULT_MAX_KEYS = 100_000
DAY_SECONDS = 24 * 3600
# A Redis command that gets no answer in this time fails instead of waiting for ever
# (a connection that a Redis restart left half-closed).
SOCKET_TIMEOUT = 5.0


class StateStore(Protocol):
    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        """Set ``key`` if it is new; True when it was."""

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None: ...

    async def get(self, key: str) -> Optional[Any]: ...

    async def delete(self, key: str) -> None: ...

    def flush(self) -> None:
        """Write what the store keeps behind (the SQL store's pending writes); blocking."""


class ExpiringCache:
    """Keys with a deadline, at most ``max_keys``: the least recently written go first."""

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._items: "OrderedDict[str, Tuple[float, Any]]" = OrderedDict()

    def live(self, key: str) -> Optional[Tuple[float, Any]]:
        """(deadline, value) while the key lives; None when it is unknown or past its deadline."""
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            self._items.pop(key, None)
            return None
        return item

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        self._items[key] = (time.monotonic() + ttl_seconds, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_keys:
            self._items.popitem(last=False)

    def discard(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class MemoryStore:
    """A bounded in-process store: the oldest keys go first when it is full."""

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self._cache = ExpiringCache(max_keys)

    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        if self._cache.live(key) is not None:
            return False
        self._cache.set(key, 1, ttl_seconds)
        return True

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._cache.set(key, value, ttl_seconds)

    async def get(self, key: str) -> Optional[Any]:
        item = self._cache.live(key)
        return None if item is None else item[1]

    async def delete(self, key: str) -> None:
        self._cache.discard(key)

    def flush(self) -> None:
        """Nothing is kept behind in memory."""


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

    def flush(self) -> None:
        """Redis has every write at once."""


state_metadata = sa.MetaData()
state_table = sa.Table(
    "kassa_connector_state",
    state_metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)
FLUSH_SECONDS = 0.05
_DELETED = object()


class SqlStore:
    """The same store in a SQL table (SQLite or PostgreSQL), for one Rasa process (the
    setup without Redis). Reads are served from memory once read; writes are kept in
    memory at once and written to the table by a background thread within
    ``FLUSH_SECONDS``, a batch per transaction, so that a turn does not wait for the
    database. A crash loses at most the last ``FLUSH_SECONDS`` of state; ``flush`` (on
    stop) loses nothing."""

    def __init__(self, url: str, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self.engine = sql.engine(url)
        create_tables(state_metadata, self.engine)
        self._known = ExpiringCache(max_keys)  # bounded: a key it let go is read again from the table
        self._pending: Dict[str, Tuple[float, Any]] = {}
        self._writing: Dict[str, Tuple[float, Any]] = {}  # the batch on its way to the table
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._flusher: Optional[threading.Thread] = None
        with self.engine.begin() as connection:
            connection.execute(state_table.delete().where(state_table.c.expires_at < time.time()))

    async def add_once(self, key: str, ttl_seconds: int) -> bool:
        if await self.get(key) is not None:
            return False
        with self._lock:  # one process: the check and the write cannot interleave with another add_once
            known = self._known.live(key)
            if known is not None and known[1] is not None:
                return False
            self._write(key, 1, ttl_seconds)
        return True

    async def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        with self._lock:
            self._write(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        with self._lock:
            self._known.set(key, None, DAY_SECONDS)
            self._pending[key] = (0.0, _DELETED)
        self._start_flusher()

    async def get(self, key: str) -> Optional[Any]:
        item = self._known.live(key)
        if item is not None:
            return item[1]
        with self._lock:  # written here, not yet in the table (and no longer in the cache)
            unwritten = self._pending.get(key) or self._writing.get(key)
        if unwritten is not None:
            expires_at, value = unwritten
            return None if value is _DELETED or expires_at < time.time() else value
        row = await asyncio.to_thread(self._read, key)
        value, ttl = (None, DAY_SECONDS) if row is None else (json.loads(row[0]), max(0.0, row[1] - time.time()))
        with self._lock:
            if self._known.live(key) is None:  # a write in the meantime wins
                self._known.set(key, value, ttl + 1)
        return value

    def _read(self, key: str) -> Optional[Tuple[str, float]]:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(state_table.c.value, state_table.c.expires_at)
                .where(state_table.c.key == key)
                .where(state_table.c.expires_at >= time.time())
            ).first()
        return None if row is None else (row[0], float(row[1]))

    def _write(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._known.set(key, value, ttl_seconds)
        self._pending[key] = (time.time() + ttl_seconds, value)
        self._start_flusher()

    def _start_flusher(self) -> None:
        self._wake.set()
        if self._flusher is None or not self._flusher.is_alive():
            self._flusher = threading.Thread(target=self._flush_forever, name="kassa-state-flush", daemon=True)
            self._flusher.start()

    def _flush_forever(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(FLUSH_SECONDS)  # gather the writes of a moment into one transaction
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the database away: keep the writes for the next round
                logger.exception("Writing the connector state failed; trying again")
                self._wake.set()
                time.sleep(1)

    def flush(self) -> None:
        """Write what is pending now."""
        with self._lock:
            batch, self._pending = self._pending, {}
            self._writing = batch
        if not batch:
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(state_table.delete().where(state_table.c.key.in_(list(batch))))
                rows = [
                    {"key": k, "value": json.dumps(v), "expires_at": e}
                    for k, (e, v) in batch.items()
                    if v is not _DELETED
                ]
                if rows:
                    connection.execute(state_table.insert(), rows)
        except Exception:
            with self._lock:
                for key, entry in batch.items():
                    self._pending.setdefault(key, entry)
            raise
        finally:
            with self._lock:
                self._writing = {}


def redis_url_from_lock_store(endpoints_path: str) -> Optional[str]:
    """The Redis URL of Rasa's lock store in endpoints.yml, if it is Redis. Read without
    Rasa (``${VAR}`` expanded the same way), so that the acceptor loads no Rasa."""
    path = Path(endpoints_path)
    if not path.exists():
        return None
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lock_store = document.get("lock_store") or {}
    if str(lock_store.get("type", "")).lower() != "redis":
        return None
    value = lambda key, default: settings.expand(str(lock_store[key])) if lock_store.get(key) is not None else default  # noqa: E731
    host = value("url", "") or "localhost"
    port = value("port", "6379") or "6379"
    db = value("db", "1") or "1"
    password = value("password", "")
    scheme = "rediss" if str(value("use_ssl", "")).lower() in ("true", "1", "yes") else "redis"
    auth = f":{quote(password, safe='')}@" if password else ""
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
