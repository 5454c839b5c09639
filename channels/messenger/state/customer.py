"""What the connector remembers per customer, on top of a StateStore."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from channels.messenger.state.store import StateStore
from shop.reminders import MESSAGING_WINDOW_SECONDS as WINDOW_SECONDS

DAY = 24 * 3600
MID_TTL = 3 * DAY
LAST_MESSAGE_TTL = 30 * DAY
PAYLOAD_TTL = 30 * DAY
HANDOVER_TTL = 7 * DAY
PAGES_TTL = DAY
LOCALE_TTL = 30 * DAY


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ConversationState:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    async def turn_done(self, mid: str) -> bool:
        """True once the turn of this message id has finished (a redelivery is not run again)."""
        return await self.store.get(f"done:{mid}") is not None

    async def mark_turn_done(self, mid: str) -> None:
        await self.store.put(f"done:{mid}", 1, MID_TTL)

    async def turn_runner(self, mid: str) -> Optional[str]:
        """The process that last started the turn of this message id, if one did."""
        runner = await self.store.get(f"runner:{mid}")
        return str(runner) if runner is not None else None

    async def start_turn(self, mid: str, runner: str) -> None:
        await self.store.put(f"runner:{mid}", runner, MID_TTL)

    async def reply_sent(self, key: str) -> bool:
        """True when the reply of this key (message id and place in its turn) went out."""
        return await self.store.get(f"sent:{key}") is not None

    async def remember_reply(self, key: str) -> None:
        await self.store.put(f"sent:{key}", 1, MID_TTL)

    async def forget_reply(self, key: str) -> None:
        await self.store.delete(f"sent:{key}")

    async def customer_wrote(self, sender_id: str, at: Optional[float] = None) -> None:
        await self.store.put(f"last:{sender_id}", at or time.time(), LAST_MESSAGE_TTL)

    async def inside_window(self, sender_id: str) -> bool:
        """True when the customer wrote within 24 hours (or we do not know)."""
        last = await self.store.get(f"last:{sender_id}")
        return last is None or time.time() - float(last) < WINDOW_SECONDS

    async def known_profile(self, sender_id: str) -> Optional[Dict[str, str]]:
        """The profile fields asked for before: None when never asked, {} when Facebook gave none."""
        return await self.store.get(f"profile:{sender_id}")

    async def remember_profile(self, sender_id: str, profile: Mapping[str, str]) -> None:
        await self.store.put(f"profile:{sender_id}", dict(profile), LOCALE_TTL)

    async def remember_payloads(self, sender_id: str, payloads: Sequence[str]) -> None:
        for payload in payloads:
            await self.store.put(f"payload:{sender_id}:{_digest(payload)}", 1, PAYLOAD_TTL)

    async def bot_sent(self, sender_id: str, payload: str) -> bool:
        return await self.store.get(f"payload:{sender_id}:{_digest(payload)}") is not None

    async def set_human_in_control(self, sender_id: str, held: bool) -> None:
        if held:
            await self.store.put(f"handover:{sender_id}", 1, HANDOVER_TTL)
        else:
            await self.store.delete(f"handover:{sender_id}")

    async def human_in_control(self, sender_id: str) -> bool:
        return await self.store.get(f"handover:{sender_id}") is not None

    async def keep_pages(self, sender_id: str, pages: List[List[Mapping[str, Any]]], show_more: str) -> str:
        """The rest of a carousel, and the title of its "Show more" card, for the tap."""
        token = secrets.token_urlsafe(9)
        await self.store.put(f"pages:{sender_id}:{token}", {"pages": pages, "show_more": show_more}, PAGES_TTL)
        return token

    async def take_pages(self, sender_id: str, token: str) -> Optional[Tuple[List[List[Mapping[str, Any]]], str]]:
        key = f"pages:{sender_id}:{token}"
        kept = await self.store.get(key)
        await self.store.delete(key)
        return (kept["pages"], kept["show_more"]) if isinstance(kept, dict) else None
