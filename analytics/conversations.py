"""Conversations as Rasa's SQL tracker store keeps them (SQLite or PostgreSQL, the same
URL Rasa builds from endpoints.yml's variables), turned into turns a person can read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

import sqlalchemy as sa

from shop import settings


@dataclass
class UserTurn:
    """A customer message, what NLU made of it, and what the bot did next."""

    text: str
    timestamp: float
    intent: Optional[str]
    confidence: float
    ranking: List[Dict[str, Any]]
    entities: List[Dict[str, Any]]
    metadata: Dict[str, Any]
    bot_before: str = ""
    actions_after: List[str] = field(default_factory=list)
    bot_after: List[str] = field(default_factory=list)


@dataclass
class Conversation:
    sender_id: str
    turns: List[UserTurn] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    slots_ever: Dict[str, List[Any]] = field(default_factory=dict)
    slot_history: List[Tuple[str, Any, float]] = field(default_factory=list)  # (name, value, timestamp) in order
    actions: List[str] = field(default_factory=list)

    @property
    def language(self) -> str:
        language = self.slots.get("language") or next(
            (str(t.metadata.get("locale", ""))[:2] for t in self.turns if t.metadata.get("locale")), ""
        )
        return "nl" if str(language).lower().startswith("nl") else "en"

    @property
    def started(self) -> Optional[float]:
        return self.turns[0].timestamp if self.turns else None

    def known_names(self) -> List[str]:
        """Names the conversation holds: the Messenger profile's, a bank payment's account holder."""
        names = [str(t.metadata.get("profile_name")) for t in self.turns if t.metadata.get("profile_name")]
        names += [str(v) for v in self.slots_ever.get("account_holder", []) if v]
        return names


def tracker_store_url(env: Optional[settings.Env] = None) -> Any:
    """The tracker store's URL as Rasa builds it from the same variables."""
    from rasa.core.tracker_store import SQLTrackerStore

    dialect = settings.text("TRACKER_STORE_DIALECT", env)
    db = settings.text("TRACKER_STORE_DB", env)
    if dialect == "sqlite":
        path = settings.PROJECT_ROOT / db
        return f"sqlite:///{path}"
    port = settings.text("TRACKER_STORE_PORT", env)
    return SQLTrackerStore.get_db_url(
        dialect,
        settings.text("TRACKER_STORE_URL", env) or None,
        int(port) if port else None,
        db,
        settings.text("TRACKER_STORE_USERNAME", env) or None,
        settings.text("TRACKER_STORE_PASSWORD", env) or None,
    )


def read(url: Any) -> Iterator[Conversation]:
    """Every conversation in the store, its events in order."""
    engine = sa.create_engine(url, future=True)
    events = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("data"))
    query = sa.select(events.c.sender_id, events.c.data).order_by(events.c.sender_id, events.c.id)
    current: Optional[Conversation] = None
    with engine.connect() as connection:
        for sender_id, data in connection.execute(query):
            if current is None or current.sender_id != sender_id:
                if current is not None:
                    yield current
                current = Conversation(sender_id)
            _apply(current, json.loads(data))
    if current is not None:
        yield current
    engine.dispose()


def _apply(conversation: Conversation, event: Dict[str, Any]) -> None:
    kind = event.get("event")
    last = conversation.turns[-1] if conversation.turns else None
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        previous_bot = last.bot_after[-1] if last and last.bot_after else (last.bot_before if last else "")
        conversation.turns.append(
            UserTurn(
                text=str(event.get("text") or ""),
                timestamp=float(event.get("timestamp") or 0),
                intent=intent.get("name"),
                confidence=float(intent.get("confidence") or 0),
                ranking=list(parse.get("intent_ranking") or []),
                entities=list(parse.get("entities") or []),
                metadata=dict(event.get("metadata") or {}),
                bot_before=previous_bot,
            )
        )
    elif kind == "bot":
        text = str(event.get("text") or "")
        if last is not None and text:
            last.bot_after.append(text)
    elif kind == "action":
        name = str(event.get("name") or "")
        conversation.actions.append(name)
        if last is not None and name != "action_listen":
            last.actions_after.append(name)
    elif kind == "slot":
        name = str(event.get("name"))
        conversation.slots[name] = event.get("value")
        conversation.slots_ever.setdefault(name, []).append(event.get("value"))
        conversation.slot_history.append((name, event.get("value"), float(event.get("timestamp") or 0)))
    elif kind == "restart":
        conversation.slots = {}
