"""The intake in the SQL database, for a Rasa without Redis: one row per accepted event.

A consumer claims rows in arrival order for ``lease_seconds`` and renews the claim
while their turns run; a row whose claim ran out (the process died) is claimed
again, by the restarted process or another one. A finished row is deleted.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa

from channels import sql
from channels.messenger.intake import StoredEvent, Submit, consumer_name
from channels.messenger.webhook_events import Event, InvalidWebhook, from_stored, to_stored

logger = logging.getLogger(__name__)

metadata = sa.MetaData()
intake_table = sa.Table(
    "kassa_intake", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(128), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("accepted_at", sa.Float, nullable=False),
    sa.Column("claimed_by", sa.String(128)),
    sa.Column("claimed_until", sa.Float),
)
set_aside_table = sa.Table(
    "kassa_intake_set_aside", metadata,
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


class SqlIntake:
    def __init__(self, url: str, lease_seconds: float = 10.0, consumer: Optional[str] = None) -> None:
        self.engine = sql.engine(url)
        metadata.create_all(self.engine)
        self.lease_seconds = lease_seconds
        self.consumer = consumer or consumer_name()
        self.in_flight: Set[int] = set()
        self._wake: Optional[Tuple[asyncio.AbstractEventLoop, asyncio.Event]] = None
        self._lock = threading.Lock()

    async def append(self, events: Sequence[Event]) -> None:
        if not events:
            return
        rows = [{"sender_id": e.sender_id, "body": json.dumps(to_stored(e)), "accepted_at": time.time()} for e in events]
        await asyncio.to_thread(self._insert, rows)
        if self._wake is not None:  # the consumer of this process: look now, not at the next poll
            loop, wake = self._wake
            loop.call_soon_threadsafe(wake.set)

    def _insert(self, rows: List[dict]) -> None:
        with self.engine.begin() as connection:
            connection.execute(intake_table.insert(), rows)

    async def consume(self, submit: Submit) -> None:
        wake = asyncio.Event()
        self._wake = (asyncio.get_running_loop(), wake)
        renewed = time.monotonic()
        while True:
            try:
                for key, event, recovered in await asyncio.to_thread(self._claim):
                    self.in_flight.add(int(key))
                    submit(StoredEvent(key, "sql", event, recovered))
                if time.monotonic() - renewed > self.lease_seconds / 3:
                    await asyncio.to_thread(self._renew, set(self.in_flight))
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

    def _claim(self) -> List[Tuple[str, Event, bool]]:
        now = time.time()
        free = sa.or_(intake_table.c.claimed_until.is_(None), intake_table.c.claimed_until < now)
        claimed: List[Tuple[str, Event, bool]] = []
        with self._lock, self.engine.begin() as connection:
            rows = connection.execute(
                sa.select(intake_table).where(free).order_by(intake_table.c.id).limit(BATCH)
            ).fetchall()
            for row in rows:
                if row.id in self.in_flight:
                    continue
                taken = connection.execute(
                    intake_table.update().where(intake_table.c.id == row.id).where(free)
                    .values(claimed_by=self.consumer, claimed_until=now + self.lease_seconds)
                ).rowcount
                if not taken:
                    continue
                try:
                    event = from_stored(json.loads(row.body))
                except (ValueError, InvalidWebhook) as error:
                    logger.error("Intake row %s is unreadable (%s): dropped", row.id, error)
                    connection.execute(intake_table.delete().where(intake_table.c.id == row.id))
                    continue
                claimed.append((str(row.id), event, row.claimed_by is not None))
        return claimed

    def _renew(self, ids: Set[int]) -> None:
        if not ids:
            return
        with self.engine.begin() as connection:
            connection.execute(
                intake_table.update().where(intake_table.c.id.in_(ids)).where(intake_table.c.claimed_by == self.consumer)
                .values(claimed_until=time.time() + self.lease_seconds)
            )

    async def ack(self, item: StoredEvent) -> None:
        await asyncio.to_thread(self._delete, int(item.key))
        self.in_flight.discard(int(item.key))

    def _delete(self, row_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(intake_table.delete().where(intake_table.c.id == row_id))

    async def set_aside(self, item: StoredEvent, reason: str) -> None:
        def move() -> None:
            with self.engine.begin() as connection:
                connection.execute(set_aside_table.insert().values(
                    sender_id=item.event.sender_id, body=json.dumps(to_stored(item.event)), reason=reason[:500], set_aside_at=time.time(),
                ))
                connection.execute(intake_table.delete().where(intake_table.c.id == int(item.key)))

        await asyncio.to_thread(move)
        self.in_flight.discard(int(item.key))

    async def pending(self) -> int:
        def count() -> Any:
            with self.engine.connect() as connection:
                return connection.execute(sa.select(sa.func.count()).select_from(intake_table)).scalar()

        return int(await asyncio.to_thread(count))

    async def close(self) -> None:
        self._wake = None
