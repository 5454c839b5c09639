"""PayPal Orders v2 request bodies, built from priced cart lines.

Pure functions, no HTTP: what they return is validated against PayPal's
OpenAPI schema in the tests.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence

from shop import money
from shop.cart import CartLine
from shop.payment_methods import COMPLETE_ON_APPROVAL, BankMethod

LOCALES = {"en": "en-US", "nl": "nl-NL"}
# What experience_context_base (bank methods) takes of the PayPal wallet's context.
BANK_CONTEXT_FIELDS = ("brand_name", "locale", "shipping_preference", "return_url", "cancel_url")
CUSTOM_ID_MAX = 127
ITEM_NAME_MAX = 127


def checkout_request_id(
    conversation_id: str, lines: Sequence[CartLine], currency: str, epoch: int = 0, fulfilment: str = ""
) -> str:
    """PayPal-Request-Id for a checkout: the same conversation, lines, prices and epoch give the same id.

    ``epoch`` counts the orders this conversation has paid, so buying the same
    cart again later is a new order while a repeated checkout is not. The unit
    prices are part of it: after a price change the same cart is a new order at
    the new amount, never the old order at the old one. So is ``fulfilment`` (where it
    goes, or pickup): another choice is another amount.
    """
    priced = sorted((line.key, line.quantity, money.paypal_value(line.product.price, currency)) for line in lines)
    canonical = json.dumps(
        {"conversation": conversation_id, "lines": priced, "currency": currency, "epoch": epoch, "to": fulfilment},
        sort_keys=True,
    )
    return "kassa-checkout-" + hashlib.sha256(canonical.encode()).hexdigest()[:48]


def capture_request_id(order_id: str) -> str:
    """PayPal-Request-Id for capturing ``order_id``: one capture per order, ever."""
    return f"kassa-capture-{order_id}"


def replaced_refund_request_id(capture_id: str) -> str:
    """PayPal-Request-Id for refunding the capture of a replaced order: one refund, ever."""
    return f"kassa-replaced-{capture_id}"


def experience_context(public_url: str, shop_name: str, language: str, shipping_preference: str) -> Dict[str, Any]:
    base = public_url.rstrip("/")
    return {
        "brand_name": shop_name[:127],
        "locale": LOCALES.get(language, LOCALES["en"]),
        "shipping_preference": shipping_preference,
        "user_action": "PAY_NOW",
        "return_url": f"{base}/webhooks/paypal/return",
        "cancel_url": f"{base}/webhooks/paypal/cancel",
    }


def _item(line: CartLine, currency: str, language: str) -> Dict[str, Any]:
    return {
        "name": line.name(language)[:ITEM_NAME_MAX],
        "sku": line.key,
        "unit_amount": money.paypal_money(line.product.price, currency),
        "quantity": str(line.quantity),
        "category": "PHYSICAL_GOODS",
    }


def order_request(
    lines: Sequence[CartLine],
    currency: str,
    custom_id: str,
    context: Dict[str, Any],
    language: str = "en",
    description: Optional[str] = None,
    shipping: Optional[Decimal] = None,
    shipping_type: Optional[str] = None,
) -> Dict[str, Any]:
    """An Orders v2 create body whose item_total equals the sum of the items, and whose
    amount is item_total plus ``shipping`` (breakdown.shipping, even when it is free, so
    PayPal shows it), with the fulfilment as ``shipping.type``."""
    if not lines:
        raise ValueError("an order needs at least one line")
    if not custom_id or len(custom_id) > CUSTOM_ID_MAX:
        raise ValueError(f"custom_id must be 1 to {CUSTOM_ID_MAX} characters")
    items = [_item(line, currency, language) for line in lines]
    item_total = sum((money.quantize(line.product.price, currency) * line.quantity for line in lines), Decimal(0))
    breakdown = {"item_total": money.paypal_money(item_total, currency)}
    if shipping is not None:
        if shipping < 0:
            raise ValueError("shipping cannot be negative")
        breakdown["shipping"] = money.paypal_money(shipping, currency)
    total = item_total + money.quantize(shipping or Decimal(0), currency)
    unit: Dict[str, Any] = {
        "reference_id": "default",
        "custom_id": custom_id,
        "items": items,
        "amount": {**money.paypal_money(total, currency), "breakdown": breakdown},
    }
    if shipping_type:
        unit["shipping"] = {"type": shipping_type}
    if description:
        unit["description"] = description[:127]
    return {
        "intent": "CAPTURE",
        "purchase_units": [unit],
        "payment_source": {"paypal": {"experience_context": context}},
    }


def payment_request(
    amount: Decimal, currency: str, description: str, custom_id: str, context: Dict[str, Any]
) -> Dict[str, Any]:
    """An Orders v2 body for a merchant's payment request: one item, the description."""
    value = money.paypal_money(amount, currency)
    return {
        "intent": "CAPTURE",
        "purchase_units": [
            {
                "reference_id": "default",
                "custom_id": custom_id,
                "description": description[:127],
                "items": [
                    {
                        "name": description[:ITEM_NAME_MAX],
                        "unit_amount": value,
                        "quantity": "1",
                        "category": "DIGITAL_GOODS",
                    }
                ],
                "amount": {**value, "breakdown": {"item_total": value}},
            }
        ],
        "payment_source": {"paypal": {"experience_context": context}},
    }


def with_bank_source(body: Dict[str, Any], method: BankMethod, account_holder: str) -> Dict[str, Any]:
    """The same order paid with iDEAL or Bancontact: the bank method as payment source,
    with the account holder's name and the method's country, and the processing
    instruction these methods require (PayPal captures once the bank approves)."""
    name = " ".join(account_holder.split())
    if not 3 <= len(name) <= 300:
        raise ValueError("the account holder's name must be 3 to 300 characters")
    paypal_context = ((body.get("payment_source") or {}).get("paypal") or {}).get("experience_context") or {}
    context = {key: value for key, value in paypal_context.items() if key in BANK_CONTEXT_FIELDS}
    return {
        **body,
        "payment_source": {method.key: {"name": name, "country_code": method.country, "experience_context": context}},
        "processing_instruction": COMPLETE_ON_APPROVAL,
    }


def with_provided_address(body: Dict[str, Any], name: str, address: Optional[Mapping[str, str]]) -> Dict[str, Any]:
    """The order shipped to an address the shop collected (iDEAL and Bancontact, where
    PayPal asks for none): purchase_units[0].shipping.name and .address, and
    shipping_preference SET_PROVIDED_ADDRESS so that PayPal keeps it as given."""
    if not address:
        raise ValueError("a delivery paid by bank needs the address typed in the chat")
    unit = {**body["purchase_units"][0]}
    unit["shipping"] = {**unit.get("shipping", {}), "name": {"full_name": name[:300]}, "address": dict(address)}
    source = {**body["payment_source"]}
    for key, value in source.items():
        context = {**(value.get("experience_context") or {}), "shipping_preference": "SET_PROVIDED_ADDRESS"}
        source[key] = {**value, "experience_context": context}
    return {**body, "purchase_units": [unit, *body["purchase_units"][1:]], "payment_source": source}


def approval_link(order: Mapping[str, Any]) -> Optional[str]:
    """The link the buyer opens: ``payer-action``, or ``approve`` in older responses."""
    links: List[Mapping[str, Any]] = order.get("links") or []
    by_rel = {link.get("rel"): link.get("href") for link in links}
    return by_rel.get("payer-action") or by_rel.get("approve")


def order_amount(order: Mapping[str, Any]) -> Optional[Dict[str, str]]:
    """The first purchase unit's amount as {currency_code, value}, if present."""
    units = order.get("purchase_units") or []
    if not units or "amount" not in units[0]:
        return None
    amount = units[0]["amount"]
    return {"currency_code": amount.get("currency_code"), "value": amount.get("value")}
