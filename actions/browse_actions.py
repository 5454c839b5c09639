"""Browsing: categories, products of a category, search, product details."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.catalog import Catalog, Product, get_catalog
from actions.conversation import language, latest_entity, latest_text, max_price, requested_product


def show_products(
    dispatcher: CollectingDispatcher, response: str, products: Sequence[Product], catalog: Catalog, lang: str, **values: Any
) -> None:
    dispatcher.utter_message(
        response=response,
        elements=messages.carousel(products, catalog, lang),
        **values,
    )


def suggest_products(dispatcher: CollectingDispatcher, query: str, intent: str, catalog: Catalog, lang: str) -> None:
    """Answer an unknown product with the closest matches as buttons."""
    closest = catalog.closest(query)
    if closest:
        dispatcher.utter_message(
            response="utter_unknown_product", query=query, buttons=messages.product_buttons(closest, intent, lang)
        )
    else:
        dispatcher.utter_message(response="utter_unknown_product_no_match", query=query)


class ActionShowCatalog(Action):
    def name(self) -> Text:
        return "action_show_catalog"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog, lang = get_catalog(), language(tracker)
        wanted = latest_entity(tracker, "category")
        if not wanted:
            dispatcher.utter_message(response="utter_categories", quick_replies=messages.category_quick_replies(catalog, lang))
            return []
        category = catalog.category(wanted) or catalog.match_category(wanted)
        if category is None:
            dispatcher.utter_message(
                response="utter_unknown_category", query=wanted, quick_replies=messages.category_quick_replies(catalog, lang)
            )
            return []
        products = catalog.in_category(category.id)
        show_products(dispatcher, "utter_products_in_category", products, catalog, lang, category_name=category.name(lang).lower())
        return []


class ActionSearchProducts(Action):
    def name(self) -> Text:
        return "action_search_products"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog, lang = get_catalog(), language(tracker)
        category_word = latest_entity(tracker, "category")
        category = (catalog.category(category_word) or catalog.match_category(category_word)) if category_word else None
        product, _ = requested_product(tracker, catalog) if latest_entity(tracker, "product") else (None, None)
        if product is not None:
            found = [product]
        else:
            found = catalog.search(latest_text(tracker), max_price(tracker), category.id if category else None)
        if not found:
            dispatcher.utter_message(response="utter_no_search_results", query=latest_text(tracker))
            return []
        show_products(dispatcher, "utter_search_results", found, catalog, lang)
        return []


class ActionShowProduct(Action):
    def name(self) -> Text:
        return "action_show_product"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog, lang = get_catalog(), language(tracker)
        product, raw = requested_product(tracker, catalog)
        if product is None:
            if raw:
                suggest_products(dispatcher, raw, "product_details", catalog, lang)
            else:
                dispatcher.utter_message(response="utter_categories", quick_replies=messages.category_quick_replies(catalog, lang))
            return [SlotSet("product", None)]
        dispatcher.utter_message(
            response="utter_product_details",
            image=catalog.image_url(product),
            product_name=product.name(lang),
            price=messages.price_text(product, catalog, lang),
            description=product.description(lang),
            availability=messages.availability(product, lang),
            variant_list=messages.variant_list(product, lang),
            buttons=[
                messages.postback_button(
                    messages.phrase("add_to_cart", lang), messages.intent_payload("add_to_cart", product=product.sku)
                )
            ],
        )
        return [SlotSet("product", product.sku)]
