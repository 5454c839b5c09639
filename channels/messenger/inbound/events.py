"""Messenger webhook bodies turned into the events the connector acts on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union


class InvalidWebhook(ValueError):
    """The body is not a Page webhook event."""


@dataclass(frozen=True)
class CustomerEvent:
    """Something a customer did: typed, tapped a quick reply or button, sent files, followed a link."""

    sender_id: str
    kind: str  # text | quick_reply | postback | attachments | sticker | referral | standby
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


@dataclass(frozen=True)
class PageEcho:
    """A message the Page sent, echoed back: by this app, or by a person in the Page Inbox.
    ``sender_id`` is the customer's PSID (the echo's recipient), so it queues with their turns."""

    sender_id: str
    app_id: str
    text: str
    mid: Optional[str]
    raw: Dict[str, Any]


@dataclass(frozen=True)
class TemplateStatusEvent:
    """Meta's review of a utility template (the message_template_status_update field)."""

    name: str
    language: str
    status: str

    @property
    def sender_id(self) -> str:
        return f"template:{self.name}"


Event = Union[CustomerEvent, ThreadControlEvent, PageEcho, TemplateStatusEvent]
CONTROL_KINDS = ("pass_thread_control", "take_thread_control")


def parse(body: Any) -> List[Event]:
    """Every event of every entry, in delivery order.

    ``messaging`` holds what reaches the app that owns the thread; ``standby`` what
    reaches it while another app (the Page Inbox, under conversation routing) owns
    it: those customer events come marked ``standby`` and get no answer. ``changes``
    carries template reviews. Deliveries, reads, reactions and edits are dropped.
    """
    if not isinstance(body, Mapping) or body.get("object") != "page" or not isinstance(body.get("entry"), list):
        raise InvalidWebhook("not a Page webhook: expected {'object': 'page', 'entry': [...]}")
    events: List[Event] = []
    for entry in body["entry"]:
        if not isinstance(entry, Mapping):
            raise InvalidWebhook("an entry is not an object")
        for array, standby in (("messaging", False), ("standby", True)):
            for raw in entry.get(array) or []:
                event = _event(raw, standby)
                if event is not None:
                    events.append(event)
        for change in entry.get("changes") or []:
            update = status_update(change)
            if update is not None:
                events.append(TemplateStatusEvent(*update))
    return events


def status_update(change: Any) -> Optional[Tuple[str, str, str]]:
    """(name, language, status) of a ``message_template_status_update`` change, else None."""
    if not isinstance(change, Mapping) or change.get("field") != "message_template_status_update":
        return None
    value = change.get("value") or {}
    name, language, event = (value.get(k) for k in ("message_template_name", "message_template_language", "event"))
    if not (isinstance(name, str) and isinstance(language, str) and isinstance(event, str)):
        return None
    return name, language, event


def _event(raw: Any, standby: bool = False) -> Optional[Event]:
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
    message = raw.get("message")
    if isinstance(message, Mapping) and message.get("is_echo"):
        recipient = str((raw.get("recipient") or {}).get("id") or "")
        return (
            PageEcho(
                recipient, str(message.get("app_id") or ""), str(message.get("text") or ""), message.get("mid"), raw
            )
            if recipient
            else None
        )
    if standby:
        return CustomerEvent(
            sender_id,
            "standby",
            timestamp,
            raw,
            mid=(message or {}).get("mid") if isinstance(message, Mapping) else None,
        )
    if "message" in raw:
        return _message(sender_id, timestamp, raw)
    if "postback" in raw:
        postback = raw["postback"] or {}
        return CustomerEvent(
            sender_id,
            "postback",
            timestamp,
            raw,
            text=str(postback.get("title") or ""),
            payload=str(postback.get("payload") or ""),
            mid=postback.get("mid"),
        )
    if "referral" in raw:
        return CustomerEvent(sender_id, "referral", timestamp, raw)
    # On purpose, no turn for: delivery and read receipts; reactions (an emoji on a
    # message says nothing the assistant can act on); message_edit (the turn for the
    # first text has run, and answering the edit would reply twice); optins.
    return None


def _message(sender_id: str, timestamp: int, raw: Dict[str, Any]) -> Optional[CustomerEvent]:
    message = raw["message"] or {}
    mid = message.get("mid")
    quick_reply = message.get("quick_reply") or {}
    if quick_reply.get("payload"):
        return CustomerEvent(
            sender_id,
            "quick_reply",
            timestamp,
            raw,
            text=str(message.get("text") or ""),
            payload=str(quick_reply["payload"]),
            mid=mid,
        )
    attachments = [dict(a) for a in message.get("attachments") or [] if isinstance(a, Mapping)]
    if attachments and all(_is_sticker(a) for a in attachments) and not message.get("text"):
        return CustomerEvent(sender_id, "sticker", timestamp, raw, mid=mid, attachments=attachments)
    if message.get("text"):
        return CustomerEvent(
            sender_id, "text", timestamp, raw, text=str(message["text"]), mid=mid, attachments=attachments
        )
    if attachments:
        return CustomerEvent(sender_id, "attachments", timestamp, raw, mid=mid, attachments=attachments)
    return None


def _is_sticker(attachment: Mapping[str, Any]) -> bool:
    """A sticker: its own attachment type since 2026-06, before that an image with a sticker_id."""
    return attachment.get("type") == "sticker" or bool((attachment.get("payload") or {}).get("sticker_id"))


def to_stored(event: Event) -> Dict[str, Any]:
    """The event as JSON-ready data for the durable intake; ``from_stored`` gives it back."""
    if isinstance(event, TemplateStatusEvent):
        value = {
            "message_template_name": event.name,
            "message_template_language": event.language,
            "event": event.status,
        }
        return {"changes": [{"field": "message_template_status_update", "value": value}]}
    array = "standby" if isinstance(event, CustomerEvent) and event.kind == "standby" else "messaging"
    return {array: [event.raw]}


def from_stored(stored: Mapping[str, Any]) -> Event:
    events = parse({"object": "page", "entry": [dict(stored)]})
    if len(events) != 1:
        raise InvalidWebhook(f"a stored event gives {len(events)} events, not one")
    return events[0]
