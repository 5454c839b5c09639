"""The ledger's database: one engine, the tables made when missing, and an insert that
reports whether the row was new (the claims of every idempotent step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shop import settings
from shop.ledger.tables import metadata


class LedgerStore:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or settings.shop().database_url
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        metadata.create_all(self.engine)

    def _insert_new(self, table: sa.Table, **values: Any) -> bool:
        """Insert a row; False when its key is already there (the row stays as it was)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(table.insert().values(**values))
            return True
        except IntegrityError:
            return False
