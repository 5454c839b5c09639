"""Payment events from the paypal channel: capture exactly once, receipt, updates."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.delivery_address import address_fits_zone
from actions.stock_check import still_in_stock
from actions.tracker import current_cart, external_event, language, latest_entity, slot_number
from shop import cart as cart_rules
from shop import money, payment_methods, stock
from shop.ledger import (
    APPROVED,
    OPEN_STATUSES,
    PAY_BUTTON_DELIVERED,
    PAYMENT_RECEIVED,
    REFUNDING,
    RETURNED,
    REVERSED,
    SOLD,
    SUPERSEDED,
    VOIDED,
    OrderRecord,
    get_ledger,
    refund_notice,
)
from shop.paypal import checks as payments
from shop.paypal import orders as paypal_orders
from shop.paypal.client import PayPalError, get_client
from shop.paypal.intents import EXTERNAL_INTENTS
from shop.stock import current_catalog

# Orders a newer checkout replaced: never captured by the shop; refunded if PayPal completes one anyway.
REPLACED = (SUPERSEDED, VOIDED)
# The statuses of refunded orders.
REFUNDS = ("PARTIALLY_REFUNDED", "REFUNDED")
# The paid orders a conversation remembers having taken out of its cart (the newest).
APPLIED_ORDERS_KEPT = 50

logger = logging.getLogger(__name__)


def from_payment_channel(tracker: Tracker) -> bool:
    """True when this turn is an external event (what the paypal channel sends), never typed text.

    Rasa marks an external event with ``is_external`` metadata and the text
    ``EXTERNAL: <intent>``; a typed ``/payment_update{...}`` keeps its own text,
    and NLU never predicts the payment intents, which have no examples.
    """
    return external_event(tracker) in EXTERNAL_INTENTS


def own_record(tracker: Tracker) -> Optional[OrderRecord]:
    """The ledger's order named by the event, if the event is real and the order belongs to this conversation."""
    if not from_payment_channel(tracker):
        logger.warning(
            "SECURITY: payment action refused: the turn in conversation %s is not a payment event", tracker.sender_id
        )
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
    tracker: Tracker,
    template: str,
    record: OrderRecord,
    order_id: Optional[str] = None,
    receipt_of: Optional[str] = None,
    notice: Optional[str] = None,
    **values: str,
) -> Optional[Dict[str, Any]]:
    """This update's utility template (Messenger, outside the 24-hour window): the order id
    and total always, ``values`` for the rest of the template's parameters. ``notice``: the
    ledger's notice the update tells, given back if the template cannot be sent, so that
    the event's retry tells it then."""
    lang = language(tracker)
    filled = {"order_id": record.order_id, "total": total_text(record, lang), **values}
    update = replies.utility_update(tracker.get_latest_input_channel(), template, lang, filled, order_id, receipt_of)
    if update is not None and notice:
        update["utility"]["notice"] = {"order_id": record.order_id, "name": notice}
    return update


async def fetch_order(record: OrderRecord) -> Optional[Dict[str, Any]]:
    try:
        return await asyncio.to_thread(get_client().get_order, record.order_id)
    except PayPalError as error:
        logger.error(
            "PayPal order %s lookup failed: status=%s debug_id=%s", record.order_id, error.status, error.debug_id
        )
        return None


async def capture(
    record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> Optional[Dict[str, Any]]:
    """Capture the APPROVED ``order`` under a PayPal-Request-Id bound to it, when its address
    is where it paid shipping to; the order after capture, or None."""
    if not await asyncio.to_thread(address_fits_zone, record, order, dispatcher, tracker):
        return None
    if not await asyncio.to_thread(still_in_stock, record, dispatcher, tracker):
        return None
    try:
        return await asyncio.to_thread(
            get_client().capture_order, record.order_id, paypal_orders.capture_request_id(record.order_id)
        )
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
                response="utter_payment_declined",
                order_id=record.order_id,
                buttons=[
                    replies.pay_button(
                        total_text(record, lang), record.approval_url or "", lang, tracker.get_latest_input_channel()
                    )
                ],
                json_message=update_for(tracker, "kassa_payment_failed", record, order_id=record.order_id),
            )
            return None
        logger.error(
            "Capture of %s failed: status=%s debug_id=%s issues=%s",
            record.order_id,
            error.status,
            error.debug_id,
            error.issues,
        )
        if error.retryable:
            await asyncio.to_thread(tell_processing_once, record, dispatcher)
        return None


def record_bank_approval(record: OrderRecord, dispatcher: CollectingDispatcher) -> None:
    """iDEAL, Bancontact: the buyer approved at the bank and PayPal captures once the bank
    confirms. Recorded at once, so that no later checkout supersedes it or starts another."""
    get_ledger().record_approval(record.order_id)
    tell_processing_once(record, dispatcher)


def settle_replaced_order(
    record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> List[Dict[str, Any]]:
    """An approval of an order a newer checkout replaced. PayPal-method orders are never
    captured; a bank order completes at PayPal whatever the shop does, so its capture is
    refunded as soon as PayPal shows it (now, or with PAYMENT.CAPTURE.COMPLETED)."""
    if payment_methods.completes_on_approval(order):
        return finish(record, order, dispatcher, tracker) if order.get("status") == "COMPLETED" else []
    refuse_replaced_order(record, dispatcher, tracker)
    return []


def tell_processing_once(record: OrderRecord, dispatcher: CollectingDispatcher) -> None:
    """ "Confirming your payment": once per order, however often the capture is retried."""
    if get_ledger().claim_notice(record.order_id, "processing"):
        dispatcher.utter_message(response="utter_payment_processing")


def finish(
    record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> List[Dict[str, Any]]:
    """Record the capture's outcome; on COMPLETED send one receipt and take the items out of the cart."""
    lang = language(tracker)
    found = payments.latest_capture(order)
    if found is None:
        return []
    status = found.get("status")
    ledger = get_ledger()
    if record.status in REPLACED:
        if status == "COMPLETED":
            refund_replaced_payment(record, order, found, dispatcher, tracker)
        return []  # a PENDING capture of a replaced order: refunded once PayPal completes it
    if record.status in (*REFUNDS, REFUNDING):
        return []  # money went back: never COMPLETED again, nothing more to tell or take from the cart
    if status in ("PENDING", "DECLINED"):
        ledger.update(record.order_id, status, capture_id=found.get("id"))
        if record.status != status:  # read at the start of this turn, under the conversation's lock
            response, template = (
                ("utter_payment_pending", "kassa_payment_pending")
                if status == "PENDING"
                else ("utter_payment_denied", "kassa_payment_failed")
            )
            dispatcher.utter_message(
                response=response,
                order_id=record.order_id,
                total=total_text(record, lang),
                json_message=update_for(
                    tracker, template, record, order_id=record.order_id if status == "DECLINED" else None
                ),
            )
        return []
    if status != "COMPLETED":
        return []
    ledger.update(
        record.order_id,
        "COMPLETED",
        capture_id=found.get("id"),
        payer_name=payments.payer_name(order),
        payer_email=payments.payer_email(order),
    )
    if record.kind == "cart":
        stock.sold_with(record.order_id, SOLD, record.items)
    if ledger.claim_receipt(record.order_id):  # else delivered, or another turn is sending it now
        send_receipt(record, order, found, dispatcher, tracker)
    if ledger.claim_notice(record.order_id, PAYMENT_RECEIVED):
        dispatcher.utter_message(
            response="utter_payment_received",
            total=total_text(record, lang),
            order_id=record.order_id,
            payer_name=payments.payer_name(order),
        )
    return apply_to_cart(record, tracker)


def send_receipt(
    record: OrderRecord,
    order: Dict[str, Any],
    capture: Dict[str, Any],
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> None:
    if tracker.get_latest_input_channel() == "facebook":
        # marked delivered by the Messenger output once Facebook accepted it; tried again until then
        receipt = {"receipt": payments.receipt(record, order, capture, current_catalog())}
        dispatcher.utter_message(
            json_message={
                **receipt,
                **(update_for(tracker, "kassa_order_confirmed", record, receipt_of=record.order_id) or {}),
            }
        )
    else:
        get_ledger().receipt_delivered(record.order_id)  # other channels get no receipt template: the thanks is it


def apply_to_cart(record: OrderRecord, tracker: Tracker) -> List[Dict[str, Any]]:
    """Take a paid order's items out of the cart, once per order: the slot ``applied_orders``
    is saved with the cart in one tracker write, so a turn lost after the ledger's claims
    (a crash, a failed save) applies it on its retry instead of leaving paid items to be
    charged again."""
    applied = applied_orders(tracker)
    if record.order_id in applied:
        return []
    events: List[Dict[str, Any]] = [
        SlotSet("paid_orders", slot_number(tracker, "paid_orders") + 1),
        SlotSet("applied_orders", [*applied, record.order_id][-APPLIED_ORDERS_KEPT:]),
    ]
    if record.kind == "cart":
        paid = {item["sku"]: int(item["quantity"]) for item in record.items if item.get("sku")}
        events.append(SlotSet("cart", cart_rules.without(current_cart(tracker), paid)))
    return events


def applied_orders(tracker: Tracker) -> List[str]:
    value = tracker.get_slot("applied_orders")
    return [str(order_id) for order_id in value] if isinstance(value, list) else []


def refund_replaced_payment(
    record: OrderRecord,
    order: Dict[str, Any],
    capture: Dict[str, Any],
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> None:
    """PayPal completed an order a newer checkout had replaced (an iDEAL or Bancontact
    payment the bank confirmed late, an old bank link approved): the customer must not
    pay twice, so the whole capture goes back at once, under a PayPal-Request-Id bound to
    the capture, and the customer is told once. The cart stays as it was."""
    ledger = get_ledger()
    ledger.update(record.order_id, record.status, capture_id=capture.get("id"))
    try:
        refund = get_client().refund_capture(
            str(capture["id"]), paypal_orders.replaced_refund_request_id(str(capture["id"]))
        )
    except PayPalError as error:
        if "CAPTURE_FULLY_REFUNDED" not in error.issues:
            logger.error(
                "Refund of replaced order %s failed: status=%s debug_id=%s issues=%s (tried again with the webhook)",
                record.order_id,
                error.status,
                error.debug_id,
                error.issues,
            )
            return
        refund = next(iter(payments.refunds(order)), {"id": "", "status": "COMPLETED", "amount": capture["amount"]})
    logger.warning(
        "Order %s was paid after a newer checkout replaced it: refunded in full (%s)", record.order_id, refund.get("id")
    )
    if refund.get("id"):
        amount = refund.get("amount") or capture["amount"]
        ledger.record_refund(
            str(refund["id"]), record.order_id, amount["value"], amount["currency_code"], str(refund.get("status"))
        )
    ledger.update(record.order_id, "REFUNDED" if refund.get("status") == "COMPLETED" else REFUNDING)
    notice = refund_notice(str(refund.get("id")))
    if not ledger.claim_notice(record.order_id, notice):
        return
    total = total_text(record, language(tracker))
    dispatcher.utter_message(
        response="utter_payment_replaced_refunded",
        order_id=record.order_id,
        total=total,
        method=payment_methods.method_of_order(order),
        buttons=latest_pay_buttons(record, tracker),
        json_message=update_for(tracker, "kassa_refund_issued", record, notice=notice, amount=total),
    )


def latest_pay_buttons(record: OrderRecord, tracker: Tracker) -> List[Dict[str, str]]:
    """The pay button of the conversation's newest open order, if it has one."""
    latest = get_ledger().latest_open_order(record.conversation_id)
    if latest is None or not latest.approval_url:
        return []
    lang = language(tracker)
    return [replies.pay_button(total_text(latest, lang), latest.approval_url, lang, tracker.get_latest_input_channel())]


def refuse_replaced_order(record: OrderRecord, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """An older pay link of a cart checked out again (other items or prices): never
    captured; the buyer is told once, with the latest pay button if there is one."""
    ledger = get_ledger()
    if not ledger.move(record.order_id, VOIDED, (SUPERSEDED,)):
        return
    logger.warning("Order %s was approved after a newer checkout replaced it: not captured", record.order_id)
    dispatcher.utter_message(
        response="utter_payment_link_replaced", order_id=record.order_id, buttons=latest_pay_buttons(record, tracker)
    )


def report_refunds(
    record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> None:
    """Keep each refund PayPal lists as its own row and tell the customer each one once,
    with its amount; the order is REFUNDED only when the whole capture is."""
    ledger, lang = get_ledger(), language(tracker)
    completed = [r for r in payments.refunds(order) if r.get("status") == "COMPLETED"]
    for refund in completed:
        ledger.record_refund(
            refund["id"], record.order_id, refund["amount"]["value"], refund["amount"]["currency_code"], "COMPLETED"
        )
    whole = ledger.refunded_amount(record.order_id) >= money.to_decimal(record.amount)
    if completed:
        ledger.update(record.order_id, "REFUNDED" if whole else "PARTIALLY_REFUNDED")
    if completed and whole and record.kind == "cart":
        stock.sold_with(record.order_id, RETURNED, record.items)
    for refund in completed:
        notice = refund_notice(refund["id"])
        if not ledger.claim_notice(record.order_id, notice):
            continue
        value = money.format_money(money.to_decimal(refund["amount"]["value"]), record.currency, lang)
        update = update_for(tracker, "kassa_refund_issued", record, notice=notice, amount=value)
        if whole and len(completed) == 1:
            dispatcher.utter_message(
                response="utter_payment_refunded",
                order_id=record.order_id,
                total=total_text(record, lang),
                json_message=update,
            )
        else:
            dispatcher.utter_message(
                response="utter_payment_partly_refunded", order_id=record.order_id, refunded=value, json_message=update
            )


def report_reversal(
    record: OrderRecord, order: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> None:
    """An iDEAL or Bancontact approval the bank did not confirm in time: nothing was
    captured, the order is REVERSED, the cart stays. Told once (the ledger's move)."""
    if order.get("status") in ("COMPLETED",) or payments.latest_capture(order):
        return  # PayPal shows a capture after all: the capture events speak for it
    if get_ledger().move(record.order_id, REVERSED, (*OPEN_STATUSES, APPROVED, SUPERSEDED)):
        lang = language(tracker)
        dispatcher.utter_message(
            response="utter_payment_reversed",
            method=payment_methods.method_of_order(order),
            order_id=record.order_id,
            total=total_text(record, lang),
        )


class ActionCapturePayment(Action):
    def name(self) -> Text:
        return "action_capture_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        record = await asyncio.to_thread(own_record, tracker)
        if record is None:
            return []
        order = await fetch_order(record)
        if order is None:
            if record.status not in REPLACED:
                await asyncio.to_thread(tell_processing_once, record, dispatcher)
            return []
        try:
            payments.check_order(order, record, tracker.sender_id)
        except payments.PaymentCheckError:
            return []
        if record.status in REPLACED:
            return await asyncio.to_thread(settle_replaced_order, record, order, dispatcher, tracker)
        if order.get("status") == "APPROVED" and payment_methods.completes_on_approval(order):
            await asyncio.to_thread(record_bank_approval, record, dispatcher)
            return []
        if order.get("status") == "APPROVED":
            order = await capture(record, order, dispatcher, tracker)
        elif order.get("status") != "COMPLETED":
            return []  # not approved yet: nothing to capture
        return await asyncio.to_thread(finish, record, order, dispatcher, tracker) if order else []


class ActionReportPaymentUpdate(Action):
    """PAYMENT.CAPTURE.* webhooks: completed later, pending, denied, refunded."""

    def name(self) -> Text:
        return "action_report_payment_update"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
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

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
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

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        record = await asyncio.to_thread(own_record, tracker)
        if record is None or not record.approval_url:
            return []
        ledger = get_ledger()
        if await asyncio.to_thread(ledger.notice_claimed, record.order_id, PAY_BUTTON_DELIVERED):
            return []  # a request sent again after its button went out: nothing twice
        lang, channel = language(tracker), tracker.get_latest_input_channel()
        total = total_text(record, lang)
        # Messenger's output notes the delivery once Facebook accepted the whole message;
        # the paypal channel sends the request again until it has
        delivery = (
            {"delivered": {"order_id": record.order_id, "notice": PAY_BUTTON_DELIVERED}}
            if channel == "facebook"
            else {}
        )
        dispatcher.utter_message(
            response="utter_payment_request",
            description=record.description,
            total=total,
            approval_url=record.approval_url,
            buttons=[replies.pay_button(total, record.approval_url, lang, channel)],
            json_message={
                **delivery,
                **(
                    update_for(
                        tracker,
                        "kassa_payment_request",
                        record,
                        order_id=record.order_id,
                        description=record.description or "",
                    )
                    or {}
                ),
            }
            or None,
        )
        if channel != "facebook":  # other channels answer within the request: handed over is delivered
            await asyncio.to_thread(ledger.claim_notice, record.order_id, PAY_BUTTON_DELIVERED)
        return [
            SlotSet(
                "last_order", payments.last_order(record.order_id, record.amount, record.currency, record.approval_url)
            )
        ]
