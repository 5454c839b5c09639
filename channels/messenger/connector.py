"""Kassa's Messenger connector: a Rasa input channel named ``facebook``.

Stores every event of a signed delivery in the durable intake (intake.py), answers
Facebook, and runs the stored events' turns in the background: in order per
customer, once per message id, acknowledged once the turn is saved. Typed text
never reaches Rasa as an ``/intent``; only payloads of buttons and quick replies
the bot sent do.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import rasa_changes
from channels.background import BackgroundTasks
from channels.messenger.cart_reminders import CartReminders
from channels.messenger.inbound import inbox_commands
from channels.messenger.inbound.events import (
    CustomerEvent,
    Event,
    PageEcho,
    TemplateStatusEvent,
    ThreadControlEvent,
)
from channels.messenger.inbound.front_door import accept_delivery, verify_subscription
from channels.messenger.inbound.intake import IntakeConsumer, IntakeStore, consumer_name
from channels.messenger.outbound import limits, payloads, utility_messages
from channels.messenger.outbound.graph_versions import lifetime_warning
from channels.messenger.outbound.output import CHANNEL_NAME, MessengerOutput
from channels.messenger.outbound.send_api import (
    DEFAULT_GRAPH_URL,
    DEFAULT_GRAPH_VERSION,
    SendApiClient,
    SendApiConfig,
    SendApiError,
)
from channels.messenger.state.customer import ConversationState
from channels.messenger.state.factories import intake_store, state_store
from channels.messenger.state.store import StateStore
from channels.paypal.merchant_api import get_payment_requests, get_shipments
from channels.request_limits import cap_body_size, shared_limits
from channels.turn_loop import TurnLoop, get_turn_loop
from shop import settings, startup
from shop.catalog import get_catalog
from shop.ledger import Ledger
from shop.shipments import PAID
from shop.terms import get_terms

logger = logging.getLogger(__name__)
rasa_changes.install()  # Rasa loads the channels before the first turn

# Rasa reads a message starting with "/" as an intent; a word joiner in front
# makes typed text an ordinary message for NLU. It is invisible and not white space.
TYPED_TEXT_GUARD = "\u2060"
GET_STARTED_PAYLOAD = "/greet"
# On shutdown, how long accepted events may take to finish: Facebook got its
# 200 for them and will not deliver them again.
DRAIN_SECONDS = 10.0
PROFILE_PAYLOADS = frozenset({GET_STARTED_PAYLOAD, "/browse_catalog", "/view_cart", "/help"})


def guard_typed_text(text: str) -> str:
    return TYPED_TEXT_GUARD + text if text.lstrip().startswith("/") else text


class MessengerInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        startup.check_server()
        credentials = credentials or {}
        missing = [key for key in ("verify", "secret", "page-access-token") if not credentials.get(key)]
        if missing:
            raise ValueError(
                f"credentials.yml: the facebook channel needs {', '.join(missing)} (FB_VERIFY_TOKEN, FB_APP_SECRET, FB_PAGE_ACCESS_TOKEN)"
            )
        config = SendApiConfig(
            page_access_token=str(credentials["page-access-token"]),
            app_secret=str(credentials["secret"]),
            graph_url=str(credentials.get("graph-url") or DEFAULT_GRAPH_URL),
            graph_version=str(credentials.get("graph-version") or DEFAULT_GRAPH_VERSION),
        )
        warning = lifetime_warning(config.graph_version)
        if warning:
            logger.warning(warning)
        runtime = settings.runtime()
        return cls(str(credentials["verify"]), config, state_store(runtime), intake=intake_store(runtime))

    def __init__(
        self,
        verify_token: str,
        config: SendApiConfig,
        store: StateStore,
        turns: Optional[TurnLoop] = None,
        intake: Optional[IntakeStore] = None,
    ) -> None:
        self.verify_token = verify_token
        self.app_secret = config.app_secret
        self.client = SendApiClient(config)
        self.state = ConversationState(store)
        self.reminders = CartReminders(self.state)
        self.on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self.intake = intake if intake is not None else intake_store(settings.runtime())
        self.consumer = IntakeConsumer(self.intake, self.run_event)
        self.runner = consumer_name()  # this process among the replicas, for the turns it starts
        self._side_tasks = BackgroundTasks()
        self.turns = turns or get_turn_loop()
        self.limits = shared_limits(settings.runtime().rasa_endpoints)
        self.templates = utility_messages.load_templates()
        self.template_statuses = utility_messages.TemplateStatuses(store, self.client)
        self._app: Any = None

    def get_output_channel(self) -> OutputChannel:
        return self.output()

    def output(self, turn_key: Optional[str] = None, replay: bool = False) -> MessengerOutput:
        return MessengerOutput(self.client, self.state, self.templates, self.template_statuses, turn_key, replay)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self.on_new_message = on_new_message
        webhook = Blueprint(f"kassa_messenger_{id(self)}", __name__)

        @webhook.listener("before_server_start")
        async def limit_bodies(app: Any, loop: Any) -> None:
            cap_body_size(app)
            self._app = app

        @webhook.listener("after_server_start")
        async def consume(app: Any, loop: Any) -> None:
            self.turns.call_soon(self.consumer.start)  # the one start: stored events run, now and as they come
            self.reminders.start(app)

        @webhook.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self.stop(DRAIN_SECONDS)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return verify_subscription(request, self.verify_token, self.limits)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.accept(request.body, request.headers.get("X-Hub-Signature-256"))

        return webhook

    async def accept(self, body: bytes, signature_header: Optional[str]) -> HTTPResponse:
        """Check, parse and store a delivery; the answer waits for the store, not for the
        turns, which run on the turn loop."""
        return await accept_delivery(self.app_secret, self.intake, body, signature_header)

    async def stop(self, seconds: float) -> None:
        """Stop taking stored events, let those in progress finish for at most ``seconds``
        (the rest stay stored), then close the turn loop's Send API session."""
        self.reminders.stop()
        await self.turns.run(self.consumer.stop(seconds))
        await self.turns.run(self.client.close())
        await asyncio.to_thread(self.state.store.flush)  # the SQL store writes behind: the rest now

    async def run_event(self, event: Event, replay: bool) -> None:
        """One stored event, once: a message id whose turn finished is not run again (a
        redelivery by Facebook, or a replica that died between the turn and its
        acknowledgement). ``replay``: this event may have run in part before."""
        mid = _message_id(event)
        if mid and await self.state.turn_done(mid):
            logger.info("Ignoring a redelivery of %s", mid)
            return
        await self.handle_event(event, replay)
        if mid:
            await self.state.mark_turn_done(mid)

    async def _new_message(self, message: UserMessage, replay: bool) -> None:
        """Hand the message to Rasa, under the conversation's lock, where Rasa runs the turn.

        A turn that may have run elsewhere is first looked for in the tracker: a replay, or
        a turn another process started since (this replica was paused past its lease
        between taking the event and the lock, and another took it over). Each start is
        noted, so that a process that comes back finds who ran the turn instead of running
        it beside them."""
        agent = self._agent
        mid = message.message_id
        if agent is None or agent.lock_store is None or not mid:
            assert self.on_new_message is not None
            await self.on_new_message(message)
            return
        async with agent.lock_store.lock(message.sender_id):
            contested = replay or await self.state.turn_runner(mid) not in (None, self.runner)
            if contested and await self._in_tracker(message.sender_id, mid):
                logger.info("Event %s of %s was saved by another run: not run again", mid, message.sender_id)
                return
            await self.state.start_turn(mid, self.runner)
            await agent.processor.handle_message(message)

    @property
    def _agent(self) -> Any:
        """Rasa's agent, once Rasa runs this channel (None in tests without a server)."""
        return getattr(getattr(self._app, "ctx", None), "agent", None)

    async def _in_tracker(self, sender_id: str, mid: str) -> bool:
        agent = self._agent
        if agent is None or agent.tracker_store is None:
            return False
        tracker = await agent.tracker_store.retrieve(sender_id)
        return tracker is not None and any(
            getattr(e, "message_id", None) == mid for e in tracker.events if e.type_name == "user"
        )

    async def handle_event(self, event: Event, replay: bool = False) -> None:
        if isinstance(event, ThreadControlEvent):
            await self.state.set_human_in_control(event.sender_id, event.kind == "take_thread_control")
            logger.info("Thread control of %s: %s", event.sender_id, event.kind)
            return
        if isinstance(event, TemplateStatusEvent):
            await self.template_statuses.record(event.name, event.language, event.status)
            logger.info("Utility template %s (%s) is now %s", event.name, event.language, event.status)
            return
        if isinstance(event, PageEcho):
            await self.handle_echo(event)
            return
        await self.state.customer_wrote(event.sender_id, event.timestamp / 1000 if event.timestamp else None)
        if event.kind == "standby":
            # conversation routing gave the thread to another app (the Page Inbox): it answers
            await self.state.set_human_in_control(event.sender_id, True)
            return
        if event.kind == "sticker":
            logger.info(
                "Sticker %s from %s: no turn (nothing NLU can read), the 24-hour window counts from it",
                event.mid,
                event.sender_id,
            )
            return
        if await self.state.human_in_control(event.sender_id):
            return
        if event.kind == "postback" and (event.payload or "").startswith(payloads.SHOW_MORE_PREFIX):
            await self.show_more(event)
            return
        self._background(self.client.sender_action(event.sender_id, "mark_seen"))
        self._background(self.client.sender_action(event.sender_id, "typing_on"))
        text = await self.text_for_rasa(event)
        metadata: Dict[str, Any] = {"messenger": event.raw}
        profile = await self.customer_profile(event.sender_id)
        if profile.get("locale"):
            metadata["locale"] = profile["locale"]
        name = " ".join(profile[part] for part in ("first_name", "last_name") if profile.get(part))
        if name:
            metadata["profile_name"] = name  # the name an iDEAL or Bancontact payment needs
        message = UserMessage(
            text=text,
            output_channel=self.output(event.mid, replay),
            sender_id=event.sender_id,
            input_channel=CHANNEL_NAME,
            message_id=event.mid,
            metadata=metadata,
        )
        await self._new_message(message, replay)
        self._side_tasks.spawn(self.reminders.customer_wrote(event.sender_id))

    async def handle_echo(self, echo: PageEcho) -> None:
        """A Page message echoed back. Only a ``#pay`` line typed by a person in the Page
        Inbox during a handoff does anything: the customer gets a payment request."""
        if not echo.text.lstrip().startswith("#"):
            return  # the bot's own messages and an agent's ordinary lines
        if echo.app_id != limits.PAGE_INBOX_APP_ID:
            logger.warning("Command echoed from app %s, not the Page Inbox: ignored", echo.app_id or "unknown")
            return
        if not await self.state.human_in_control(echo.sender_id):
            logger.warning(
                "Command for %s while the bot holds the conversation: ignored (hand over first)", echo.sender_id
            )
            return
        requests = get_payment_requests()
        try:
            command = inbox_commands.pay_command(echo.text, requests.max_request_amount)
            shipped = inbox_commands.ship_command(echo.text, frozenset(get_terms().carriers))
        except inbox_commands.CommandError as error:
            logger.warning("Page Inbox command for %s not done: %s", echo.sender_id, error)
            return
        if shipped is not None:
            await self.ship_from_inbox(echo.sender_id, shipped)
            return
        if command is None:
            return
        if self._app is None:
            logger.error("Page Inbox #pay for %s not done: the server has not started", echo.sender_id)
            return
        status, answer = await requests.request_payment(
            self._app,
            f"inbox:{echo.mid or echo.text}",
            echo.sender_id,
            command.amount,
            get_catalog().currency,
            command.description,
        )
        if status == 202:
            logger.info(
                "Page Inbox payment request for %s: order %s, %s %s",
                echo.sender_id,
                answer["order_id"],
                answer["amount"],
                answer["currency"],
            )
        else:
            logger.warning(
                "Page Inbox payment request for %s not done (%s): %s", echo.sender_id, status, answer.get("error")
            )

    async def ship_from_inbox(self, conversation_id: str, command: inbox_commands.ShipCommand) -> None:
        """``#shipped``: the conversation's oldest paid order not shipped yet, with the
        carrier typed or its zone's."""
        if self._app is None:
            logger.error("Page Inbox #shipped for %s not done: the server has not started", conversation_id)
            return
        shipments = get_shipments()
        waiting = await asyncio.to_thread(unshipped_order, shipments.context.ledger, conversation_id)
        if waiting is None:
            logger.warning("Page Inbox #shipped for %s not done: no paid order waiting to ship", conversation_id)
            return
        order_id, zone_carrier = waiting
        carrier = command.carrier or (zone_carrier if command.tracking_number else None)
        status, answer = await shipments.ship(self._app, order_id, carrier, command.tracking_number)
        if status in (200, 201):
            logger.info("Page Inbox #shipped for %s: order %s %s", conversation_id, order_id, answer)
        else:
            logger.warning("Page Inbox #shipped for %s not done (%s): %s", conversation_id, status, answer.get("error"))

    async def customer_profile(self, sender_id: str) -> Dict[str, str]:
        """Messenger's locale and name of the customer, asked of Facebook once and remembered."""
        known = await self.state.known_profile(sender_id)
        if known is None:
            known = await self.client.user_profile(sender_id)
            await self.state.remember_profile(sender_id, known)
        return known

    async def text_for_rasa(self, event: CustomerEvent) -> str:
        if event.kind in ("quick_reply", "postback"):
            payload = event.payload or ""
            if payload.startswith("/") and (
                payload in PROFILE_PAYLOADS or await self.state.bot_sent(event.sender_id, payload)
            ):
                return payload
            if payload.startswith("/"):
                logger.warning("Payload from %s that the bot never sent; read as text", event.sender_id)
            return guard_typed_text(event.text or payload)
        if event.kind == "referral":
            return GET_STARTED_PAYLOAD
        if event.kind == "attachments":
            return " ".join(str((a.get("payload") or {}).get("url") or a.get("type")) for a in event.attachments)
        return guard_typed_text(event.text)

    async def show_more(self, event: CustomerEvent) -> None:
        token = (event.payload or "")[len(payloads.SHOW_MORE_PREFIX) :]
        kept = await self.state.take_pages(event.sender_id, token)
        if kept:
            await self.output().send_carousel_page(event.sender_id, *kept)

    def _background(self, call: Awaitable[Any]) -> None:
        async def quietly() -> None:
            try:
                await call
            except SendApiError:
                pass

        self._side_tasks.spawn(quietly())


def _message_id(event: Event) -> Optional[str]:
    return event.mid if isinstance(event, (CustomerEvent, PageEcho)) else None


def unshipped_order(ledger: Ledger, conversation_id: str) -> Optional[Tuple[str, Optional[str]]]:
    """(order id, its zone's carrier) of the conversation's oldest paid order not shipped."""
    terms = get_terms()
    for record in sorted(ledger.orders(conversation_id), key=lambda record: record.created_at):
        shipment = ledger.shipment(record.order_id) if record.status in PAID else None
        if shipment is not None and not shipment.shipped_at:
            zone = terms.zone(shipment.country)
            return record.order_id, zone.carrier.id if zone else None
    return None
