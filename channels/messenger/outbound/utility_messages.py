"""Utility messages: Messenger's template messages for order and payment updates,
the only way left to reach a customer more than 24 hours after their last message
(Meta retired the message tags for such updates on 2026-04-27; see
``limits.RETIRED_MESSAGE_TAGS``).

The contract, as read on 2026-11-29 from Meta's "Send a utility message" (updated
2026-03-13, developers.facebook.com/documentation/business-messaging/messenger-platform/
send-messages/utility-messages) and the Page Message Templates reference
(developers.facebook.com/docs/graph-api/reference/page/message_templates):

- templates live on the Page: ``POST`` and ``GET /{page-id}/message_templates`` with
  the ``page_utility_messaging`` permission; category UTILITY, a BODY with named
  parameters and examples, optionally BUTTONS; Meta reviews a new one within seconds;
- review results arrive by the ``message_template_status_update`` webhook field
  (``event`` APPROVED, REJECTED, PAUSED, DISABLED...; ``message_template_name``,
  ``message_template_language``);
- a send is ``POST /{page-id}/messages`` with ``messaging_type`` UTILITY and
  ``message.template`` = {name, language.code, components with the parameter values}.

The project's templates are data: ``texts/utility_templates.yml``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from shop import settings

logger = logging.getLogger(__name__)

TEMPLATES_PATH = settings.PROJECT_ROOT / "texts" / "utility_templates.yml"
# Kassa's languages as Meta's template locales.
LANGUAGE_CODES = {"en": "en_US", "nl": "nl_NL"}
APPROVED = "APPROVED"
CATEGORY = "UTILITY"
MESSAGING_TYPE = "UTILITY"
# The pay button opens Kassa's own page for the order, which forwards to PayPal's
# approval link: a template's URL is fixed at review, only its last part varies.
PAY_PAGE_PATH = "/webhooks/paypal/pay/"
EXAMPLE_ORDER_ID = "5O190127TN364715T"
PARAMETER = re.compile(r"\{\{(\w+)\}\}")
BODY_MAX = 1024
BUTTON_TEXT_MAX = 25
STATUS_TTL = 30 * 24 * 3600
LIST_AGAIN_SECONDS = 600
# The store key that says the Page's templates were listed lately, and the longest a listing may take.
LISTED = "templates:listed"
LIST_SECONDS = 10.0


class TemplateError(ValueError):
    """utility_templates.yml is not usable; the message names the template and field."""


@dataclass(frozen=True)
class UtilityTemplate:
    name: str
    parameters: Tuple[str, ...]
    texts: Mapping[str, str]  # Meta locale -> text with {{parameter}}
    pay_buttons: Mapping[str, str]  # Meta locale -> button title; empty: no button

    def language_code(self, language: str) -> str:
        return LANGUAGE_CODES.get(language, LANGUAGE_CODES["en"])


def _template(name: str, raw: Any) -> UtilityTemplate:
    if not re.fullmatch(r"[a-z0-9_]{1,512}", name):
        raise TemplateError(f"template {name!r}: a name is lower case letters, digits and _")
    if not isinstance(raw, Mapping) or not isinstance(raw.get("text"), Mapping):
        raise TemplateError(f"template {name}: needs 'parameters' and 'text' per language")
    parameters = tuple(str(p) for p in raw.get("parameters") or ())
    texts = {str(code): str(text) for code, text in raw["text"].items()}
    buttons = {str(code): str(title) for code, title in (raw.get("pay_button") or {}).items()}
    for code in LANGUAGE_CODES.values():
        text = texts.get(code)
        if not text:
            raise TemplateError(f"template {name}: no text for {code}")
        if len(text) > BODY_MAX:
            raise TemplateError(f"template {name} ({code}): text longer than {BODY_MAX} characters")
        used = PARAMETER.findall(text)
        if sorted(set(used)) != sorted(parameters) or len(used) != len(set(used)):
            raise TemplateError(f"template {name} ({code}): uses {used}, declares {list(parameters)}; each once")
        if buttons and not 0 < len(buttons.get(code, "")) <= BUTTON_TEXT_MAX:
            raise TemplateError(f"template {name} ({code}): pay_button needs 1 to {BUTTON_TEXT_MAX} characters")
    return UtilityTemplate(name, parameters, texts, buttons)


def load_templates(path: Path = TEMPLATES_PATH) -> Dict[str, UtilityTemplate]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise TemplateError(f"{path}: {error}") from error
    raw = (document or {}).get("templates") if isinstance(document, Mapping) else None
    if not isinstance(raw, Mapping) or not raw:
        raise TemplateError(f"{path}: expected 'templates:' with at least one template")
    return {str(name): _template(str(name), spec) for name, spec in raw.items()}


def creation_body(template: UtilityTemplate, code: str, public_url: str) -> Dict[str, Any]:
    """The ``POST /{page-id}/message_templates`` body of one template in one language."""
    examples = {name: f"<{name}>" for name in template.parameters}
    components: List[Dict[str, Any]] = [
        {
            "type": "BODY",
            "text": template.texts[code],
            "example": {
                "body_text_named_params": [{"param_name": n, "example": examples[n]} for n in template.parameters]
            },
        }
    ]
    if template.pay_buttons:
        base = public_url.rstrip("/") + PAY_PAGE_PATH
        components.append(
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "URL",
                        "text": template.pay_buttons[code],
                        "url": base + "{{1}}",
                        "example": [base + EXAMPLE_ORDER_ID],
                    }
                ],
            }
        )
    return {
        "name": template.name,
        "language": code,
        "category": CATEGORY,
        "parameter_format": "NAMED",
        "components": components,
    }


def template_message(
    template: UtilityTemplate, language: str, values: Mapping[str, Any], order_id: Optional[str]
) -> Dict[str, Any]:
    """The ``message`` of a utility send: the template filled with this update's values."""
    missing = [name for name in template.parameters if not str(values.get(name) or "")]
    if missing:
        raise TemplateError(f"template {template.name}: no value for {', '.join(missing)}")
    components: List[Dict[str, Any]] = [
        {
            "type": "body",
            "parameters": [{"type": "text", "parameter_name": n, "text": str(values[n])} for n in template.parameters],
        }
    ]
    if template.pay_buttons:
        if not order_id:
            raise TemplateError(f"template {template.name}: the pay button needs the order id")
        components.append(
            {"type": "button", "sub_type": "url", "index": 0, "parameters": [{"type": "text", "text": order_id}]}
        )
    return {
        "template": {
            "name": template.name,
            "language": {"code": template.language_code(language)},
            "components": components,
        }
    }


def _status_key(name: str, code: str) -> str:
    return f"template:{name}:{code}"


class TemplateStatuses:
    """What Meta last said of each template: from the status webhook, else from one
    listing of the Page's templates (at most every ten minutes), so a restart or a
    second Rasa instance does not have to wait for the next webhook."""

    def __init__(self, store: Any, client: Any) -> None:
        self.store = store
        self.client = client

    async def record(self, name: str, code: str, status: str) -> None:
        await self.store.put(_status_key(name, code), status, STATUS_TTL)

    async def status(self, name: str, code: str) -> Optional[str]:
        """The template's status; None when Meta's answer is not known. A listing that
        fails (an error, a timeout) is logged and leaves the next update free to list
        again: the "listed" mark is kept only for a listing that worked, and it never
        fails the turn the update belongs to."""
        known = await self.store.get(_status_key(name, code))
        if known is not None or not await self.store.add_once(LISTED, LIST_AGAIN_SECONDS):
            return known
        try:
            rows = await asyncio.wait_for(self.client.list_message_templates(), LIST_SECONDS)
        except Exception as error:  # noqa: BLE001  (any failure: the update waits, the turn goes on)
            logger.error(
                "Listing the Page's message templates failed (%s): asked again with the next update",
                error or type(error).__name__,
            )
            await self.store.delete(LISTED)
            return None
        for row in rows:
            await self.record(str(row.get("name")), str(row.get("language")), str(row.get("status")))
        return await self.store.get(_status_key(name, code))
