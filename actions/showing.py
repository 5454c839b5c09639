"""What a customer is shown while browsing: carousels of products, one product's card,
the categories, "did you mean" suggestions, and a search's answer. Helpers the browse
and cart actions share; no action lives here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.tracker import language, latest_entity, max_price, price_ranking, typed_text
from shop import money, ranking
from shop.catalog import DETAIL_KINDS, Catalog, Category, Product
from shop.finder import Found, finder_for
from shop.stock import current_catalog


def show_products(
    dispatcher: CollectingDispatcher,
    response: str,
    products: Sequence[Product],
    catalog: Catalog,
    lang: str,
    **values: Any,
) -> List[Dict[Text, Any]]:
    """A carousel of ``products``; remembered so that "the second one" can point into it."""
    shown = list(products[: replies.MAX_RESULTS])
    dispatcher.utter_message(
        response=response,
        elements=replies.carousel(shown, catalog, lang),
        show_more=replies.phrase("show_more_button", lang),
        **values,
    )
    return [SlotSet("shown_products", [p.sku for p in shown])]


def suggest_products(
    dispatcher: CollectingDispatcher, query: str, candidates: Sequence[Product], intent: str, lang: str
) -> None:
    """Answer a product we could not pin down: "did you mean" buttons, or that we don't sell it."""
    if candidates:
        dispatcher.utter_message(
            response="utter_unknown_product", query=query, buttons=replies.product_buttons(candidates, intent, lang)
        )
    else:
        catalog = current_catalog()
        unknown = " ".join(finder_for(catalog).find(query).unknown_words) or query
        show_categories(dispatcher, catalog, lang, "utter_unknown_product_no_match", query=unknown)


def show_categories(
    dispatcher: CollectingDispatcher, catalog: Catalog, lang: str, response: str = "utter_categories", **values: Any
) -> None:
    dispatcher.utter_message(response=response, quick_replies=replies.category_quick_replies(catalog, lang), **values)


def show_found(
    dispatcher: CollectingDispatcher, found: Found, limit: Optional[Decimal], catalog: Catalog, lang: str
) -> List[Dict[Text, Any]]:
    """What a search found: a category as the category, else the products, best first."""
    if found.category is not None and limit is None:
        return show_products(
            dispatcher,
            "utter_products_in_category",
            found.products,
            catalog,
            lang,
            category_name=found.category.name(lang).lower(),
        )
    return show_products(dispatcher, "utter_search_results", found.products, catalog, lang)


def search(text: str, limit: Optional[Decimal], catalog: Catalog) -> Found:
    """Products for the words and the limit; with a limit and no words, everything under it."""
    found = finder_for(catalog).find(text, limit)
    if not found.products and limit is not None and not finder_for(catalog).score(text)[0] and not found.unknown_words:
        found.products = sorted(
            (p for p in catalog.products.values() if p.price <= limit), key=lambda p: (p.price, p.sku)
        )
    return found


def explain_nothing_found(
    dispatcher: CollectingDispatcher,
    text: str,
    limit: Optional[Decimal],
    catalog: Catalog,
    lang: str,
    response: str = "utter_no_search_results",
) -> List[Dict[Text, Any]]:
    """Nothing matched: under the limit (the cheapest match is shown), or at all (the categories)."""
    if limit is not None:
        unlimited = finder_for(catalog).find(text)
        if unlimited.products:
            cheapest = min(unlimited.products, key=lambda p: (p.price, p.sku))
            return show_products(
                dispatcher,
                "utter_nothing_under_price",
                [cheapest],
                catalog,
                lang,
                price=money.format_money(limit, catalog.currency, lang),
            )
    words = " ".join(finder_for(catalog).find(text).unknown_words) or text
    show_categories(dispatcher, catalog, lang, response, query=words)
    return []


def show_details(
    dispatcher: CollectingDispatcher, product: Product, catalog: Catalog, lang: str
) -> List[Dict[Text, Any]]:
    """One product's card: picture, price, description, stock, sizes and colours, Add to cart."""
    dispatcher.utter_message(
        response="utter_product_details",
        image=catalog.image_url(product),
        product_name=product.name(lang),
        price=replies.price_text(product, catalog, lang),
        description=product.description(lang),
        detail_lines=_with_newline(replies.detail_lines(product, DETAIL_KINDS, lang)),
        availability=replies.availability(product, lang),
        variant_list=replies.variant_list(product, lang),
        buttons=[
            replies.postback_button(
                replies.phrase("add_to_cart_button", lang), replies.intent_payload("add_to_cart", product=product.sku)
            )
        ],
    )
    return [SlotSet("product", None), SlotSet("shown_products", [product.sku]), SlotSet("last_product", product.sku)]


def browse_catalog(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """What the customer's words ask to see: a search, a category, or the categories;
    chosen and ordered by price when they ask for that ("the cheapest light")."""
    catalog, lang = current_catalog(), language(tracker)
    wanted, text, limit = latest_entity(tracker, "category"), typed_text(tracker), max_price(tracker)
    asked = price_ranking(tracker)
    if asked.chooses:
        return show_ranked(dispatcher, asked, text, wanted, catalog, lang)
    found = search(text, limit, catalog) if text else Found()
    if found.products:
        return show_found(dispatcher, found, limit, catalog, lang)
    if limit is not None and text:
        return explain_nothing_found(dispatcher, text, limit, catalog, lang)
    category = catalog.category(wanted)
    if category is None and wanted:
        category = finder_for(catalog).find(wanted).category
    if category is not None:
        return show_found(dispatcher, Found(catalog.in_category(category.id), category), None, catalog, lang)
    if wanted:
        return explain_nothing_found(dispatcher, text or str(wanted), limit, catalog, lang, "utter_unknown_category")
    if limit is not None or (text and found.unknown_words):
        return explain_nothing_found(dispatcher, text, limit, catalog, lang)
    show_categories(dispatcher, catalog, lang)
    return []


def show_ranked(
    dispatcher: CollectingDispatcher,
    asked: ranking.Ranking,
    text: str,
    wanted: Optional[str],
    catalog: Catalog,
    lang: str,
) -> List[Dict[Text, Any]]:
    """The products asked about, in the order asked for, led by a one-line reason
    ("Coil Cable Lock, €14.95: the cheapest of our locks.")."""
    finder = finder_for(catalog)
    found = finder.find(text) if text else Found()
    category = found.category or catalog.category(wanted)
    if category is None and wanted:
        category = finder.find(wanted).category
    named = finder.score(text)[2] if text else set()
    if category is None and len(named) == 1:
        category = catalog.category(next(iter(named)))
    if category is not None:  # "which helmet weighs the least": helmets only, whatever else the words matched
        found.products = [p for p in found.products if p.category == category.id]
        if asked.detail is not None and category.id in named:
            # a measured superlative of a kind named ("which of your lights is brightest") compares the
            # whole kind: a need in the words ("unlit roads") does not narrow what "brightest" is among
            found.products = catalog.in_category(category.id)
        if len(found.products) == len(catalog.in_category(category.id)):
            found.category = category
    if found.products:
        products, among = (
            found.products,
            _among(found.category, lang) if found.category else replies.phrase("among_found", lang),
        )
    elif category is not None:
        products, among = catalog.in_category(category.id), _among(category, lang)
    elif found.unknown_words or wanted:
        return explain_nothing_found(dispatcher, text or str(wanted), None, catalog, lang)
    else:
        products, among = list(catalog.products.values()), replies.phrase("among_everything", lang)
    chosen = asked.apply(products)
    bounds = _bounds(asked, catalog, lang)
    within = [p for p in products if asked.admits(p)]
    if not within:
        nearest = min(products, key=lambda p: (_distance(asked, p.price), p.sku))
        return show_products(dispatcher, "utter_nothing_in_price_range", [nearest], catalog, lang, bounds=bounds)
    if asked.detail is not None and not chosen:  # "the lightest bag", and no bag's weight is known
        label = replies.phrase("detail_" + asked.detail, lang).lower()
        reason = replies.phrase("rank_unknown", lang, label=label, among=among)
        return show_products(dispatcher, "utter_ranked_products", within, catalog, lang, reason=reason)
    reason = _reason(asked, chosen[0], among, bounds, catalog, lang)
    if asked.detail is not None and len(chosen) < len(within):
        label = replies.phrase("detail_" + asked.detail, lang).lower()
        reason += replies.phrase("rank_left_out", lang, count=len(within) - len(chosen), label=label)
    return show_products(dispatcher, "utter_ranked_products", chosen, catalog, lang, reason=reason)


def _reason(asked: ranking.Ranking, first: Product, among: str, bounds: str, catalog: Catalog, lang: str) -> str:
    """Why the first product comes first ("Coil Cable Lock, €12.95: the cheapest of our locks.")."""
    if asked.order is None:
        reason = replies.phrase("rank_within", lang, among=among, bounds=bounds)
        return reason[:1].upper() + reason[1:]
    if asked.detail is not None:
        measured = first.detail(asked.detail, lang) or ""
        if asked.detail != "weight":
            measured = f"{replies.phrase('detail_' + asked.detail, lang).lower()} {measured}"
        return replies.phrase(
            "rank_" + asked.order, lang, product=first.name(lang), detail=measured, among=among, bounds=bounds
        )
    key = "rank_dearest" if asked.order == ranking.DEAREST else "rank_cheapest"
    return replies.phrase(
        key, lang, product=first.name(lang), price=replies.price_text(first, catalog, lang), among=among, bounds=bounds
    )


def _with_newline(lines: str) -> str:
    return lines + "\n" if lines else ""


def _among(category: Category, lang: str) -> str:
    return replies.phrase("among_category", lang, category=category.name(lang).lower())


def _bounds(asked: ranking.Ranking, catalog: Catalog, lang: str) -> str:
    low, high = (
        money.format_money(value, catalog.currency, lang) if value is not None else None
        for value in (asked.floor, asked.ceiling)
    )
    if low and high:
        return replies.phrase("bounds_between", lang, low=low, high=high)
    if low:
        return replies.phrase("bounds_over", lang, low=low)
    if high:
        return replies.phrase("bounds_under", lang, high=high)
    return ""


def _distance(asked: ranking.Ranking, price: Decimal) -> Decimal:
    """How far a price lies outside the bounds asked for (0 inside them)."""
    below = asked.floor - price if asked.floor is not None and price < asked.floor else Decimal(0)
    above = price - asked.ceiling if asked.ceiling is not None and price > asked.ceiling else Decimal(0)
    return below + above
