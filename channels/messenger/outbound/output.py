"""The output side: Rasa's bot messages as Messenger Send API calls."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from rasa.core.channels.channel import OutputChannel

from channels.messenger.outbound import limits, payloads, utility_messages
from channels.messenger.outbound.send_api import SendApiClient, SendApiError
from channels.messenger.state.customer import ConversationState
from shop.ledger import get_ledger

logger = logging.getLogger(__name__)

CHANNEL_NAME = "facebook"


def _payloads_in(message: Mapping[str, Any]) -> List[str]:
    """Every postback and quick-reply payload in a Messenger message."""
    found: List[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if node.get("type") == "postback" or node.get("content_type") == "text":
                if isinstance(node.get("payload"), str):
                    found.append(node["payload"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message)
    return found


def _take_marking(message: Dict[str, Any], name: str) -> Optional[Mapping[str, Any]]:
    """Take a marking (``utility``, ``delivered``) out of a message's custom JSON, if it has one."""
    custom = message.get("custom")
    if not isinstance(custom, Mapping) or not isinstance(custom.get(name), Mapping):
        return None
    rest = {key: value for key, value in custom.items() if key != name}
    if rest:
        message["custom"] = rest
    else:
        message.pop("custom")
    return custom[name]


class MessengerOutput(OutputChannel):
    """Sends one turn's messages in order; a failed message is logged and the turn goes on.

    With a ``turn_key`` (the customer message's id), each message sent is remembered
    by its place in the turn; a ``replay`` of the turn (its replica died halfway, or
    it failed and runs again) skips the messages that already went out, so the
    customer reads each reply once.
    """

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(
        self,
        client: SendApiClient,
        state: ConversationState,
        templates: Optional[Mapping[str, utility_messages.UtilityTemplate]] = None,
        statuses: Optional[utility_messages.TemplateStatuses] = None,
        turn_key: Optional[str] = None,
        replay: bool = False,
    ) -> None:
        self.client = client
        self.state = state
        self.templates = templates or {}
        self.statuses = statuses
        self.turn_key = turn_key
        self.replay = replay
        self._sent_in_turn = 0
        self._failures = 0  # messages Facebook did not take (or that could not go), this turn

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Rasa's message in the order a customer reads it: image, text, cards, files, custom.

        An update the actions marked with a utility template (custom ``utility``) goes
        out as that template when the customer last wrote more than 24 hours ago."""
        message = dict(message)
        update = _take_marking(message, "utility")
        delivery = _take_marking(message, "delivered")
        failures = self._failures
        await self._send_parts(recipient_id, message, update)
        if self._failures == failures:  # Facebook took every part
            if delivery is not None:
                await asyncio.to_thread(
                    get_ledger().claim_notice, str(delivery.get("order_id")), str(delivery.get("notice"))
                )
        elif update is not None:
            await self._give_back_notice(update)

    async def _send_parts(
        self, recipient_id: str, message: Dict[str, Any], update: Optional[Mapping[str, Any]]
    ) -> None:
        if update is not None and not await self.state.inside_window(recipient_id):
            if not await self.send_utility(recipient_id, update):
                self._failures += 1
            return
        if message.get("image"):
            await self.send_image_url(recipient_id, message.pop("image"))
        text = message.pop("text", None) or ""
        if message.get("quick_replies"):
            await self.send_quick_replies(recipient_id, text, message.pop("quick_replies"))
        elif message.get("buttons"):
            await self.send_text_with_buttons(recipient_id, text, message.pop("buttons"))
        elif text:
            await self.send_text_message(recipient_id, text)
        if message.get("elements"):
            await self.send_elements(recipient_id, message.pop("elements"), show_more=message.pop("show_more", None))
        if message.get("attachment"):
            await self.send_attachment(recipient_id, message.pop("attachment"))
        if message.get("custom"):
            await self.send_custom_json(recipient_id, message.pop("custom"))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.deliver_all(recipient_id, payloads.text_messages(text))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, payloads.attachment(image, "image"))

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, Mapping):
            await self.deliver(recipient_id, {"attachment": dict(attachment)})
        else:
            await self.deliver(recipient_id, payloads.attachment(str(attachment)))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.deliver_all(recipient_id, payloads.button_templates(text, buttons))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.deliver_all(recipient_id, payloads.quick_replies(text, quick_replies))

    async def send_elements(self, recipient_id: str, elements: Iterable[Dict[str, Any]], **kwargs: Any) -> None:
        """A carousel; ``show_more`` is the title of its "Show more" card in the customer's
        language, sent by the action with the elements."""
        pages = payloads.carousel_pages(list(elements))
        await self.send_carousel_page(recipient_id, pages, kwargs.get("show_more") or payloads.SHOW_MORE_TITLE)

    async def send_carousel_page(self, recipient_id: str, pages: List[List[Mapping[str, Any]]], show_more: str) -> None:
        """The first page; a "Show more" card keeps the rest (and its title) for the tap."""
        if not pages:
            return
        first, rest = list(pages[0]), pages[1:]
        if rest:
            token = await self.state.keep_pages(recipient_id, rest, show_more)
            first.append(payloads.show_more_element(token, show_more))
        await self.deliver(recipient_id, payloads.generic_template(first))

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Custom JSON: a receipt, a handover to the Page Inbox, or a Messenger message as it is."""
        if "receipt" in json_message:
            try:
                message = payloads.receipt(json_message["receipt"])
            except ValueError as error:
                logger.error("Not sending a receipt to %s: %s", recipient_id, error)
                return
            if await self.deliver(recipient_id, message) is not None:
                await asyncio.to_thread(
                    get_ledger().receipt_delivered, str(json_message["receipt"].get("order_number"))
                )
        elif "handover" in json_message:
            await self.hand_over(recipient_id, json_message["handover"])
        else:
            await self.deliver(recipient_id, json_message)

    @staticmethod
    async def _give_back_notice(update: Mapping[str, Any]) -> None:
        """An update that did not go out whole (its template outside the window, or a part of
        the message inside it) is untold: its notice goes back to the ledger, so that the
        event behind it (a webhook, retried until its effect shows) tells it again."""
        notice = update.get("notice")
        if isinstance(notice, Mapping) and notice.get("order_id") and notice.get("name"):
            await asyncio.to_thread(get_ledger().forget_notice, str(notice["order_id"]), str(notice["name"]))

    async def hand_over(self, recipient_id: str, spec: Any) -> None:
        """Pass the thread to the Page Inbox (or ``target_app_id``); a ``summary`` (a return
        request's order and period) goes along as the handover's metadata, which the
        receiving app reads (Messenger Platform, handover protocol, conversation control)."""
        fields = spec if isinstance(spec, Mapping) else {}
        target = fields.get("target_app_id", limits.PAGE_INBOX_APP_ID)
        note = str(fields.get("summary") or "handover requested by the customer")[: limits.HANDOVER_METADATA_MAX]
        try:
            await self.client.pass_thread_control(recipient_id, str(target), metadata=note)
        except SendApiError:
            return
        await self.state.set_human_in_control(recipient_id, True)

    async def send_utility(self, recipient_id: str, update: Mapping[str, Any]) -> bool:
        """The approved utility template of an update; with none approved, nothing (Facebook
        would refuse it) and a log line saying why. The ledger keeps the state either way.
        True when Facebook took it."""
        name = str(update.get("template"))
        template = self.templates.get(name)
        if template is None or self.statuses is None:
            logger.error(
                "Not sent to %s: outside the 24-hour window and no utility template %s in the project",
                recipient_id,
                name,
            )
            return False
        code = template.language_code(str(update.get("language") or "en"))
        try:
            status = await self.statuses.status(name, code)
            message = utility_messages.template_message(
                template, str(update.get("language") or "en"), update.get("values") or {}, update.get("order_id")
            )
        except (SendApiError, utility_messages.TemplateError) as error:
            logger.error("Not sent to %s: utility template %s (%s): %s", recipient_id, name, code, error)
            return False
        if status != utility_messages.APPROVED:
            logger.warning(
                "Not sent to %s: outside the 24-hour window and utility template %s (%s) is %s, not approved "
                "(kassa messenger-templates)",
                recipient_id,
                name,
                code,
                status or "unknown to Facebook",
            )
            return False
        try:
            await self.send_once(recipient_id, message, utility_messages.MESSAGING_TYPE)
        except SendApiError:
            logger.error("Utility message %s to %s not delivered", name, recipient_id)
            return False
        if update.get("receipt_of"):  # the order confirmation stands in for the receipt the window no longer allows
            await asyncio.to_thread(get_ledger().receipt_delivered, str(update["receipt_of"]))
        return True

    async def deliver_all(self, recipient_id: str, messages: Sequence[Mapping[str, Any]]) -> None:
        for message in messages:
            await self.deliver(recipient_id, message)

    async def deliver(self, recipient_id: str, message: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
        """Send one message as RESPONSE inside the 24-hour window. Outside it only utility
        templates may go (``send_utility``): the message tags that allowed more were retired
        in 2026 and Facebook refuses them. The ledger still shows every state, and an
        undelivered receipt is tried again while it may still be delivered."""
        if not await self.state.inside_window(recipient_id):
            logger.warning(
                "Not sent to %s: outside the 24-hour window, and not an update with a utility template: %s",
                recipient_id,
                json.dumps(message)[:120],
            )
            self._failures += 1
            return None
        sent = _payloads_in(message)
        if sent:
            await self.state.remember_payloads(recipient_id, sent)
        try:
            return await self.send_once(recipient_id, message, "RESPONSE")
        except SendApiError:
            logger.error("Message to %s not delivered: %s", recipient_id, json.dumps(message)[:200])
            self._failures += 1
            return None

    async def send_once(self, recipient_id: str, message: Mapping[str, Any], messaging_type: str) -> Dict[str, Any]:
        """Send, unless a replay of this turn finds the message already sent.

        The message is marked as sent just before it goes, not after: a replica killed
        while Facebook takes the message (a Send API call lasts ~100 ms, far longer than
        the moment between the mark and the request) must not have it sent twice, and a
        store that cannot take the mark (Redis restarting) fails the turn before the
        message leaves, so its replay sends it then. A message Facebook refused loses
        its mark, so a replay tries it again; one that left without an answer (a timeout,
        this process paused mid-call) keeps it, since Facebook may have taken it."""
        if self.turn_key is None:
            return await self.client.send_message(recipient_id, message, messaging_type, None)
        key = f"{self.turn_key}:{self._sent_in_turn}"
        self._sent_in_turn += 1
        if self.replay and await self.state.reply_sent(key):
            logger.info("Reply %s to %s went out before this replay: not sent again", key, recipient_id)
            return {"recipient_id": recipient_id, "replayed": True}
        await self.state.remember_reply(key)
        try:
            return await self.client.send_message(recipient_id, message, messaging_type, None)
        except SendApiError as error:
            if not error.maybe_delivered:  # refused: a replay may try it again; unanswered: it may be there
                await self.state.forget_reply(key)
            raise
