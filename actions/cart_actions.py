"""The cart: add, change, remove, show, clear, and the forms that ask what is missing."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import cart as cart_rules
from actions import messages, money
from actions.browse_actions import suggest_products
from actions.catalog import Catalog, Product, get_catalog
from actions.conversation import current_cart, language, signed_quantity

RESET_ITEM_SLOTS = [SlotSet("product", None), SlotSet("quantity", None)]
REFUSAL_RESPONSES = {
    "invalid_quantity": "utter_invalid_quantity",
    "too_many": "utter_too_many",
    "out_of_stock": "utter_out_of_stock",
    "not_in_cart": "utter_not_in_cart",
    "cart_full": "utter_cart_full",
}


def total_text(cart: cart_rules.Cart, catalog: Catalog, lang: str) -> str:
    return money.format_money(cart_rules.total(cart_rules.lines(cart, catalog)), catalog.currency, lang)


def explain_refusal(dispatcher: CollectingDispatcher, error: cart_rules.CartError, catalog: Catalog, lang: str) -> None:
    """Tell the customer why the cart did not change."""
    product = catalog.product(error.details.get("product"))
    values = {
        "product_name": product.name(lang) if product else "",
        "quantity": error.details.get("quantity", ""),
        "limit": error.details.get("limit", cart_rules.MAX_QUANTITY_PER_LINE),
    }
    dispatcher.utter_message(response=REFUSAL_RESPONSES[error.code], **values)


def wanted_quantity(tracker: Tracker) -> Optional[str]:
    """The quantity from this message (sign kept), else the one the form collected."""
    return signed_quantity(tracker) or tracker.get_slot("quantity")


def change_cart(
    dispatcher: CollectingDispatcher, tracker: Tracker, change: Callable[[cart_rules.Cart, Product, int], cart_rules.Cart],
    raw_quantity: Any, ask: str, done: str,
) -> List[Dict[Text, Any]]:
    """Apply ``change`` for the product and quantity asked; a refusal leaves the cart as it was."""
    catalog, lang = get_catalog(), language(tracker)
    product = catalog.resolve(tracker.get_slot("product"))
    if product is None:
        dispatcher.utter_message(response=ask)
        return RESET_ITEM_SLOTS
    try:
        quantity = cart_rules.parse_quantity(raw_quantity)
        cart = change(current_cart(tracker), product, quantity)
    except cart_rules.CartError as error:
        error.details.setdefault("product", product.sku)
        explain_refusal(dispatcher, error, catalog, lang)
        return RESET_ITEM_SLOTS
    dispatcher.utter_message(response=done, quantity=quantity, product_name=product.name(lang), total=total_text(cart, catalog, lang))
    return [SlotSet("cart", cart), *RESET_ITEM_SLOTS]


class ActionAddToCart(Action):
    def name(self) -> Text:
        return "action_add_to_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return change_cart(
            dispatcher, tracker, cart_rules.add, wanted_quantity(tracker), "utter_ask_add_to_cart_form_product", "utter_added_to_cart"
        )


class ActionChangeQuantity(Action):
    def name(self) -> Text:
        return "action_change_quantity"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return change_cart(
            dispatcher, tracker, cart_rules.set_quantity, tracker.get_slot("quantity"),
            "utter_ask_change_quantity_form_product", "utter_quantity_changed",
        )


class ActionRemoveFromCart(Action):
    def name(self) -> Text:
        return "action_remove_from_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog, lang = get_catalog(), language(tracker)
        cart = current_cart(tracker)
        if not cart:
            dispatcher.utter_message(response="utter_cart_empty")
            return RESET_ITEM_SLOTS
        product = catalog.resolve(tracker.get_slot("product"))
        if product is None and len(cart) == 1:
            product = catalog.product(next(iter(cart)))
        if product is None:
            in_cart = [line.product for line in cart_rules.lines(cart, catalog)]
            dispatcher.utter_message(
                response="utter_which_product_to_remove",
                buttons=messages.product_buttons(in_cart[:3], "remove_from_cart", lang),
            )
            return RESET_ITEM_SLOTS
        try:
            raw_quantity = signed_quantity(tracker)
            quantity = cart_rules.parse_quantity(raw_quantity) if raw_quantity else None
            cart = cart_rules.remove(cart, product, quantity)
        except cart_rules.CartError as error:
            error.details.setdefault("product", product.sku)
            explain_refusal(dispatcher, error, catalog, lang)
            return RESET_ITEM_SLOTS
        dispatcher.utter_message(
            response="utter_removed_from_cart", product_name=product.name(lang), total=total_text(cart, catalog, lang)
        )
        return [SlotSet("cart", cart), *RESET_ITEM_SLOTS]


class ActionShowCart(Action):
    def name(self) -> Text:
        return "action_show_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalog, lang = get_catalog(), language(tracker)
        lines = cart_rules.lines(current_cart(tracker), catalog)
        if not lines:
            dispatcher.utter_message(response="utter_cart_empty")
            return []
        dispatcher.utter_message(
            response="utter_cart_contents",
            cart_lines=messages.cart_lines_text(lines, catalog.currency, lang),
            total=money.format_money(cart_rules.total(lines), catalog.currency, lang),
        )
        return []


class ActionClearCart(Action):
    def name(self) -> Text:
        return "action_clear_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_cart_cleared")
        return [SlotSet("cart", {}), *RESET_ITEM_SLOTS]


def validate_product_choice(
    slot_value: Any, dispatcher: CollectingDispatcher, intent: str, tracker: Tracker
) -> Dict[Text, Any]:
    catalog = get_catalog()
    product = catalog.resolve(slot_value)
    if product is None:
        suggest_products(dispatcher, str(slot_value), intent, catalog, language(tracker))
        return {"product": None}
    return {"product": product.sku}


class ValidateAddToCartForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_add_to_cart_form"

    def validate_product(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return validate_product_choice(slot_value, dispatcher, "add_to_cart", tracker)


class ValidateChangeQuantityForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_change_quantity_form"

    def validate_product(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = validate_product_choice(slot_value, dispatcher, "change_quantity", tracker)
        if result["product"] and result["product"] not in current_cart(tracker):
            product = get_catalog().product(result["product"])
            dispatcher.utter_message(response="utter_not_in_cart", product_name=product.name(language(tracker)))
            return {"product": None}
        return result

    def validate_quantity(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        raw = signed_quantity(tracker) or slot_value
        try:
            return {"quantity": str(cart_rules.parse_quantity(raw))}
        except cart_rules.CartError:
            dispatcher.utter_message(response="utter_invalid_quantity", quantity=raw, limit=cart_rules.MAX_QUANTITY_PER_LINE)
            return {"quantity": None}
