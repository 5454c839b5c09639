"""What is on the shelf now: the catalog's counted stock less what paid orders took
since it was counted (full refunds put it back). The action server reads the catalog
through ``current_catalog`` so that carts, cards and suggestions see the same figure."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Dict, List, Mapping, Optional, Tuple

from sqlalchemy.exc import SQLAlchemyError

from shop.catalog import Catalog, get_catalog
from shop.ledger import get_ledger

logger = logging.getLogger(__name__)

# A sale in another process shows within this long; this process's own at once.
FRESH_SECONDS = 1.0

_lock = threading.Lock()
_cached: Optional[Tuple[float, Catalog]] = None


def on_hand(catalog: Catalog, sold: Mapping[str, int]) -> Catalog:
    """The catalog with each product's stock less what was sold (never below 0)."""
    products = [
        dataclasses.replace(product, stock=max(0, product.stock - sold.get(product.sku, 0)))
        if sold.get(product.sku)
        else product
        for product in catalog.products.values()
    ]
    return catalog.with_products(products)


def current_catalog(fresh: bool = False) -> Catalog:
    """The catalog with today's stock; ``fresh`` asks the ledger now (before a capture)."""
    global _cached
    with _lock:
        if not fresh and _cached is not None and time.monotonic() - _cached[0] < FRESH_SECONDS:
            return _cached[1]
    catalog = get_catalog()
    try:
        sold = get_ledger().sold(since=catalog.stock_counted)
    except SQLAlchemyError as error:
        # The database is away (a PostgreSQL restart): browsing and the cart go on with the
        # last figures read; a capture, which asks fresh, does not.
        if fresh:
            raise
        logger.warning("Stock not read from the ledger (%s): the last figures read are used", type(error).__name__)
        with _lock:
            return _cached[1] if _cached is not None else catalog
    current = on_hand(catalog, sold)
    with _lock:
        _cached = (time.monotonic(), current)
    return current


def forget() -> None:
    """After this process recorded a sale or a return: the next read asks the ledger."""
    global _cached
    with _lock:
        _cached = None


def shortfalls(quantities: Mapping[str, int], catalog: Catalog) -> Dict[str, int]:
    """The products of which fewer are on hand than ``quantities`` asks: sku -> on hand."""
    short: Dict[str, int] = {}
    for sku, quantity in quantities.items():
        product = catalog.product(sku)
        if product is not None and product.stock < quantity:
            short[sku] = product.stock
    return short


def sold_out(catalog: Catalog) -> List[str]:
    return [product.sku for product in catalog.products.values() if product.stock == 0]


def sold_with(order_id: str, kind: str, items: List[Dict[str, object]]) -> None:
    """A cart order's items off the shelf (captured) or back on it (fully refunded), once."""
    if get_ledger().record_stock_move(order_id, items, kind):
        forget()
