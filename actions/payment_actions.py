"""Payment events from the paypal channel: capture exactly once, receipt, updates."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cart as cart_rules
from actions import messages, money, payment_methods, payments, paypal_orders
from actions.catalog import get_catalog
from actions.conversation import current_cart, language, latest_entity, slot_number
from actions.ledger import OPEN_STATUSES, REVERSED, SUPERSEDED, VOIDED, OrderRecord, get_ledger
from actions.payment_intents import EXTERNAL_INTENTS
from actions.paypal_client import PayPalError, get_client

# Rasa's EXTERNAL_MESSAGE_PREFIX (rasa.shared.core.constants); the action server needs rasa_sdk only.
EXTERNAL_MESSAGE_PREFIX = "EXTERNAL: "

logger = logging.getLogger(__name__)


def from_payment_channel(tracker: Tracker) -> bool:
    """True when this turn is an external event (what the paypal channel sends), never typed text.

    Rasa marks an external event with ``is_external`` metadata and the text
    ``EXTERNAL: <intent>``; a typed ``/payment_update{...}`` keeps its own text,
    and NLU never predicts the payment intents, which have no examples.
    """
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    external = bool((message.get("metadata") or {}).get("is_external"))
    return external and intent in EXTERNAL_INTENTS and message.get("text") == f"{EXTERNAL_MESSAGE_PREFIX}{intent}"


def own_record(tracker: Tracker) -> Optional[OrderRecord]:
    """The ledger's order named by the event, if the event is real and the order belongs to this conversation."""
    if not from_payment_channel(tracker):
        logger.warning("SECURITY: payment action refused: the turn in conversation %s is not a payment event", tracker.sender_id)
        return None
    order_id = latest_entity(tracker, "order_id")
    record = get_ledger().order(str(order_id)) if order_id else None
    if record is None or record.conversation_id != tracker.sender_id:
        logger.warning("SECURITY: payment event for order %r refused in conversation %s", order_id, tracker.sender_id)
        return None
    return record


def total_text(record: OrderRecord, lang: str) -> str:
    return money.format_money(money.to_decimal(record.amount), record.currency, lang)


def update_for(
    tracker: Tracker, template: str, record: OrderRecord, order_id: Optional[str] = None, receipt_of: Optional[str] = None, **values: str
) -> Optional[Dict[str, Any]]:
    """This update's utility template (Messenger, outside the 24-hour window): the order id
    and total always, ``values`` for the rest of the template's parameters."""
    lang = language(tracker)
    filled = {"order_id": record.order_id, "total": total_text(record, lang), **values}
    return messages.utility_update(tracker.get_latest_input_channel(), template, lang, filled, order_id, receipt_of)


async def fetch_order(record: OrderRecord) -> Optional[Dict[str, Any]]:
    try:
        return await asyncio.to_thread(get_client().get_order, record.order_id)
    except PayPalError as error:
        logger.error("PayPal order %s lookup failed: status=%s debug_id=%s", record.order_id, error.status, error.debug_id)
        return None


async def capture(record: OrderRecord, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[str, Any]]:
    """Capture under a PayPal-Request-Id bound to the order; the order after capture, or None."""
    try:
        return await asyncio.to_thread(get_client().capture_order, record.order_id, paypal_orders.capture_request_id(record.order_id))
    except PayPalError as error:
        if "ORDER_ALREADY_CAPTURED" in error.issues:
            return await fetch_order(record)
        if "ORDER_COMPLETION_IN_PROGRESS" in error.issues:  # a bank method: PayPal is capturing it
            await asyncio.to_thread(tell_processing_once, record, dispatcher)
            return None
        if "INSTRUMENT_DECLINED" in error.issues:
            await asyncio.to_thread(get_ledger().update, record.order_id, "PAYER_ACTION_REQUIRED")
            lang = language(tracker)
            dispatcher.utter_message(
                response="utter_payment_declined", order_id=record.order_id,
                buttons=[messages.pay_button(total_text(record, lang), record.approval_url or "", lang, tracker.get_latest_input_channel())],
                json_message=update_for(tracker, "kassa_payment_failed", record, order_id=record.order_id),
            )
            return None
        logger.error("Capture of %s failed: status=%s debug_id=%s issues=%s", record.order_id, error.status, error.debug_id, error.issues)
        if error.retryable:
            await asyncio.to_thread(tell_processing_once, record, dispatcher)
        return None


def tell_processing_once(record: OrderRecord, dispatcher: CollectingDispatcher) -> None:
    """"Confirming your payment": once per order, however often the capture is retried."""
    if get_ledger().claim_notice(record.order_id, "processing"):
        dispatcher.utter_message(response="utter_payment_processing")


def finish(record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """Record the capture's outcome; on COMPLETED send one receipt and take the items out of the cart."""
    lang = language(tracker)
    found = payments.latest_capture(order)
    if found is None:
        return []
    status = found.get("status")
    ledger = get_ledger()
    if status in ("PENDING", "DECLINED"):
        ledger.update(record.order_id, status, capture_id=found.get("id"))
        if record.status != status:  # read at the start of this turn, under the conversation's lock
            response, template = ("utter_payment_pending", "kassa_payment_pending") if status == "PENDING" else (
                "utter_payment_denied", "kassa_payment_failed")
            dispatcher.utter_message(
                response=response, order_id=record.order_id, total=total_text(record, lang),
                json_message=update_for(tracker, template, record, order_id=record.order_id if status == "DECLINED" else None),
            )
        return []
    if status != "COMPLETED":
        return []
    ledger.update(record.order_id, "COMPLETED", capture_id=found.get("id"),
                  payer_name=payments.payer_name(order), payer_email=payments.payer_email(order))
    if not ledger.claim_receipt(record.order_id):
        return []  # delivered, or another turn is sending it now
    if tracker.get_latest_input_channel() == "facebook":
        # marked delivered by the Messenger output once Facebook accepted it; tried again until then
        receipt = {"receipt": payments.receipt(record, order, found, get_catalog())}
        dispatcher.utter_message(json_message={**receipt, **(update_for(tracker, "kassa_order_confirmed", record, receipt_of=record.order_id) or {})})
    else:
        ledger.receipt_delivered(record.order_id)  # other channels get no receipt template: the text below is it
    if not ledger.claim_notice(record.order_id, "payment received"):
        return []  # a receipt sent again: the thanks and the cart were done the first time
    dispatcher.utter_message(
        response="utter_payment_received", total=total_text(record, lang), order_id=record.order_id,
        payer_name=payments.payer_name(order),
    )
    events: List[Dict[str, Any]] = [SlotSet("paid_orders", slot_number(tracker, "paid_orders") + 1)]
    if record.kind == "cart":
        paid = {item["sku"]: int(item["quantity"]) for item in record.items if item.get("sku")}
        events.append(SlotSet("cart", cart_rules.without(current_cart(tracker), paid)))
    return events


def refuse_replaced_order(record: OrderRecord, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """An older pay link of a cart checked out again (other items or prices): never
    captured; the buyer is told once, with the latest pay button if there is one."""
    ledger = get_ledger()
    if not ledger.move(record.order_id, VOIDED, (SUPERSEDED,)):
        return
    logger.warning("Order %s was approved after a newer checkout replaced it: not captured", record.order_id)
    latest = ledger.latest_open_order(record.conversation_id)
    lang = language(tracker)
    buttons = []
    if latest is not None and latest.approval_url:
        buttons = [messages.pay_button(total_text(latest, lang), latest.approval_url, lang, tracker.get_latest_input_channel())]
    dispatcher.utter_message(response="utter_payment_link_replaced", order_id=record.order_id, buttons=buttons)


def report_refunds(record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Keep each refund PayPal lists as its own row and tell the customer each one once,
    with its amount; the order is REFUNDED only when the whole capture is."""
    ledger, lang = get_ledger(), language(tracker)
    completed = [r for r in payments.refunds(order) if r.get("status") == "COMPLETED"]
    for refund in completed:
        ledger.record_refund(refund["id"], record.order_id, refund["amount"]["value"], refund["amount"]["currency_code"], "COMPLETED")
    refunded = sum((money.to_decimal(r["amount"]) for r in ledger.refunds(record.order_id)), money.to_decimal("0"))
    whole = refunded >= money.to_decimal(record.amount)
    if completed:
        ledger.update(record.order_id, "REFUNDED" if whole else "PARTIALLY_REFUNDED")
    for refund in completed:
        if not ledger.claim_notice(record.order_id, f"refund {refund['id']}"):
            continue
        value = money.format_money(money.to_decimal(refund["amount"]["value"]), record.currency, lang)
        update = update_for(tracker, "kassa_refund_issued", record, amount=value)
        if whole and len(completed) == 1:
            dispatcher.utter_message(response="utter_payment_refunded", order_id=record.order_id, total=total_text(record, lang), json_message=update)
        else:
            dispatcher.utter_message(response="utter_payment_partly_refunded", order_id=record.order_id, refunded=value, json_message=update)


def report_reversal(record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """An iDEAL or Bancontact approval the bank did not confirm in time: nothing was
    captured, the order is REVERSED, the cart stays. Told once (the ledger's move)."""
    if order.get("status") in ("COMPLETED",) or payments.latest_capture(order):
        return  # PayPal shows a capture after all: the capture events speak for it
    if get_ledger().move(record.order_id, REVERSED, (*OPEN_STATUSES, "APPROVED", SUPERSEDED)):
        lang = language(tracker)
        dispatcher.utter_message(
            response="utter_payment_reversed", method=payment_methods.method_of_order(order), order_id=record.order_id,
            total=total_text(record, lang),
        )


class ActionCapturePayment(Action):
    def name(self) -> Text:
        return "action_capture_payment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        record = await asyncio.to_thread(own_record, tracker)
        if record is None or record.receipt_sent_at:
            return []
        if record.status in (SUPERSEDED, VOIDED):
            await asyncio.to_thread(refuse_replaced_order, record, dispatcher, tracker)
            return []
        order = await fetch_order(record)
        if order is None:
            await asyncio.to_thread(tell_processing_once, record, dispatcher)
            return []
        try:
            payments.check_order(order, record, tracker.sender_id)
        except payments.PaymentCheckError:
            return []
        if order.get("status") == "APPROVED" and payment_methods.completes_on_approval(order):
            await asyncio.to_thread(tell_processing_once, record, dispatcher)  # iDEAL, Bancontact: PayPal captures once the bank confirms
            return []
        if order.get("status") == "APPROVED":
            order = await capture(record, dispatcher, tracker)
        elif order.get("status") != "COMPLETED":
            return []  # not approved yet: nothing to capture
        return await asyncio.to_thread(finish, record, order, dispatcher, tracker) if order else []


class ActionReportPaymentUpdate(Action):
    """PAYMENT.CAPTURE.* webhooks: completed later, pending, denied, refunded."""

    def name(self) -> Text:
        return "action_report_payment_update"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        record = await asyncio.to_thread(own_record, tracker)
        if record is None:
            return []
        event = latest_entity(tracker, "payment_event")
        order = await fetch_order(record)
        if order is None:
            return []
        try:
            payments.check_order(order, record, tracker.sender_id)
        except payments.PaymentCheckError:
            return []
        if event == "REFUNDED":
            await asyncio.to_thread(report_refunds, record, order, dispatcher, tracker)
            return []
        if event == "REVERSED":
            await asyncio.to_thread(report_reversal, record, order, dispatcher, tracker)
            return []
        return await asyncio.to_thread(finish, record, order, dispatcher, tracker)


class ActionCancelPayment(Action):
    def name(self) -> Text:
        return "action_cancel_payment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        record = await asyncio.to_thread(own_record, tracker)
        if record is None or record.status not in OPEN_STATUSES:
            return []  # never backwards
        order = await fetch_order(record)
        if order is None or order.get("status") not in OPEN_STATUSES:
            return []  # PayPal does not confirm it: approved meanwhile, or unknown
        if await asyncio.to_thread(get_ledger().move, record.order_id, "CANCELLED", OPEN_STATUSES):
            dispatcher.utter_message(response="utter_payment_cancelled")  # once per order
        return []


class ActionSendPaymentRequest(Action):
    """A merchant's payment request: the pay button in the customer's conversation."""

    def name(self) -> Text:
        return "action_send_payment_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        record = await asyncio.to_thread(own_record, tracker)
        if record is None or not record.approval_url:
            return []
        lang = language(tracker)
        total = total_text(record, lang)
        dispatcher.utter_message(
            response="utter_payment_request", description=record.description, total=total, approval_url=record.approval_url,
            buttons=[messages.pay_button(total, record.approval_url, lang, tracker.get_latest_input_channel())],
            json_message=update_for(tracker, "kassa_payment_request", record, order_id=record.order_id, description=record.description or ""),
        )
        return [SlotSet("last_order", payments.last_order(record.order_id, record.amount, record.currency, record.approval_url))]
