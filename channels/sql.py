"""The SQL engine of the connector's own tables (state and intake when there is no Redis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import sqlalchemy as sa

_engines: Dict[str, sa.engine.Engine] = {}


def engine(url: str) -> sa.engine.Engine:
    """One engine per URL and process. SQLite runs in WAL mode, so the acceptor's writes
    and the consumer's reads do not wait for each other."""
    if url not in _engines:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
            made = sa.create_engine(url, future=True, connect_args={"timeout": 30})

            @sa.event.listens_for(made, "connect")
            def _wal(connection: Any, record: Any) -> None:
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()
        else:
            made = sa.create_engine(url, future=True, pool_pre_ping=True)
        _engines[url] = made
    return _engines[url]
