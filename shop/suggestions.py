"""Which accessory to suggest beside what was just added: the catalog's ``goes_with``,
never a guess. The first one in stock and not in the cart yet wins."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from shop import cart as cart_rules
from shop.catalog import Catalog, Product


def accessory_for(
    added: Sequence[Product], cart: cart_rules.Cart, catalog: Catalog
) -> Optional[Tuple[Product, Product]]:
    """(accessory, the added product it goes with), or None when nothing fits."""
    for product in added:
        for sku in product.goes_with:
            accessory = catalog.product(sku)
            if accessory is not None and accessory.stock > 0 and not cart_rules.product_lines(cart, accessory):
                return accessory, product
    return None
