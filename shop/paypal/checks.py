"""Checking a PayPal order against the ledger, and the receipt it earns.

Nothing is captured unless PayPal's order belongs to this conversation, is
approved, and asks exactly the amount the shop recorded when it created it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Tuple

from shop import money, payment_methods, variants
from shop.cart import CartLine
from shop.catalog import Catalog
from shop.ledger import OrderRecord
from shop.paypal import orders as paypal_orders

logger = logging.getLogger(__name__)
CAPTURABLE = ("APPROVED", "COMPLETED")


class PaymentCheckError(Exception):
    """PayPal's order does not match what this conversation may pay."""


def ledger_items(lines: List[CartLine], currency: str, language: str) -> List[Dict[str, Any]]:
    return [
        {
            "sku": line.key,
            "name": line.name(language),
            "quantity": line.quantity,
            "unit_amount": money.paypal_value(line.product.price, currency),
        }
        for line in lines
    ]


def check_order(order: Mapping[str, Any], record: OrderRecord, conversation_id: str) -> None:
    """Raise PaymentCheckError (and log a security warning) on any mismatch."""
    units = order.get("purchase_units") or [{}]
    problems = []
    if record.conversation_id != conversation_id:
        problems.append(f"ledger conversation {record.conversation_id!r}")
    if units[0].get("custom_id") != conversation_id:
        problems.append(f"custom_id {units[0].get('custom_id')!r}")
    if paypal_orders.order_amount(order) != {"currency_code": record.currency, "value": record.amount}:
        problems.append(f"amount {paypal_orders.order_amount(order)} instead of {record.amount} {record.currency}")
    if order.get("id") != record.order_id:
        problems.append(f"order id {order.get('id')!r}")
    if problems:
        logger.warning(
            "SECURITY: PayPal order %s not captured for conversation %s: %s",
            record.order_id,
            conversation_id,
            "; ".join(problems),
        )
        raise PaymentCheckError("; ".join(problems))


def latest_capture(order: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    for unit in order.get("purchase_units") or []:
        captures = (unit.get("payments") or {}).get("captures") or []
        if captures:
            return dict(captures[-1])
    return None


def refunds(order: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The refunds PayPal lists on the order (purchase_units[].payments.refunds)."""
    found: List[Dict[str, Any]] = []
    for unit in order.get("purchase_units") or []:
        found.extend(dict(refund) for refund in (unit.get("payments") or {}).get("refunds") or [])
    return found


def payer_name(order: Mapping[str, Any]) -> str:
    source = order.get("payment_source") or {}
    for key in payment_methods.BANK_METHODS:  # a bank method names the account holder in one string
        if isinstance((source.get(key) or {}).get("name"), str):
            return str(source[key]["name"])
    name = (order.get("payer") or {}).get("name") or (source.get("paypal") or {}).get("name") or {}
    return " ".join(part for part in (name.get("given_name"), name.get("surname")) if part) or "PayPal customer"


def ship_to(order: Mapping[str, Any]) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
    """The name and address (address_portable) the buyer chose on PayPal, when PayPal
    collected one (purchase_units[0].shipping)."""
    shipping = ((order.get("purchase_units") or [{}])[0].get("shipping")) or {}
    name = (shipping.get("name") or {}).get("full_name")
    address = shipping.get("address")
    return (str(name) if name else None), (dict(address) if isinstance(address, Mapping) else None)


def ships_where_paid(order: Mapping[str, Any], paid_country: Optional[str]) -> bool:
    """PayPal's address for ``order`` is in the zone it paid shipping to."""
    _, address = ship_to(order)
    return address is not None and paid_country is not None and address.get("country_code") == paid_country


def payer_email(order: Mapping[str, Any]) -> Optional[str]:
    return (order.get("payer") or {}).get("email_address")


def _timestamp(capture: Mapping[str, Any]) -> int:
    created = capture.get("create_time")
    try:
        return int(datetime.fromisoformat(str(created).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return int(datetime.now().timestamp())


def receipt(
    record: OrderRecord, order: Mapping[str, Any], capture: Mapping[str, Any], catalog: Catalog
) -> Dict[str, Any]:
    """Messenger's receipt template. Its API takes numbers, so amounts leave Decimal only here."""
    elements = []
    for item in record.items:
        product = catalog.product(variants.split_key(str(item.get("sku") or ""))[0])
        element: Dict[str, Any] = {
            "title": item["name"],
            "quantity": int(item["quantity"]),
            "price": float(Decimal(item["unit_amount"])),
            "currency": record.currency,
        }
        if product is not None:
            element["image_url"] = catalog.image_url(product)
        elements.append(element)
    total = Decimal(record.amount)
    subtotal = sum((Decimal(item["unit_amount"]) * int(item["quantity"]) for item in record.items), Decimal(0))
    summary: Dict[str, float] = {"subtotal": float(subtotal), "total_cost": float(total)}
    if total > subtotal:  # what a cart order paid for shipping
        summary["shipping_cost"] = float(total - subtotal)
    return {
        "recipient_name": payer_name(order),
        "order_number": record.order_id,
        "currency": record.currency,
        "payment_method": payment_methods.method_of_order(dict(order)),
        "timestamp": str(_timestamp(capture)),
        "elements": elements,
        "summary": summary,
    }


def last_order(order_id: str, amount: str, currency: str, pay_url: Optional[str]) -> Dict[str, Any]:
    """The last_order slot, one shape for a cart's order and a merchant's payment request:
    what "did my payment go through?" looks up (the ledger holds everything else)."""
    return {"id": order_id, "amount": amount, "currency": currency, "approval_url": pay_url}
