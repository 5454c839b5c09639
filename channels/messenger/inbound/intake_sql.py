"""The intake in the SQL database, for a Rasa without Redis: one row per accepted event.

A consumer claims rows in arrival order for ``lease_seconds`` and renews the claim
while their turns run; a row whose claim ran out (the process died) is claimed
again, by the restarted process or another one. A finished row is deleted.

Every statement runs on one database thread, and what is queued when it gets to
work runs in one transaction: writers in the process never wait on each other's
locks (SQLite makes a waiting writer sleep in steps of up to 100 ms).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import logging
import queue
import threading
import time
from typing import Any, Callable, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa

from channels import sql
from channels.messenger.inbound.events import Event, InvalidWebhook, from_stored, to_stored
from channels.messenger.inbound.intake import StoredEvent, Submit, consumer_name
from shop.ledger.store import create_tables

logger = logging.getLogger(__name__)

metadata = sa.MetaData()
intake_table = sa.Table(
    "kassa_intake",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(128), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("accepted_at", sa.Float, nullable=False),
    sa.Column("claimed_by", sa.String(128)),
    sa.Column("claimed_until", sa.Float),
)
set_aside_table = sa.Table(
    "kassa_intake_set_aside",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(128), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("set_aside_at", sa.Float, nullable=False),
)
# How often the table is read for events another process (the acceptor) stored; this
# process's own appends wake the consumer at once.
POLL_SECONDS = 0.05
BATCH = 100
Statement = Callable[[Any], Any]


class SqlIntake:
    def __init__(self, url: str, lease_seconds: float = 10.0, consumer: Optional[str] = None) -> None:
        self.engine = sql.engine(url)
        create_tables(metadata, self.engine)
        self.lease_seconds = lease_seconds
        self.consumer = consumer or consumer_name()
        self.in_flight: Set[int] = set()
        self._wake: Optional[Tuple[asyncio.AbstractEventLoop, asyncio.Event]] = None
        self._jobs: "queue.Queue[Tuple[Statement, concurrent.futures.Future]]" = queue.Queue()
        self._worker: Optional[threading.Thread] = None
        self._worker_lock = threading.Lock()

    # --- the database thread ------------------------------------------------------------
    async def _run(self, statement: Statement) -> Any:
        """Run ``statement(connection)`` on the database thread, in the next batch's transaction."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._worker_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="kassa-intake-db", daemon=True)
                self._worker.start()
        self._jobs.put((statement, future))
        return await asyncio.wrap_future(future)

    def _work(self) -> None:
        while True:
            jobs = [self._jobs.get()]
            while len(jobs) < BATCH:
                try:
                    jobs.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            # a caller that gave up (its request was cancelled) is not run: nobody would hear the result
            jobs = [(statement, future) for statement, future in jobs if future.set_running_or_notify_cancel()]
            if not jobs:
                continue
            try:
                with self.engine.begin() as connection:
                    results = [statement(connection) for statement, _ in jobs]
            except Exception as error:  # the whole batch failed: each caller hears it (and tries again)
                for _, future in jobs:
                    future.set_exception(error)
                continue
            for (_, future), result in zip(jobs, results, strict=True):
                future.set_result(result)

    # --- the acceptor's side ----------------------------------------------------------
    async def append(self, events: Sequence[Event]) -> None:
        if not events:
            return
        rows = [
            {"sender_id": e.sender_id, "body": json.dumps(to_stored(e)), "accepted_at": time.time()} for e in events
        ]
        await self._run(lambda connection: connection.execute(intake_table.insert(), rows))
        if self._wake is not None:  # the consumer of this process: look now, not at the next poll
            loop, wake = self._wake
            loop.call_soon_threadsafe(wake.set)

    # --- the consumer's side ----------------------------------------------------------
    async def consume(self, submit: Submit) -> None:
        wake = asyncio.Event()
        self._wake = (asyncio.get_running_loop(), wake)
        renewed = time.monotonic()
        while True:
            try:
                for key, event, recovered in await self._run(self._claim):
                    self.in_flight.add(int(key))
                    submit(StoredEvent(key, "sql", event, recovered))
                if time.monotonic() - renewed > self.lease_seconds / 3:
                    await self._run(functools.partial(self._renew, ids=set(self.in_flight)))
                    renewed = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database restarting: keep trying
                logger.warning("Reading the intake failed (%s); again shortly", error)
            try:
                await asyncio.wait_for(wake.wait(), POLL_SECONDS)
            except asyncio.TimeoutError:
                pass
            wake.clear()

    def _claim(self, connection: Any) -> List[Tuple[str, Event, bool]]:
        """Claim the oldest free rows at once; the events in them, oldest first."""
        now = time.time()
        free = sa.or_(intake_table.c.claimed_until.is_(None), intake_table.c.claimed_until < now)
        rows = connection.execute(
            sa.select(intake_table.c.id, intake_table.c.claimed_by).where(free).order_by(intake_table.c.id).limit(BATCH)
        ).fetchall()
        wanted = {row.id: row.claimed_by for row in rows if row.id not in self.in_flight}
        if not wanted:
            return []
        stamp = f"{self.consumer}@{now:.6f}"  # marks this claim's rows, whoever else claims at the same time
        connection.execute(
            intake_table.update()
            .where(intake_table.c.id.in_(list(wanted)))
            .where(free)
            .values(claimed_by=stamp, claimed_until=now + self.lease_seconds)
        )
        claimed: List[Tuple[str, Event, bool]] = []
        taken = connection.execute(
            sa.select(intake_table.c.id, intake_table.c.body)
            .where(intake_table.c.claimed_by == stamp)
            .order_by(intake_table.c.id)
        ).fetchall()
        for row in taken:
            try:
                event = from_stored(json.loads(row.body))
            except (ValueError, InvalidWebhook) as error:
                logger.error("Intake row %s is unreadable (%s): dropped", row.id, error)
                connection.execute(intake_table.delete().where(intake_table.c.id == row.id))
                continue
            claimed.append((str(row.id), event, wanted.get(row.id) is not None))
        return claimed

    def _renew(self, connection: Any, ids: Set[int]) -> None:
        if ids:
            connection.execute(
                intake_table.update()
                .where(intake_table.c.id.in_(list(ids)))
                .where(intake_table.c.claimed_by.like(f"{self.consumer}@%"))
                .values(claimed_until=time.time() + self.lease_seconds)
            )

    async def owns(self, item: StoredEvent) -> bool:
        """Whether the row is still claimed by this consumer (its claim renewed, not taken over)."""
        row_id = int(item.key)
        claimed = await self._run(
            lambda connection: connection.execute(
                sa.select(intake_table.c.claimed_by).where(intake_table.c.id == row_id)
            ).scalar()
        )
        return isinstance(claimed, str) and claimed.startswith(f"{self.consumer}@")

    async def ack(self, item: StoredEvent) -> None:
        row_id = int(item.key)
        await self._run(lambda connection: connection.execute(intake_table.delete().where(intake_table.c.id == row_id)))
        self.in_flight.discard(row_id)

    async def set_aside(self, item: StoredEvent, reason: str) -> None:
        row_id = int(item.key)
        values = {
            "sender_id": item.event.sender_id,
            "body": json.dumps(to_stored(item.event)),
            "reason": reason[:500],
            "set_aside_at": time.time(),
        }

        def move(connection: Any) -> None:
            connection.execute(set_aside_table.insert().values(**values))
            connection.execute(intake_table.delete().where(intake_table.c.id == row_id))

        await self._run(move)
        self.in_flight.discard(row_id)

    async def pending(self) -> int:
        return int(
            await self._run(
                lambda connection: connection.execute(sa.select(sa.func.count()).select_from(intake_table)).scalar()
            )
        )

    def claim_now(self) -> List[Tuple[str, Event, bool]]:
        """Claim free rows from this thread (for tests: a consumer that then dies)."""
        with self.engine.begin() as connection:
            return self._claim(connection)

    async def close(self) -> None:
        self._wake = None
