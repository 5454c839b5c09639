"""The ledger's database: one engine, the tables made when missing, and an insert that
reports whether the row was new (the claims of every idempotent step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from shop import settings
from shop.ledger.tables import metadata

# Every process of a deployment takes this PostgreSQL advisory lock around its CREATE
# TABLEs: two replicas starting at once on an empty database would otherwise both find a
# table missing and one would fail with DuplicateTable (seen in the cluster test).
SCHEMA_LOCK_KEY = 0x4B415353  # "KASS"


def create_tables(metadata: sa.MetaData, engine: sa.engine.Engine) -> None:
    """The tables of ``metadata`` that are missing, made safely by several processes at
    once: PostgreSQL serializes them with an advisory lock; on SQLite a process
    looks again whenever another made a table or index first."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            metadata.create_all(connection)
        return
    # Each failure means another process made one of the tables or indexes after this one
    # looked; a process fails at most once per object, so this many tries always suffice.
    tries = sum(1 + len(table.indexes) for table in metadata.sorted_tables) + 1
    for _ in range(tries - 1):
        try:
            metadata.create_all(engine)
            return
        except OperationalError as error:
            if "already exists" not in str(error):
                raise
    metadata.create_all(engine)


class LedgerStore:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or settings.shop().database_url
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        create_tables(metadata, self.engine)

    def _insert_new(self, table: sa.Table, **values: Any) -> bool:
        """Insert a row; False when its key is already there (the row stays as it was)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(table.insert().values(**values))
            return True
        except IntegrityError:
            return False
