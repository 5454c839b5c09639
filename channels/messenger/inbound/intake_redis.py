"""The intake in Redis streams, shared by several Rasa replicas.

Customers are spread over ``shards`` streams by their PSID. Each shard is read by
one replica at a time, the one holding its lease (a key that lives ``lease_seconds``
unless renewed), so one customer's events run in order on one replica. Replicas
announce themselves in a sorted set and share the shards evenly; when a replica
dies its leases run out, another takes its shards and first claims (XAUTOCLAIM)
the events the dead one had read but not acknowledged, before it reads new ones.

Never twice: a replica that stops (SIGTERM, a rolling deploy) renews its leases
until its last turn has drained; an entry is claimed from another consumer only
once it has been idle longer than two leases; and a replica runs and acknowledges
an entry only while it still holds the shard's lease (one paused past its lease,
SIGSTOP, lets go of what it lost).

Redis's blocking client is called in worker threads: after a Redis restart it
reconnects cleanly, where redis-py 4.6's asyncio client was seen, in the cluster
test, to leave calls waiting for ever.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import zlib
from typing import Any, Dict, List, Optional, Sequence, Set

from channels.messenger.inbound.events import Event, InvalidWebhook, from_stored, to_stored
from channels.messenger.inbound.intake import StoredEvent, Submit, consumer_name

logger = logging.getLogger(__name__)

GROUP = "kassa"
FIELD = "event"
READ_BLOCK_MS = 500
READ_COUNT = 100
# A command that gets no answer in this time fails (and is tried again) instead of
# waiting for ever on a connection a Redis restart left half-closed. Longer than a read's block.
SOCKET_TIMEOUT = 5.0
# Compare-and-set on a lease: only its holder renews or gives it back.
RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def shard_of(sender_id: str, shards: int) -> int:
    return zlib.crc32(sender_id.encode()) % shards


class RedisIntake:
    def __init__(
        self,
        url: str,
        shards: int = 16,
        lease_seconds: float = 10.0,
        prefix: str = "kassa:intake:",
        consumer: Optional[str] = None,
    ) -> None:
        import redis

        self.shards = shards
        self.lease_ms = int(lease_seconds * 1000)
        self.prefix = prefix
        self.consumer = consumer or consumer_name()
        # A call that hangs must fail well within a lease, or the heartbeat that renews the
        # leases would let them run out while it waits (and another replica take the shards);
        # still longer than a read's block.
        timeout = max(2 * READ_BLOCK_MS / 1000, min(SOCKET_TIMEOUT, lease_seconds / 3))
        self._client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.owned: Set[int] = set()
        self.recovering: Set[int] = set()  # taken, its earlier holder's entries being claimed first
        self.releasing: Set[int] = set()
        self.in_flight: Dict[int, Set[str]] = {}
        self.stopping = False
        self.claim_idle_ms = 2 * self.lease_ms  # an entry idle this long has no live consumer
        self._heartbeat: Optional[asyncio.Task] = None
        self._groups_ready = False

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One Redis command, in a worker thread."""
        return await asyncio.to_thread(getattr(self._client, method), *args, **kwargs)

    def stream(self, shard: int) -> str:
        return f"{self.prefix}{shard}"

    def _lease(self, shard: int) -> str:
        return f"{self.prefix}lease:{shard}"

    # --- the acceptor's side ----------------------------------------------------------
    async def append(self, events: Sequence[Event]) -> None:
        if not events:
            return

        def add_all() -> None:
            pipe = self._client.pipeline(transaction=False)
            for event in events:
                pipe.xadd(self.stream(shard_of(event.sender_id, self.shards)), {FIELD: json.dumps(to_stored(event))})
            pipe.execute()

        await asyncio.to_thread(add_all)

    # --- the consumer's side ----------------------------------------------------------
    async def consume(self, submit: Submit) -> None:
        """Read until cancelled. The leases are kept beyond that, while the turns already
        taken drain, until ``close``."""
        if self._heartbeat is None:
            self._heartbeat = asyncio.get_running_loop().create_task(self._keep_leases(submit))
        try:
            while True:
                try:
                    await self._read_once(submit)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # Redis restarting: keep trying
                    logger.warning("Reading the intake failed (%s); again in 0.5s", error)
                    self._groups_ready = False
                    await asyncio.sleep(0.5)
        finally:
            self.stopping = True

    async def _read_once(self, submit: Submit) -> None:
        await self._finish_releases()
        reading = await self._still_held(sorted(self.owned - self.releasing))
        if not reading:
            await asyncio.sleep(READ_BLOCK_MS / 1000)
            return
        await self._ensure_groups()
        answer = await self._call(
            "xreadgroup",
            GROUP,
            self.consumer,
            {self.stream(s): ">" for s in reading},
            count=READ_COUNT,
            block=READ_BLOCK_MS,
        )
        for stream, entries in answer or []:
            shard = int(_text(stream).rsplit(":", 1)[1])
            for entry_id, fields in entries:
                self._hand_over(submit, shard, _text(entry_id), fields, recovered=False)

    async def _still_held(self, shards: List[int]) -> List[int]:
        """The shards whose leases this replica still holds, asked of Redis before each read:
        a replica paused past its leases (and not told yet by its heartbeat) must not read
        the new entries of shards another replica now reads, which would run them late and
        out of order."""
        if not shards:
            return []
        holders = await self._call("mget", [self._lease(shard) for shard in shards])
        held = [shard for shard, holder in zip(shards, holders, strict=True) if self._mine(holder)]
        for shard in set(shards) - set(held):
            self._lost(shard)
        return held

    def _mine(self, holder: Any) -> bool:
        """Whether a lease key's value names this replica."""
        return holder is not None and _text(holder) == self.consumer

    def _lost(self, shard: int) -> None:
        logger.warning("Lost the lease of intake shard %d", shard)
        self.owned.discard(shard)
        self.releasing.discard(shard)

    def _hand_over(self, submit: Submit, shard: int, entry_id: str, fields: Any, recovered: bool) -> None:
        if shard not in self.owned and shard not in self.recovering:
            return  # read just as the lease went: left pending, the shard's new holder claims it
        in_flight = self.in_flight.setdefault(shard, set())
        if entry_id in in_flight:
            return
        try:
            event = from_stored(
                json.loads(_text(fields[FIELD.encode()] if FIELD.encode() in fields else fields[FIELD]))
            )
        except (KeyError, ValueError, InvalidWebhook) as error:
            logger.error("Intake entry %s of shard %d is unreadable (%s): dropped", entry_id, shard, error)
            asyncio.get_running_loop().create_task(self._drop(shard, entry_id))
            return
        in_flight.add(entry_id)
        submit(StoredEvent(entry_id, str(shard), event, recovered))

    async def owns(self, item: StoredEvent) -> bool:
        """Whether this replica still holds the lease of the item's shard (asked of Redis)."""
        shard = int(item.partition)
        try:
            holder = await self._call("get", self._lease(shard))
        except Exception as error:  # Redis restarting: the local view until it answers
            logger.warning("Asking for the lease of intake shard %d failed (%s)", shard, error)
            return shard in self.owned
        return self._mine(holder)

    async def ack(self, item: StoredEvent) -> None:
        """Done with the item here: acknowledged and deleted, if this replica still holds the
        shard; else left pending for the holder, which claims it (and finds it ran)."""
        shard = int(item.partition)
        if await self.owns(item):
            await self._forget(shard, item.key)
        else:
            logger.warning(
                "Intake entry %s of shard %d: the lease went to another replica, left for it", item.key, shard
            )
        self.in_flight.get(shard, set()).discard(item.key)

    async def set_aside(self, item: StoredEvent, reason: str) -> None:
        await self._call(
            "xadd", f"{self.prefix}set-aside", {FIELD: json.dumps(to_stored(item.event)), "reason": reason[:500]}
        )
        await self.ack(item)

    async def _forget(self, shard: int, entry_id: str) -> None:
        def ack_and_delete() -> None:
            pipe = self._client.pipeline(transaction=True)
            pipe.xack(self.stream(shard), GROUP, entry_id)
            pipe.xdel(self.stream(shard), entry_id)
            pipe.execute()

        await asyncio.to_thread(ack_and_delete)

    async def _drop(self, shard: int, entry_id: str) -> None:
        await self._forget(shard, entry_id)

    async def _ensure_groups(self) -> None:
        if self._groups_ready:
            return
        for shard in range(self.shards):
            try:  # from the stream's start: events stored before the group was made still count
                await self._call("xgroup_create", self.stream(shard), GROUP, id="0", mkstream=True)
            except Exception as error:
                if "BUSYGROUP" not in str(error):
                    raise
        self._groups_ready = True

    # --- leases -----------------------------------------------------------------------
    async def _keep_leases(self, submit: Submit) -> None:
        while True:
            try:
                await self._balance(submit)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("Keeping the intake's leases failed (%s)", error)
                self._groups_ready = False
            await asyncio.sleep(self.lease_ms / 3000)

    async def _balance(self, submit: Submit) -> None:
        """Renew this replica's leases, then take or give shards towards an even share."""
        members = f"{self.prefix}members"
        seconds, micros = await self._call("time")
        now_ms = seconds * 1000 + micros // 1000
        await self._call("zadd", members, {self.consumer: now_ms})
        await self._call("zremrangebyscore", members, "-inf", now_ms - self.lease_ms)
        share = math.ceil(self.shards / max(1, await self._call("zcard", members)))
        for shard in sorted(self.owned):
            if not await self._call("eval", RENEW, 1, self._lease(shard), self.consumer, self.lease_ms):
                self._lost(shard)
            elif not self.stopping:
                await self._recover(shard, submit)  # entries a dead consumer left, once idle past two leases
        if self.stopping:
            await self._finish_releases(everything=True)
            return
        free = [s for s in range(self.shards) if s not in self.owned]
        random.shuffle(free)
        for shard in free:
            if len(self.owned) >= share:
                break
            if await self._call("set", self._lease(shard), self.consumer, nx=True, px=self.lease_ms):
                await self._ensure_groups()
                self.recovering.add(shard)
                try:  # what its earlier holder left goes first; new entries are read once it is owned
                    await self._recover(shard, submit)
                    self.owned.add(shard)
                finally:
                    self.recovering.discard(shard)
        extra = len(self.owned) - len(self.releasing) - share
        for shard in sorted(self.owned - self.releasing)[: max(0, extra)]:
            self.releasing.add(shard)

    async def _recover(self, shard: int, submit: Submit) -> None:
        """Claim what earlier holders of the shard read and never acknowledged, oldest first."""
        start = "0-0"
        while True:
            answer = await self._call(
                "xautoclaim",
                self.stream(shard),
                GROUP,
                self.consumer,
                min_idle_time=self.claim_idle_ms,
                start_id=start,
                count=READ_COUNT,
            )
            start, entries = _text(answer[0]), answer[1]
            for entry_id, fields in entries:
                if fields:
                    self._hand_over(submit, shard, _text(entry_id), fields, recovered=True)
            if start == "0-0" or not entries:
                return

    async def _finish_releases(self, everything: bool = False) -> None:
        """Give back shards marked for release (``everything``: all, when stopping) once
        nothing of theirs is in progress; they are out of the read set by now, so nothing
        new of theirs arrives here."""
        for shard in sorted(self.owned if everything else self.releasing):
            if not self.in_flight.get(shard):
                await self._call("eval", RELEASE, 1, self._lease(shard), self.consumer)
                self.owned.discard(shard)
                self.releasing.discard(shard)

    async def _give_back_all(self) -> None:
        try:
            for shard in list(self.owned):
                if not self.in_flight.get(shard):
                    await self._call("eval", RELEASE, 1, self._lease(shard), self.consumer)
            await self._call("zrem", f"{self.prefix}members", self.consumer)
        except Exception as error:  # stopping anyway; the leases run out by themselves
            logger.info("Could not give back the intake leases (%s)", error)
        self.owned.clear()

    async def pending(self) -> int:
        """Events stored and not yet acknowledged, over all shards (for tests and tools)."""
        total = 0
        for shard in range(self.shards):
            total += await self._call("xlen", self.stream(shard))
        return total

    async def close(self) -> None:
        """After the drain: stop renewing, give every lease back, disconnect."""
        self.stopping = True
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        await self._give_back_all()
        await asyncio.to_thread(self._client.close)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
