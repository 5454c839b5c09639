"""Placeholder product pictures for the local page, drawn from the catalog file.

The page reads the catalog as data (the file a merchant edits), not through the shop's
code: a picture needs only a product's image name, category, English name and SKU."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from PIL import Image, ImageDraw, ImageFont

COLOURS = {"lights": "#f6c445", "locks": "#5b7083", "bags": "#2f9e6e", "helmets": "#d9534f", "pumps": "#4a7bd0"}


@functools.lru_cache(maxsize=8)
def _products(catalog: Path) -> List[Dict[str, Any]]:
    return list((yaml.safe_load(catalog.read_text(encoding="utf-8")) or {}).get("products") or [])


def _english(name: Any) -> str:
    return str(name.get("en") or next(iter(name.values()), "")) if isinstance(name, dict) else str(name)


@functools.lru_cache(maxsize=64)
def product_image(catalog: Path, file_name: str) -> Optional[bytes]:
    product = next((p for p in _products(catalog) if p.get("image") == file_name), None)
    if product is None:
        return None
    image = Image.new("RGB", (573, 300), COLOURS.get(str(product.get("category")), "#888888"))
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.load_default(size=34)
    except TypeError:  # older Pillow
        font = ImageFont.load_default()
    draw.text((30, 120), _english(product.get("name", "")), fill="white", font=font)
    draw.text((30, 170), str(product.get("sku", "")), fill="white", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
