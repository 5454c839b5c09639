"""Order bodies for tests, built the way the checkout action builds them."""

from typing import Any, Dict

from shop import cart
from shop.catalog import load_catalog
from shop.paypal import orders as paypal_orders

CATALOG = load_catalog()


def order_body(items: Dict[str, int] = None, custom_id: str = "customer-1", language: str = "en") -> Dict[str, Any]:
    lines = cart.lines(items or {"LGT-001": 2, "LCK-002": 1}, CATALOG)
    context = paypal_orders.experience_context("http://localhost:5005", "Kassa Bike Shop", language, "GET_FROM_FILE")
    return paypal_orders.order_request(lines, CATALOG.currency, custom_id, context, language=language)
