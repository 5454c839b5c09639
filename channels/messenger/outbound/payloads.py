"""Messenger message bodies from what Rasa sends, within Messenger's limits.

Pure functions: each returns the list of ``message`` objects to send, in order.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

from channels.messenger.outbound import limits

Message = Dict[str, Any]
SHOW_MORE_PREFIX = "KASSA_SHOW_MORE:"
# The card's title when the action sent none (the actions send it in the customer's language).
SHOW_MORE_TITLE = "Show more"


def shorten(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = limits.TEXT_MAX) -> List[str]:
    """Split at paragraph, line or word breaks so that no part exceeds ``limit``."""
    text = text.strip()
    parts: List[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def text_messages(text: str) -> List[Message]:
    return [{"text": part} for part in split_text(text)]


def quick_replies(text: str, replies: Sequence[Mapping[str, Any]]) -> List[Message]:
    """Text with at most 13 quick replies; titles cut to 20 characters."""
    converted = []
    for reply in replies[: limits.QUICK_REPLIES_MAX]:
        if reply.get("content_type") in ("user_phone_number", "user_email"):
            converted.append({"content_type": reply["content_type"]})
            continue
        payload = str(reply.get("payload") or reply.get("title"))
        converted.append(
            {
                "content_type": "text",
                "title": shorten(reply.get("title", payload), limits.QUICK_REPLY_TITLE_MAX),
                "payload": payload[: limits.PAYLOAD_MAX],
            }
        )
    *leading, last = split_text(text or " ") or [" "]
    return [*({"text": part} for part in leading), {"text": last, "quick_replies": converted}]


def button(spec: Mapping[str, Any]) -> Dict[str, Any]:
    """A Rasa button as a Messenger postback, web_url or phone_number button."""
    title = shorten(spec.get("title", ""), limits.BUTTON_TITLE_MAX)
    kind = spec.get("type")
    if kind == "web_url" or (spec.get("url") and kind is None):
        converted = {"type": "web_url", "url": spec["url"], "title": title}
        ratio = spec.get("webview_height_ratio")
        if ratio in limits.WEBVIEW_HEIGHT_RATIOS:
            converted["webview_height_ratio"] = ratio
        if spec.get("messenger_extensions"):
            converted["messenger_extensions"] = True
        return converted
    if kind == "phone_number" or re.fullmatch(r"\+\d{6,15}", str(spec.get("payload", ""))):
        return {"type": "phone_number", "title": title, "payload": spec["payload"]}
    return {"type": "postback", "title": title, "payload": str(spec.get("payload", title))[: limits.PAYLOAD_MAX]}


def button_templates(text: str, buttons: Sequence[Mapping[str, Any]]) -> List[Message]:
    """Text with buttons: one button template per 3 buttons; long text goes first as text."""
    converted = [button(b) for b in buttons]
    parts = split_text(text or " ", limits.BUTTON_TEMPLATE_TEXT_MAX)
    messages: List[Message] = [{"text": part} for part in split_text("\n".join(parts[:-1]))] if len(parts) > 1 else []
    template_text = parts[-1] if parts else " "
    for start in range(0, len(converted), limits.BUTTONS_MAX):
        messages.append(
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "button",
                        "text": template_text if start == 0 else "…",
                        "buttons": converted[start : start + limits.BUTTONS_MAX],
                    },
                }
            }
        )
    return messages


def element(spec: Mapping[str, Any]) -> Dict[str, Any]:
    converted: Dict[str, Any] = {"title": shorten(spec.get("title", ""), limits.ELEMENT_TITLE_MAX)}
    if spec.get("subtitle"):
        converted["subtitle"] = shorten(spec["subtitle"], limits.ELEMENT_SUBTITLE_MAX)
    if spec.get("image_url"):
        converted["image_url"] = spec["image_url"]
    if spec.get("default_action"):
        converted["default_action"] = spec["default_action"]
    if spec.get("buttons"):
        converted["buttons"] = [button(b) for b in spec["buttons"][: limits.BUTTONS_MAX]]
    return converted


def generic_template(elements: Sequence[Mapping[str, Any]]) -> Message:
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "generic", "elements": [element(e) for e in elements]},
        }
    }


def show_more_element(token: str, title: str = SHOW_MORE_TITLE) -> Dict[str, Any]:
    return {
        "title": title,
        "buttons": [{"type": "postback", "title": title, "payload": f"{SHOW_MORE_PREFIX}{token}"}],
    }


def carousel_pages(elements: Sequence[Mapping[str, Any]]) -> List[List[Mapping[str, Any]]]:
    """Pages of at most 10 elements, keeping the 10th place for "Show more" when more follow."""
    pages: List[List[Mapping[str, Any]]] = []
    remaining = list(elements)
    while remaining:
        if len(remaining) <= limits.GENERIC_ELEMENTS_MAX:
            pages.append(remaining)
            break
        size = limits.GENERIC_ELEMENTS_MAX - 1
        pages.append(remaining[:size])
        remaining = remaining[size:]
    return pages


def attachment(url: str, kind: Optional[str] = None) -> Message:
    if kind is None:
        extension = url.lower().rsplit("?", 1)[0].rsplit(".", 1)[-1]
        kind = {
            "png": "image",
            "jpg": "image",
            "jpeg": "image",
            "gif": "image",
            "webp": "image",
            "mp4": "video",
            "mov": "video",
            "mp3": "audio",
            "wav": "audio",
            "ogg": "audio",
        }.get(extension, "file")
    return {"attachment": {"type": kind, "payload": {"url": url, "is_reusable": True}}}


def receipt(spec: Mapping[str, Any]) -> Message:
    """A receipt template from its fields; Messenger requires the ones checked here."""
    missing = [f for f in ("recipient_name", "order_number", "currency", "payment_method", "summary") if f not in spec]
    if missing or "total_cost" not in spec.get("summary", {}):
        raise ValueError(f"receipt is missing {missing or ['summary.total_cost']}")
    return {"attachment": {"type": "template", "payload": {"template_type": "receipt", **spec}}}
