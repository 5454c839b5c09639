"""Checkout: create the PayPal order for the cart; tell the customer where it stands."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import cart as cart_rules
from actions import messages, money, payment_methods, payments, paypal_orders
from actions.catalog import get_catalog
from actions.conversation import current_cart, language, latest_entity, messenger_metadata
from actions.ledger import get_ledger
from actions.paypal_client import PayPalError, get_client

logger = logging.getLogger(__name__)

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
        conversation_id, error.status, error.name, error.debug_id, error.issues,
    )
    if error.retryable:
        dispatcher.utter_message(response="utter_payment_unavailable")
    else:
        dispatcher.utter_message(response="utter_payment_refused", reason=error.name)


def order_record(order: Dict[str, Any], approval_url: str, request_id: str, total: str, currency: str) -> Dict[str, Any]:
    """What the conversation remembers of the order it created (and later checks capture against)."""
    return {
        "id": order["id"],
        "request_id": request_id,
        "amount": total,
        "currency": currency,
        "approval_url": approval_url,
        "created_at": int(time.time()),
    }


class ActionCheckout(Action):
    def name(self) -> Text:
        return "action_checkout"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog, lang = get_catalog(), language(tracker)
        cart = current_cart(tracker)
        lines = cart_rules.lines(cart, catalog)
        if not lines:
            dispatcher.utter_message(response="utter_checkout_empty_cart")
            return []
        for line in lines:
            try:
                cart_rules.check_quantity(line.product, line.quantity, cart_rules.in_other_lines_of(cart, line.product, line.key))
            except cart_rules.CartError as error:
                dispatcher.utter_message(
                    response="utter_checkout_item_unavailable",
                    product_name=line.name(lang),
                    limit=error.details.get("limit", 0),
                )
                return []
        client = get_client()
        config = client.config
        currency = catalog.currency
        request_id = paypal_orders.checkout_request_id(
            tracker.sender_id, lines, currency, epoch=get_ledger().checkout_epoch(tracker.sender_id)
        )
        context = paypal_orders.experience_context(config.public_url, config.shop_name, lang, config.shipping_preference)
        try:
            body = paypal_orders.order_request(lines, currency, tracker.sender_id, context, language=lang)
        except ValueError as error:
            logger.error("Cannot build a PayPal order for conversation %s: %s", tracker.sender_id, error)
            dispatcher.utter_message(response="utter_payment_refused", reason=str(error))
            return []
        try:
            order = await asyncio.to_thread(client.create_order, body, request_id)
        except PayPalError as error:
            report_paypal_error(dispatcher, error, tracker.sender_id)
            return []
        approval_url = paypal_orders.approval_link(order)
        if not approval_url:
            logger.error("PayPal order %s came without an approval link", order.get("id"))
            dispatcher.utter_message(response="utter_payment_unavailable")
            return []
        total = cart_rules.total(lines)
        total_text = money.format_money(total, currency, lang)
        banks = payment_methods.offered(lang, messenger_metadata(tracker, "locale"), total, currency)
        dispatcher.utter_message(
            response="utter_checkout_choose_method" if banks else "utter_checkout_ready",
            cart_lines=messages.cart_lines_text(lines, currency, lang),
            total=total_text,
            approval_url=approval_url,
            methods=messages.method_list(banks, lang),
            buttons=[messages.pay_button(total_text, approval_url, lang, tracker.get_latest_input_channel()),
                     *(messages.bank_method_button(method, lang) for method in banks)],
        )
        record = order_record(order, approval_url, request_id, money.paypal_value(total, currency), currency)
        ledger = get_ledger()
        ledger.record_order(
            order["id"], tracker.sender_id, payments.ledger_items(lines, currency, lang), record["amount"], currency,
            str(order.get("status")), approval_url,
        )
        ledger.supersede_open_orders(tracker.sender_id, newest=order["id"])  # one pay button works: the latest
        return [SlotSet("last_order", record)]


class ActionCheckOrderStatus(Action):
    def name(self) -> Text:
        return "action_check_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        lang = language(tracker)
        record: Optional[Dict[str, Any]] = tracker.get_slot("last_order")
        if not isinstance(record, dict) or not record.get("id"):
            dispatcher.utter_message(response="utter_no_order")
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
        return []


def bank_method_wanted(tracker: Tracker) -> Optional[payment_methods.BankMethod]:
    """iDEAL or Bancontact, as tapped or typed ("met iDEAL betalen")."""
    key = str(latest_entity(tracker, "payment_method") or tracker.get_slot("payment_method") or "").lower()
    return payment_methods.BANK_METHODS.get(key)


class ValidateAccountHolderForm(FormValidationAction):
    """The name on the bank account, which iDEAL and Bancontact need: Messenger's
    profile name when Facebook gave it, else asked once and kept for later orders."""

    def name(self) -> Text:
        return "validate_account_holder_form"

    async def extract_account_holder(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("account_holder") or tracker.get_slot("requested_slot"):
            return {}
        profile_name = messenger_metadata(tracker, "profile_name")
        return {"account_holder": profile_name} if profile_name else {}

    def validate_account_holder(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = " ".join(str(slot_value or "").split())
        if 3 <= len(name) <= 300 and any(c.isalpha() for c in name) and not any(c.isdigit() for c in name):
            return {"account_holder": name}
        dispatcher.utter_message(response="utter_invalid_account_holder")
        return {"account_holder": None}


class ActionStartBankPayment(Action):
    """The cart's order paid with iDEAL or Bancontact: created with that payment source,
    the customer sent to PayPal's payer-action link (their bank)."""

    def name(self) -> Text:
        return "action_start_bank_payment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog, lang = get_catalog(), language(tracker)
        method = bank_method_wanted(tracker)
        lines = cart_rules.lines(current_cart(tracker), catalog)
        if not lines:
            dispatcher.utter_message(response="utter_checkout_empty_cart")
            return []
        if method is None:
            return await ActionCheckout().run(dispatcher, tracker, domain)
        total, currency = cart_rules.total(lines), catalog.currency
        if not payment_methods.allows(method, total, currency):
            logger.info("%s not offered to %s: %s %s (EUR from %s)", method.label, tracker.sender_id, total, currency, method.minimum)
            dispatcher.utter_message(response="utter_bank_method_unavailable", method=method.label)
            return []
        client = get_client()
        config = client.config
        context = paypal_orders.experience_context(config.public_url, config.shop_name, lang, config.shipping_preference)
        request_id = paypal_orders.checkout_request_id(
            tracker.sender_id, lines, currency, epoch=get_ledger().checkout_epoch(tracker.sender_id)
        ) + "-" + method.key
        try:
            body = paypal_orders.with_bank_source(
                paypal_orders.order_request(lines, currency, tracker.sender_id, context, language=lang),
                method, str(tracker.get_slot("account_holder") or ""),
            )
            order = await asyncio.to_thread(client.create_order, body, request_id)
        except ValueError as error:
            logger.error("Cannot build a %s order for conversation %s: %s", method.label, tracker.sender_id, error)
            dispatcher.utter_message(response="utter_payment_refused", reason=str(error))
            return []
        except PayPalError as error:
            report_paypal_error(dispatcher, error, tracker.sender_id)
            return []
        payer_action_url = paypal_orders.approval_link(order)
        if not payer_action_url:
            logger.error("PayPal %s order %s came without a payer-action link", method.label, order.get("id"))
            dispatcher.utter_message(response="utter_payment_unavailable")
            return []
        total_text = money.format_money(total, currency, lang)
        dispatcher.utter_message(
            response="utter_bank_payment_ready", total=total_text, method=method.label, payer_action_url=payer_action_url,
            buttons=[messages.bank_pay_button(method, payer_action_url, lang)],
        )
        record = order_record(order, payer_action_url, request_id, money.paypal_value(total, currency), currency)
        ledger = get_ledger()
        ledger.record_order(
            order["id"], tracker.sender_id, payments.ledger_items(lines, currency, lang), record["amount"], currency,
            str(order.get("status")), payer_action_url,
        )
        ledger.supersede_open_orders(tracker.sender_id, newest=order["id"])  # the PayPal button of the checkout stops working
        return [SlotSet("last_order", record)]
