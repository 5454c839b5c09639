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
from actions.tracker import language, latest_entity, max_price, typed_text
from shop import money
from shop.catalog import Catalog, Product, get_catalog
from shop.finder import Found, finder_for


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
        catalog = get_catalog()
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
    """What the customer's words ask to see: a search, a category, or the categories."""
    catalog, lang = get_catalog(), language(tracker)
    wanted, text, limit = latest_entity(tracker, "category"), typed_text(tracker), max_price(tracker)
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
