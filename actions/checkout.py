"""Checkout: create the PayPal order for the cart; tell the customer where it stands."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import payment as payment_actions
from actions import replies
from actions.shop_terms import tell_paid_order_delivery
from actions.tracker import current_cart, language, messenger_metadata
from shop import cart as cart_rules
from shop import fulfilment as fulfilments
from shop import money, payment_methods
from shop.ledger import IN_FLIGHT, OPEN_STATUSES, Ledger, get_ledger
from shop.paypal import checks as payments
from shop.paypal import orders as paypal_orders
from shop.paypal.client import PayPalError, get_client
from shop.stock import current_catalog
from shop.terms import get_terms

logger = logging.getLogger(__name__)

REFUNDED_STATUSES = ("REFUNDED", "PARTIALLY_REFUNDED")
STATUS_RESPONSES = {
    "CREATED": "utter_order_awaiting_payment",
    "PAYER_ACTION_REQUIRED": "utter_order_awaiting_payment",
    "SAVED": "utter_order_awaiting_payment",
    "APPROVED": "utter_order_approved",
    "COMPLETED": "utter_order_completed",
    "VOIDED": "utter_order_cancelled",
}


def report_paypal_error(dispatcher: CollectingDispatcher, error: PayPalError, conversation_id: str) -> None:
    logger.error(
        "PayPal call failed for conversation %s: status=%s name=%s debug_id=%s issues=%s",
        conversation_id,
        error.status,
        error.name,
        error.debug_id,
        error.issues,
    )
    if error.retryable:
        dispatcher.utter_message(response="utter_payment_unavailable")
    else:
        dispatcher.utter_message(response="utter_payment_refused", reason=error.name)


def sellable_lines(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[cart_rules.CartLine]]:
    """Step 1: the cart's lines, if there are any and the stock still allows them; else None, said."""
    catalog, lang = current_catalog(), language(tracker)
    cart = current_cart(tracker)
    lines = cart_rules.lines(cart, catalog)
    if not lines:
        dispatcher.utter_message(response="utter_checkout_empty_cart")
        return None
    for line in lines:
        try:
            cart_rules.check_quantity(
                line.product, line.quantity, cart_rules.in_other_lines_of(cart, line.product, line.key)
            )
        except cart_rules.CartError as error:
            dispatcher.utter_message(
                response="utter_checkout_item_unavailable",
                product_name=line.name(lang),
                limit=error.details.get("limit", 0),
            )
            return None
    return lines


def fulfilment_of(tracker: Tracker) -> fulfilments.Fulfilment:
    """Delivery or pickup as the customer chose it (slot delivery_choice), else delivery
    where Messenger's locale says they are, else in the shop's own country."""
    return fulfilments.chosen(tracker.get_slot("delivery_choice"), messenger_metadata(tracker, "locale"), get_terms())


def delivery_address(tracker: Tracker, fulfilment: fulfilments.Fulfilment) -> Optional[Dict[str, Any]]:
    """The address the customer typed for this delivery's zone (bank methods), if any."""
    typed = tracker.get_slot("delivery_address")
    if isinstance(typed, dict) and fulfilment.zone is not None and typed.get("country_code") == fulfilment.zone.country:
        return typed
    return None


async def payment_in_flight(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """Before a new checkout: a payment of this conversation that can still complete.

    An order the buyer approved at the bank (iDEAL, Bancontact) or whose capture is
    PENDING completes at PayPal without the shop: a new order beside it could charge the
    same cart twice, so the customer is told to wait instead (None means: go on). Open
    orders are asked of PayPal, since the buyer may have approved one a moment ago; one
    approved with PayPal itself is captured now, which is what the buyer asked for."""
    ledger = get_ledger()
    for record in await asyncio.to_thread(ledger.cart_orders, tracker.sender_id, (*IN_FLIGHT, *OPEN_STATUSES)):
        if record.status not in IN_FLIGHT:
            order = await payment_actions.fetch_order(record)
            if order is None or order.get("status") != "APPROVED":
                continue
            if not payment_methods.completes_on_approval(order):
                captured = await payment_actions.capture(record, order, dispatcher, tracker)
                return (
                    await asyncio.to_thread(payment_actions.finish, record, captured, dispatcher, tracker)
                    if captured
                    else []
                )
            await asyncio.to_thread(ledger.record_approval, record.order_id)
        lang = language(tracker)
        dispatcher.utter_message(
            response="utter_payment_in_progress",
            order_id=record.order_id,
            total=payment_actions.total_text(record, lang),
        )
        return []
    return None


async def create_cart_order(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    lines: List[cart_rules.CartLine],
    fulfilment: fulfilments.Fulfilment,
    method: Optional[payment_methods.BankMethod] = None,
) -> Optional[Tuple[Dict[str, Any], str, str]]:
    """Step 2: the cart's PayPal order (paid with PayPal, or with ``method``) under a
    PayPal-Request-Id bound to the cart, its fulfilment and the conversation's epoch:
    (order, the link the buyer opens, the request id); None, said, when PayPal or the
    body refuses."""
    catalog, lang = current_catalog(), language(tracker)
    client = get_client()
    config = client.config
    epoch = await asyncio.to_thread(get_ledger().checkout_epoch, tracker.sender_id)
    request_id = paypal_orders.checkout_request_id(
        tracker.sender_id, lines, catalog.currency, epoch=epoch, fulfilment=fulfilment.choice
    )
    request_id += f"-{method.key}" if method else ""
    preference = (
        fulfilments.PICKUP_SHIPPING_PREFERENCE
        if fulfilment.method == fulfilments.PICKUP
        else config.shipping_preference
    )
    context = paypal_orders.experience_context(config.public_url, config.shop_name, lang, preference)
    try:
        body = paypal_orders.order_request(
            lines,
            catalog.currency,
            tracker.sender_id,
            context,
            language=lang,
            shipping=fulfilment.shipping_for(cart_rules.total(lines)),
            shipping_type=fulfilment.paypal_type,
        )
        if method:
            holder = str(tracker.get_slot("account_holder") or "")
            body = paypal_orders.with_bank_source(body, method, holder)
            if fulfilment.zone is not None:  # PayPal collects no address for a bank method
                body = paypal_orders.with_provided_address(body, holder, delivery_address(tracker, fulfilment))
        order = await asyncio.to_thread(client.create_order, body, request_id)
    except ValueError as error:
        logger.error("Cannot build a PayPal order for conversation %s: %s", tracker.sender_id, error)
        dispatcher.utter_message(response="utter_payment_refused", reason=str(error))
        return None
    except PayPalError as error:
        report_paypal_error(dispatcher, error, tracker.sender_id)
        return None
    link = paypal_orders.approval_link(order)
    if not link:
        logger.error("PayPal order %s came without an approval or payer-action link", order.get("id"))
        dispatcher.utter_message(response="utter_payment_unavailable")
        return None
    return order, link, request_id


async def remember_order(
    tracker: Tracker,
    lines: List[cart_rules.CartLine],
    fulfilment: fulfilments.Fulfilment,
    created: Tuple[Dict[str, Any], str, str],
    typed_address: Optional[Dict[str, Any]] = None,
) -> List[Dict[Text, Any]]:
    """Step 3: the order and its fulfilment in the ledger (off the event loop), the
    conversation's other open orders superseded (one pay button works: the latest), and
    the last_order slot."""
    order, link, _ = created
    currency, lang = current_catalog().currency, language(tracker)
    bill = fulfilments.bill(cart_rules.total(lines), fulfilment)
    amount = money.paypal_value(bill.total, currency)
    items = payments.ledger_items(lines, currency, lang)
    country = fulfilment.zone.country if fulfilment.zone else None

    def write(ledger: Ledger) -> None:
        ledger.record_order(order["id"], tracker.sender_id, items, amount, currency, str(order.get("status")), link)
        ledger.record_shipment(order["id"], fulfilment.method, country, money.paypal_value(bill.shipping, currency))
        if typed_address:  # a bank method's, typed in the chat (PayPal's own is kept on capture)
            ledger.record_address(order["id"], str(tracker.get_slot("account_holder") or ""), typed_address)
        ledger.supersede_open_orders(tracker.sender_id, newest=order["id"])

    await asyncio.to_thread(write, get_ledger())
    return [SlotSet("last_order", payments.last_order(order["id"], amount, currency, link))]


async def check_out_with_paypal(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """The cart's PayPal order and its pay button (or why there is none)."""
    lines = sellable_lines(dispatcher, tracker)
    waiting = await payment_in_flight(dispatcher, tracker) if lines else None
    if waiting is not None:
        return waiting
    fulfilment = fulfilment_of(tracker)
    created = await create_cart_order(dispatcher, tracker, lines, fulfilment) if lines else None
    if not lines or not created:
        return []
    approval_url = created[1]
    currency, lang = current_catalog().currency, language(tracker)
    bill = fulfilments.bill(cart_rules.total(lines), fulfilment)
    total_text = money.format_money(bill.total, currency, lang)
    banks = payment_methods.offered(lang, messenger_metadata(tracker, "locale"), bill.total, currency)
    dispatcher.utter_message(
        response="utter_checkout_choose_method" if banks else "utter_checkout_ready",
        cart_lines=replies.cart_lines_text(lines, currency, lang),
        shipping_line=replies.shipping_line(fulfilment, bill, get_terms(), lang),
        total=total_text,
        approval_url=approval_url,
        methods=replies.method_list(banks, lang),
        buttons=[
            replies.pay_button(total_text, approval_url, lang, tracker.get_latest_input_channel()),
            *(replies.bank_method_button(method, lang) for method in banks),
        ],
    )
    offer_other_fulfilment(dispatcher, fulfilment, lang)
    return await remember_order(tracker, lines, fulfilment, created)


def offer_other_fulfilment(dispatcher: CollectingDispatcher, current: fulfilments.Fulfilment, lang: str) -> None:
    """Quick replies for pickup or another zone; tapping one checks out again that way."""
    others = fulfilments.alternatives(current, get_terms())
    if others:
        dispatcher.utter_message(
            response="utter_checkout_other_fulfilment",
            quick_replies=[replies.fulfilment_button(option, lang) for option in others],
        )


class ActionCheckout(Action):
    def name(self) -> Text:
        return "action_checkout"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await check_out_with_paypal(dispatcher, tracker)


class ActionCheckOrderStatus(Action):
    def name(self) -> Text:
        return "action_check_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        lang = language(tracker)
        record: Optional[Dict[str, Any]] = tracker.get_slot("last_order")
        if not isinstance(record, dict) or not record.get("id"):
            dispatcher.utter_message(response="utter_no_order")
            return []
        if await asyncio.to_thread(tell_refund, dispatcher, str(record["id"]), lang):
            return []
        client = get_client()
        try:
            order = await asyncio.to_thread(client.get_order, record["id"])
        except PayPalError as error:
            logger.error("PayPal order lookup failed: status=%s debug_id=%s", error.status, error.debug_id)
            dispatcher.utter_message(response="utter_order_status_unknown")
            return []
        status = str(order.get("status"))
        amount = paypal_orders.order_amount(order) or {"value": record["amount"], "currency_code": record["currency"]}
        total = money.format_money(money.to_decimal(amount["value"]), amount["currency_code"], lang)
        dispatcher.utter_message(
            response=STATUS_RESPONSES.get(status, "utter_order_status_unknown"),
            order_id=order.get("id"),
            total=total,
            approval_url=paypal_orders.approval_link(order) or record.get("approval_url") or "",
        )
        if status == "COMPLETED":  # paid: when it goes out and arrives
            await tell_paid_order_delivery(dispatcher, tracker)
        return []


def tell_refund(dispatcher: CollectingDispatcher, order_id: str, lang: str) -> bool:
    """A refunded order's status from the ledger (PayPal's order stays COMPLETED after a
    refund of its capture); False when the order has no refund."""
    ledger = get_ledger()
    order = ledger.order(order_id)
    if order is None or order.status not in REFUNDED_STATUSES:
        return False
    dispatcher.utter_message(
        response="utter_order_refunded" if order.status == "REFUNDED" else "utter_order_refunded_partly",
        order_id=order_id,
        refunded=money.format_money(ledger.refunded_amount(order_id), order.currency, lang),
        total=money.format_money(money.to_decimal(order.amount), order.currency, lang),
    )
    return True
