"""Send API request checks with Messenger's documented limits (sandbox/facebook/platform.py)
and Facebook's error codes."""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Tuple

from sandbox.facebook import platform as facebook

Problem = Tuple[int, str]  # (Facebook error code, message)


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def check_button(button: Mapping[str, Any]) -> Optional[Problem]:
    kind = button.get("type")
    if kind not in ("postback", "web_url", "phone_number"):
        return 100, f"(#100) Invalid button type: {kind}"
    if not button.get("title") or _too_long(button["title"], facebook.BUTTON_TITLE_MAX):
        return 100, f"(#100) Button title must be 1 to {facebook.BUTTON_TITLE_MAX} characters"
    if kind == "web_url" and not str(button.get("url", "")).startswith(("http://", "https://")):
        return 100, "(#100) Web url button needs a valid url"
    if kind == "web_url" and button.get("webview_height_ratio") not in (None, *facebook.WEBVIEW_HEIGHT_RATIOS):
        return 100, "(#100) webview_height_ratio must be one of compact, tall, full"
    if kind in ("postback", "phone_number") and (
        not button.get("payload") or _too_long(button["payload"], facebook.PAYLOAD_MAX)
    ):
        return 100, f"(#100) Button payload must be 1 to {facebook.PAYLOAD_MAX} characters"
    return None


def check_template(payload: Mapping[str, Any]) -> Optional[Problem]:
    kind = payload.get("template_type")
    if kind == "button":
        buttons = payload.get("buttons") or []
        if not payload.get("text") or _too_long(payload["text"], facebook.BUTTON_TEMPLATE_TEXT_MAX):
            return 100, f"(#100) Button template text must be 1 to {facebook.BUTTON_TEMPLATE_TEXT_MAX} characters"
        if not 1 <= len(buttons) <= facebook.BUTTONS_MAX:
            return 100, f"(#100) Button template takes 1 to {facebook.BUTTONS_MAX} buttons"
        return next(filter(None, map(check_button, buttons)), None)
    if kind == "generic":
        elements = payload.get("elements") or []
        if not 1 <= len(elements) <= facebook.GENERIC_ELEMENTS_MAX:
            return 100, f"(#100) Generic template takes 1 to {facebook.GENERIC_ELEMENTS_MAX} elements"
        for element in elements:
            if not element.get("title") or _too_long(element["title"], facebook.ELEMENT_TITLE_MAX):
                return 100, f"(#100) Element title must be 1 to {facebook.ELEMENT_TITLE_MAX} characters"
            if _too_long(element.get("subtitle"), facebook.ELEMENT_SUBTITLE_MAX):
                return 100, f"(#100) Element subtitle must be at most {facebook.ELEMENT_SUBTITLE_MAX} characters"
            buttons = element.get("buttons") or []
            if len(buttons) > facebook.BUTTONS_MAX:
                return 100, f"(#100) An element takes at most {facebook.BUTTONS_MAX} buttons"
            problem = next(filter(None, map(check_button, buttons)), None)
            if problem:
                return problem
        return None
    if kind == "receipt":
        for name in ("recipient_name", "order_number", "currency", "payment_method", "summary"):
            if not payload.get(name):
                return 100, f"(#100) param {name} must be non-empty"
        if "total_cost" not in payload["summary"]:
            return 100, "(#100) param summary[total_cost] must be non-empty"
        return None
    return 100, f"(#100) Unsupported template_type: {kind}"


def check_message(message: Any) -> Optional[Problem]:
    if not isinstance(message, Mapping):
        return 100, "(#100) param message must be an object"
    text, attachment = message.get("text"), message.get("attachment")
    if bool(text) == bool(attachment):
        return 100, "(#100) Must send either text or attachment"
    if _too_long(text, facebook.TEXT_MAX):
        return 100, f"(#100) Length of param message[text] must be less than or equal to {facebook.TEXT_MAX}"
    replies = message.get("quick_replies")
    if replies is not None:
        if not 1 <= len(replies) <= facebook.QUICK_REPLIES_MAX:
            return 100, f"(#100) param message[quick_replies] must have 1 to {facebook.QUICK_REPLIES_MAX} elements"
        for reply in replies:
            if reply.get("content_type") not in ("text", "user_phone_number", "user_email"):
                return 100, "(#100) Invalid quick reply content_type"
            if reply.get("content_type") == "text" and (
                not reply.get("title") or _too_long(reply["title"], facebook.QUICK_REPLY_TITLE_MAX)
            ):
                return 100, f"(#100) Quick reply title must be 1 to {facebook.QUICK_REPLY_TITLE_MAX} characters"
            if reply.get("content_type") == "text" and (
                not reply.get("payload") or _too_long(reply["payload"], facebook.PAYLOAD_MAX)
            ):
                return 100, f"(#100) Quick reply payload must be 1 to {facebook.PAYLOAD_MAX} characters"
    if attachment:
        kind = attachment.get("type")
        if kind == "template":
            return check_template(attachment.get("payload") or {})
        if kind not in ("image", "video", "audio", "file"):
            return 100, f"(#100) Invalid attachment type: {kind}"
        if not (attachment.get("payload") or {}).get("url") and not (attachment.get("payload") or {}).get(
            "attachment_id"
        ):
            return 100, "(#100) Attachment needs a url or an attachment_id"
    return None


PARAMETER = re.compile(r"\{\{(\w+)\}\}")


def check_utility(message: Any, templates: Mapping[Tuple[str, str], Mapping[str, Any]]) -> Optional[Problem]:
    """A utility send: an approved template of the Page in that language, every named
    parameter of its body given, and the URL button's part when it has one."""
    template = (message or {}).get("template") if isinstance(message, Mapping) else None
    if not isinstance(template, Mapping) or set(message) != {"template"}:
        return 100, "(#100) A utility message is message.template and nothing else"
    name, code = template.get("name"), (template.get("language") or {}).get("code")
    known = templates.get((str(name), str(code)))
    if known is None:
        return 100, f"(#100) Template name {name} does not exist in {code}"
    if known["status"] != "APPROVED":
        return 100, f"(#100) Template {name} ({code}) is {known['status']}, not approved"
    components = {c.get("type"): c for c in template.get("components") or [] if isinstance(c, Mapping)}
    body_text = next(c["text"] for c in known["components"] if c["type"] == "BODY")
    given = {p.get("parameter_name"): p.get("text") for p in (components.get("body") or {}).get("parameters") or []}
    if set(given) != set(PARAMETER.findall(body_text)) or not all(isinstance(v, str) and v for v in given.values()):
        return 100, f"(#100) Template {name} takes the body parameters {sorted(set(PARAMETER.findall(body_text)))}"
    has_button = any(c["type"] == "BUTTONS" for c in known["components"])
    button = components.get("button") or {}
    if has_button != bool(button) or (button and not (button.get("parameters") or [{}])[0].get("text")):
        return (
            100,
            f"(#100) Template {name}: the URL button's parameter {'is missing' if has_button else 'is not expected'}",
        )
    return None


def check_send(body: Any, templates: Optional[Mapping[Tuple[str, str], Mapping[str, Any]]] = None) -> Optional[Problem]:
    if not isinstance(body, Mapping) or not (body.get("recipient") or {}).get("id"):
        return 100, "(#100) param recipient must be non-empty"
    has_message, has_action = "message" in body, "sender_action" in body
    if has_message == has_action:
        return 100, "(#100) Must send either message or sender_action"
    if has_action:
        if body["sender_action"] not in facebook.SENDER_ACTIONS:
            return 100, "(#100) Invalid sender_action"
        return None
    if body.get("messaging_type") not in facebook.MESSAGING_TYPES:
        return 100, f"(#100) param messaging_type must be one of {', '.join(facebook.MESSAGING_TYPES)}"
    if body["messaging_type"] == "UTILITY":
        return check_utility(body["message"], templates or {})
    if body["messaging_type"] == "MESSAGE_TAG" and body.get("tag") in facebook.RETIRED_MESSAGE_TAGS:
        return 100, f"(#100) The message tag {body['tag']} is no longer supported"
    if body["messaging_type"] == "MESSAGE_TAG" and body.get("tag") not in facebook.MESSAGE_TAGS:
        return 100, "(#100) param tag must be a valid message tag"
    return check_message(body["message"])
