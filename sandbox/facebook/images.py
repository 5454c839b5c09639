"""Placeholder product pictures for the local page, drawn from the catalog."""
from __future__ import annotations

import functools
import io
from typing import Optional

from PIL import Image, ImageDraw, ImageFont

from actions.catalog import get_catalog

COLOURS = {"lights": "#f6c445", "locks": "#5b7083", "bags": "#2f9e6e", "helmets": "#d9534f", "pumps": "#4a7bd0"}


@functools.lru_cache(maxsize=64)
def product_image(file_name: str) -> Optional[bytes]:
    product = next((p for p in get_catalog().products.values() if p.image == file_name), None)
    if product is None:
        return None
    image = Image.new("RGB", (573, 300), COLOURS.get(product.category, "#888888"))
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.load_default(size=34)
    except TypeError:  # older Pillow
        font = ImageFont.load_default()
    draw.text((30, 120), product.name("en"), fill="white", font=font)
    draw.text((30, 170), product.sku, fill="white", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
