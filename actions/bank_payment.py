"""Paying with iDEAL or Bancontact: the name on the bank account and, for a delivery,
the address (PayPal collects none for these methods), then the order with the bank as
its payment source."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.checkout import (
    check_out_with_paypal,
    create_cart_order,
    delivery_address,
    fulfilment_of,
    payment_in_flight,
    remember_order,
    sellable_lines,
)
from actions.tracker import language, latest_entity, messenger_metadata
from shop import addresses, money, payment_methods, shipping
from shop import cart as cart_rules
from shop import fulfilment as fulfilments
from shop.phrases import phrase
from shop.stock import current_catalog

logger = logging.getLogger(__name__)


def bank_method_wanted(tracker: Tracker) -> Optional[payment_methods.BankMethod]:
    """iDEAL or Bancontact, as tapped or typed ("met iDEAL betalen")."""
    key = str(latest_entity(tracker, "payment_method") or tracker.get_slot("payment_method") or "").lower()
    return payment_methods.BANK_METHODS.get(key)


class ValidateBankPaymentForm(FormValidationAction):
    """The name on the bank account, which iDEAL and Bancontact need: Messenger's
    profile name when Facebook gave it, else asked once and kept for later orders."""

    def name(self) -> Text:
        return "validate_bank_payment_form"

    async def extract_account_holder(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("account_holder") or tracker.get_slot("requested_slot"):
            return {}
        profile_name = messenger_metadata(tracker, "profile_name")
        return {"account_holder": profile_name} if profile_name else {}

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """The address only for a delivery (picking up needs none)."""
        if fulfilment_of(tracker).zone is None:
            return [slot for slot in domain_slots if slot != "delivery_address"]
        return domain_slots

    async def extract_delivery_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An address kept from an earlier order is asked again when this one goes elsewhere."""
        kept = tracker.get_slot("delivery_address")
        zone = fulfilment_of(tracker).zone
        if isinstance(kept, dict) and zone is not None and kept.get("country_code") != zone.country:
            return {"delivery_address": None}
        return {}

    def validate_delivery_address(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if isinstance(slot_value, dict):  # kept from an earlier order, for this zone
            return {"delivery_address": slot_value}
        zone = fulfilment_of(tracker).zone
        country = zone.country if zone else ""
        try:
            address = addresses.parse(str(slot_value or ""), country)
        except addresses.AddressError as error:
            lang = language(tracker)
            reason = f"{error.reason}_{country}" if error.reason == addresses.NO_POSTCODE else error.reason
            dispatcher.utter_message(
                response="utter_invalid_delivery_address",
                problem=phrase(f"address_{reason}", lang),
                example=phrase(f"address_example_{country}", lang),
            )
            return {"delivery_address": None}
        return {"delivery_address": address.paypal()}

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

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        method = bank_method_wanted(tracker)
        if method is None:
            return await check_out_with_paypal(dispatcher, tracker)
        lines = sellable_lines(dispatcher, tracker)
        if not lines:
            return []
        currency, lang = current_catalog().currency, language(tracker)
        fulfilment = fulfilment_of(tracker)
        total = fulfilments.bill(cart_rules.total(lines), fulfilment).total
        if not payment_methods.allows(method, total, currency):
            logger.info(
                "%s not offered to %s: %s %s (EUR from %s)",
                method.label,
                tracker.sender_id,
                total,
                currency,
                method.minimum,
            )
            dispatcher.utter_message(response="utter_bank_method_unavailable", method=method.label)
            return []
        waiting = await payment_in_flight(dispatcher, tracker)
        if waiting is not None:
            return waiting
        created = await create_cart_order(dispatcher, tracker, lines, fulfilment, method)
        if not created:
            return []
        payer_action_url = created[1]
        dispatcher.utter_message(
            response="utter_bank_payment_ready",
            total=money.format_money(total, currency, lang),
            method=method.label,
            payer_action_url=payer_action_url,
            buttons=[replies.bank_pay_button(method, payer_action_url, lang)],
        )
        return await remember_order(tracker, lines, fulfilment, created, delivery_address(tracker, fulfilment))


class ActionAskDeliveryAddress(Action):
    """The bank payment form's question for the address, naming the country it goes to."""

    def name(self) -> Text:
        return "action_ask_delivery_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        lang, zone = language(tracker), fulfilment_of(tracker).zone
        if zone is None:
            return []
        dispatcher.utter_message(
            response="utter_ask_delivery_address",
            country=shipping.zone_name(zone, lang),
            example=phrase(f"address_example_{zone.country}", lang),
        )
        return []
