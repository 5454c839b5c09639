"""Answers from the shop's terms (catalog/terms.yml) and the customer's own order:
shipping cost, delivery date, pickup, returns, warranty and payment methods.

None of these actions touches the cart: a question is answered, never acted on.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.browse import show_what_it_names
from actions.product_questions import answer_detail_question
from actions.tracker import current_cart, language, messenger_metadata, typed_text
from shop import cart as cart_rules
from shop import delivery, fulfilment, locale_format, money, numbers, shipping, tracking
from shop.catalog import in_language
from shop.ledger import Shipment, get_ledger
from shop.ledger.tables import OrderRecord
from shop.phrases import phrase
from shop.returns import PAID, latest_returnable
from shop.stock import current_catalog
from shop.terms import Terms, Zone, get_terms

# Below this confidence a terms intent may be a product question or a need that NLU drew
# to the terms. Measured in the conversation tests: "something so my stuff stays dry when
# it pours" read as ask_delivery at 0.43, "past hij op elke bagagedrager?" as ask_returns
# at 0.52; the terms questions themselves came at 0.65 and above.
UNSURE_BELOW = 0.6


def _money(amount: Decimal, terms: Terms, lang: str) -> str:
    return money.format_money(amount, terms.currency, lang)


def _price(amount: Decimal, terms: Terms, lang: str) -> str:
    return phrase("shipping_free", lang) if amount == 0 else _money(amount, terms, lang)


def _day(day: date, today: date, lang: str) -> str:
    """'today' or 'on Thursday 3 December'."""
    if day == today:
        return phrase("day_today", lang)
    return phrase("day_on", lang, day=locale_format.format_day(day, lang))


def _zone_lines(terms: Terms, lang: str) -> str:
    lines = []
    for zone in terms.zones.values():
        values = dict(
            country=locale_format.country_name(zone.country, lang),
            price=_money(zone.price, terms, lang),
            carrier=zone.carrier.name,
        )
        if zone.free_from is None:
            lines.append(phrase("shipping_zone_line", lang, **values))
        else:
            lines.append(
                phrase("shipping_zone_line_free_from", lang, free_from=_money(zone.free_from, terms, lang), **values)
            )
    return "\n".join(lines)


def _free_note(quote: shipping.Quote, terms: Terms, lang: str) -> str:
    if quote.zone.free_from is None or quote.shipping == 0:
        return ""
    if quote.items_total > 0:
        return " " + phrase("shipping_short_of_free", lang, more=_money(quote.short_of_free or Decimal(0), terms, lang))
    return " " + phrase("shipping_free_from", lang, free_from=_money(quote.zone.free_from, terms, lang))


def answered_otherwise(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """When NLU is unsure of the terms question: a question about a product's detail is
    answered as one, and products or a need the message names are shown. None: answer
    the terms question (always, when NLU is sure)."""
    confidence = float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0)
    if confidence >= UNSURE_BELOW:
        return None
    answered = answer_detail_question(dispatcher, tracker)
    if answered is not None:
        return answered
    return show_what_it_names(dispatcher, tracker, current_catalog())


def tell_elsewhere(dispatcher: CollectingDispatcher, country: str, terms: Terms, lang: str) -> None:
    """A country the shop has no zone for: what the terms say happens then."""
    dispatcher.utter_message(
        response="utter_shipping_elsewhere",
        country=locale_format.country_name(country, lang),
        elsewhere=in_language(terms.elsewhere, lang),
    )


def asked_destination(tracker: Tracker, terms: Terms) -> Optional[shipping.Destination]:
    """The country the customer named, or Messenger's locale's when the shop ships there."""
    found = shipping.destination(typed_text(tracker), messenger_metadata(tracker, "locale"), terms)
    if found is None or (found.source == shipping.LOCALE and found.zone is None):
        return None
    return found


def items_total_asked(tracker: Tracker, lang: str) -> Decimal:
    """An amount the message names ('for €40'), else the cart's items; 0 for neither."""
    named = numbers.prices(typed_text(tracker), lang)
    if named:
        return named[0]
    return cart_rules.total(cart_rules.lines(current_cart(tracker), current_catalog()))


class TermsAnswer(Action, ABC):
    """An answer from the terms: first what NLU may have meant instead (see
    ``answered_otherwise``), then ``answer``. Never an event: the cart stays as it is."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        otherwise = answered_otherwise(dispatcher, tracker)
        if otherwise is not None:
            return otherwise
        await self.answer(dispatcher, tracker)
        return []

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Tell the customer what the terms (and their orders) say."""


class ActionAnswerShipping(TermsAnswer):
    def name(self) -> Text:
        return "action_answer_shipping"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        lang, terms = language(tracker), get_terms()
        where = asked_destination(tracker, terms)
        if where is None:
            dispatcher.utter_message(response="utter_shipping_costs", zone_lines=_zone_lines(terms, lang))
            return
        if where.zone is None:
            tell_elsewhere(dispatcher, where.country, terms, lang)
            return
        quote = shipping.quote(where.zone, items_total_asked(tracker, lang))
        dispatcher.utter_message(
            response="utter_shipping_for_amount" if quote.items_total > 0 else "utter_shipping_cost",
            country=shipping.zone_name(where.zone, lang),
            carrier=where.zone.carrier.name,
            items_total=_money(quote.items_total, terms, lang),
            price=_price(quote.shipping, terms, lang),
            free_note=_free_note(quote, terms, lang),
        )


def paid_order(tracker: Tracker) -> Optional[OrderRecord]:
    """The conversation's latest order, when it is paid."""
    record = tracker.get_slot("last_order")
    order_id = record.get("id") if isinstance(record, dict) else None
    if not order_id:
        return None
    order = get_ledger().order(str(order_id))
    return order if order is not None and order.status == PAID else None


def tell_delivery(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    ordered_at: datetime,
    order_id: Optional[str],
    paid_zone: Optional[Zone] = None,
) -> None:
    """When an order placed (or paid) at ``ordered_at`` goes out and arrives: in the zone
    it paid shipping to, else the one asked about, else per zone."""
    lang, terms = language(tracker), get_terms()
    today = datetime.now(timezone.utc).astimezone(terms.timezone).date()
    where = asked_destination(tracker, terms) if paid_zone is None else None
    if where is not None and where.zone is None:
        tell_elsewhere(dispatcher, where.country, terms, lang)
        return
    if paid_zone is not None:
        zones = [paid_zone]
    else:
        zones = [where.zone] if where is not None and where.zone is not None else list(terms.zones.values())
    promises = [(zone, delivery.promise(ordered_at, terms, zone)) for zone in zones]
    goes_out = _day(promises[0][1].goes_out, today, lang)
    values: Dict[str, Any] = dict(
        goes_out=goes_out, order_id=order_id or "", cut_off=locale_format.format_clock(terms.dispatch.cut_off, lang)
    )
    if len(promises) == 1:
        zone, promise = promises[0]
        values.update(
            country=shipping.zone_name(zone, lang),
            carrier=zone.carrier.name,
            arrives=locale_format.format_day(promise.arrives, lang),
        )
    else:
        values["zone_lines"] = "\n".join(
            phrase(
                "delivery_zone_line",
                lang,
                country=locale_format.country_name(zone.country, lang),
                carrier=zone.carrier.name,
                arrives=locale_format.format_day(promise.arrives, lang),
            )
            for zone, promise in promises
        )
    if order_id:
        response = "utter_order_goes_out" if len(promises) == 1 else "utter_order_goes_out_zones"
    elif promises[0][1].goes_out_today:
        response = "utter_delivery_today" if len(promises) == 1 else "utter_delivery_today_zones"
    else:
        response = "utter_delivery_later" if len(promises) == 1 else "utter_delivery_later_zones"
    dispatcher.utter_message(response=response, **values)


async def tell_paid_order_delivery(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Where the conversation's paid order is: shipped (with its tracking link) or ready,
    else when it goes out and arrives (or is ready to pick up); False without one."""
    order = await asyncio.to_thread(paid_order, tracker)
    paid_at = order.changed_to(PAID) if order is not None else None
    if order is None or paid_at is None:
        return False
    shipment = await asyncio.to_thread(get_ledger().shipment, order.order_id)
    lang, terms = language(tracker), get_terms()
    if shipment is not None and shipment.shipped_at:
        response, values = shipment_news(order, shipment, terms, lang)
        dispatcher.utter_message(response=response, buttons=track_buttons(values, lang), **values)
    elif shipment is not None and shipment.method == fulfilment.PICKUP:
        today = datetime.now(timezone.utc).astimezone(terms.timezone).date()
        dispatcher.utter_message(
            response="utter_order_pickup_from",
            order_id=order.order_id,
            ready=_day(delivery.ready_for_pickup(paid_at, terms), today, lang),
            address=in_language(terms.pickup.address, lang),
        )
    else:
        zone = terms.zone(shipment.country) if shipment is not None else None
        tell_delivery(dispatcher, tracker, paid_at, order.order_id, zone)
    return True


def track_buttons(values: Dict[str, Any], lang: str) -> List[Dict[str, str]]:
    """ "Track your parcel" to the carrier's page, when the news has a tracking link."""
    link = values.get("tracking_url")
    return [replies.url_button(phrase("track_parcel_button", lang), link)] if link else []


def shipment_news(record: OrderRecord, shipment: Shipment, terms: Terms, lang: str) -> Tuple[str, Dict[str, Any]]:
    """The response telling a shipped order (carrier, tracking link) or a pickup order ready."""
    if shipment.method == fulfilment.PICKUP:
        return "utter_order_ready_for_pickup", dict(
            order_id=record.order_id,
            address=in_language(terms.pickup.address, lang),
            hours=opening_hours_text(terms, lang),
        )
    carrier = terms.carriers.get(str(shipment.carrier))
    address = shipment.address or {}
    link = (
        tracking.link(
            carrier.tracking_url,
            str(shipment.tracking_number),
            str(address.get("postal_code") or ""),
            str(address.get("country_code") or shipment.country or ""),
        )
        if carrier
        else ""
    )
    return "utter_order_shipped", dict(
        order_id=record.order_id,
        carrier=carrier.name if carrier else str(shipment.carrier),
        tracking_number=str(shipment.tracking_number),
        tracking_url=link,
    )


class ActionAnswerDelivery(TermsAnswer):
    def name(self) -> Text:
        return "action_answer_delivery"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        if not await tell_paid_order_delivery(dispatcher, tracker):
            tell_delivery(dispatcher, tracker, datetime.now(timezone.utc), None)


class ActionAnswerPickup(TermsAnswer):
    def name(self) -> Text:
        return "action_answer_pickup"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        lang, terms = language(tracker), get_terms()
        now = datetime.now(timezone.utc).astimezone(terms.timezone)
        dispatcher.utter_message(
            response="utter_pickup",
            address=in_language(terms.pickup.address, lang),
            hours=opening_hours_text(terms, lang),
            ready=_day(delivery.ready_for_pickup(now, terms), now.date(), lang),
        )


def opening_hours_text(terms: Terms, lang: str) -> str:
    """The shop's opening hours, a line per day."""
    return "\n".join(
        phrase(
            "opening_hours_line",
            lang,
            day=locale_format.format_weekday(opening.weekday, lang),
            opens=locale_format.format_clock(opening.opens, lang),
            closes=locale_format.format_clock(opening.closes, lang),
        )
        for opening in terms.pickup.opening_hours
    )


def how_to_return(lang: str) -> Dict[str, str]:
    """The terms' ``how`` and who pays the return postage, for a returns response."""
    returns = get_terms().returns
    return {"how": in_language(returns.how, lang), "postage": phrase(f"return_postage_{returns.return_postage}", lang)}


def answer_returns(dispatcher: CollectingDispatcher, lang: str, offer_return: bool = False) -> None:
    """How returns work; with ``offer_return`` (the customer has a paid order here), a quick
    reply that starts the return: asking is not yet asking for one."""
    extra: Dict[str, Any] = {}
    if offer_return:
        extra["quick_replies"] = [replies.postback_button(phrase("start_return_button", lang), "/request_return")]
    dispatcher.utter_message(response="utter_returns", days=get_terms().returns.days, **how_to_return(lang), **extra)


class ActionAnswerReturns(TermsAnswer):
    def name(self) -> Text:
        return "action_answer_returns"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        orders = await asyncio.to_thread(get_ledger().orders, tracker.sender_id)
        answer_returns(dispatcher, language(tracker), offer_return=latest_returnable(orders) is not None)


class ActionAnswerWarranty(TermsAnswer):
    def name(self) -> Text:
        return "action_answer_warranty"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        lang, warranty = language(tracker), get_terms().warranty
        dispatcher.utter_message(
            response="utter_warranty", years=warranty.years, warranty_text=in_language(warranty.text, lang)
        )


class ActionAnswerPaymentMethods(TermsAnswer):
    def name(self) -> Text:
        return "action_answer_payment_methods"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        lang = language(tracker)
        names = [phrase(f"payment_method_{method}", lang) for method in get_terms().payment_methods]
        dispatcher.utter_message(response="utter_payment_methods", methods=locale_format.join_words(names, lang))
