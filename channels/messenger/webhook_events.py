"""Messenger webhook bodies turned into the events the connector acts on."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Union


class InvalidWebhook(ValueError):
    """The body is not a Page webhook event."""


@dataclass(frozen=True)
class CustomerEvent:
    """Something a customer did: typed, tapped a quick reply or button, sent files, followed a link."""

    sender_id: str
    kind: str  # text | quick_reply | postback | attachments | referral
    timestamp: int
    raw: Dict[str, Any]
    text: str = ""
    payload: Optional[str] = None
    mid: Optional[str] = None
    attachments: List[Dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadControlEvent:
    """Thread control moved between the bot and the Page Inbox."""

    sender_id: str
    kind: str  # pass_thread_control | take_thread_control
    raw: Dict[str, Any]


Event = Union[CustomerEvent, ThreadControlEvent]
CONTROL_KINDS = ("pass_thread_control", "take_thread_control")


def parse(body: Any) -> List[Event]:
    """Every event of every entry, in delivery order. Echoes, deliveries and reads are dropped."""
    if not isinstance(body, Mapping) or body.get("object") != "page" or not isinstance(body.get("entry"), list):
        raise InvalidWebhook("not a Page webhook: expected {'object': 'page', 'entry': [...]}")
    events: List[Event] = []
    for entry in body["entry"]:
        if not isinstance(entry, Mapping):
            raise InvalidWebhook("an entry is not an object")
        for raw in entry.get("messaging") or []:
            event = _event(raw)
            if event is not None:
                events.append(event)
    return events


def _event(raw: Any) -> Optional[Event]:
    if not isinstance(raw, Mapping):
        raise InvalidWebhook("a messaging event is not an object")
    sender_id = str((raw.get("sender") or {}).get("id") or "")
    if not sender_id:
        raise InvalidWebhook("a messaging event has no sender id")
    raw = dict(raw)
    timestamp = int(raw.get("timestamp") or 0)
    for kind in CONTROL_KINDS:
        if kind in raw:
            return ThreadControlEvent(sender_id, kind, raw)
    if "message" in raw:
        return _message(sender_id, timestamp, raw)
    if "postback" in raw:
        postback = raw["postback"] or {}
        return CustomerEvent(
            sender_id, "postback", timestamp, raw, text=str(postback.get("title") or ""),
            payload=str(postback.get("payload") or ""), mid=postback.get("mid"),
        )
    if "referral" in raw:
        return CustomerEvent(sender_id, "referral", timestamp, raw)
    return None  # delivery, read, reaction, optin and the like


def _message(sender_id: str, timestamp: int, raw: Dict[str, Any]) -> Optional[CustomerEvent]:
    message = raw["message"] or {}
    if message.get("is_echo"):
        return None
    mid = message.get("mid")
    quick_reply = message.get("quick_reply") or {}
    if quick_reply.get("payload"):
        return CustomerEvent(
            sender_id, "quick_reply", timestamp, raw, text=str(message.get("text") or ""),
            payload=str(quick_reply["payload"]), mid=mid,
        )
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, Mapping)]
    if message.get("text"):
        return CustomerEvent(sender_id, "text", timestamp, raw, text=str(message["text"]), mid=mid, attachments=attachments)
    if attachments:
        return CustomerEvent(sender_id, "attachments", timestamp, raw, mid=mid, attachments=attachments)
    return None
