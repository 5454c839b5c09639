from decimal import Decimal
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from shop.catalog import CatalogError, load_catalog

REQUIRED_CATEGORIES = {"lights", "locks", "bags", "helmets", "pumps"}


def test_demo_catalog_has_every_category_with_four_products() -> None:
    catalog = load_catalog()
    assert set(catalog.categories) == REQUIRED_CATEGORIES
    for category in REQUIRED_CATEGORIES:
        assert len(catalog.in_category(category)) >= 4, category


def test_prices_are_decimals() -> None:
    catalog = load_catalog()
    product = catalog.product("LGT-001")
    assert isinstance(product.price, Decimal)
    assert product.price == Decimal("24.95")


def test_variants_are_optional_and_read() -> None:
    catalog = load_catalog()
    assert catalog.product("HLM-001").variants == {"size": ("S", "M", "L"), "colour": ("black", "white")}
    assert catalog.product("LGT-001").variants == {}


def _catalog_with(tmp_path: Path, change: Dict[str, Any], index: int = 0) -> Path:
    document = yaml.safe_load(Path("catalog/catalog.yml").read_text())
    product = document["products"][index]
    for key, value in change.items():
        if value is None:
            product.pop(key)
        else:
            product[key] = value
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"price": "-3.00"}, r"product 'LGT-001': field 'price' must be positive"),
        ({"price": "cheap"}, r"product 'LGT-001': field 'price': 'cheap' is not a decimal"),
        ({"price": "1.999"}, r"product 'LGT-001': field 'price' 1.999 has more than 2 decimals"),
        ({"category": "tyres"}, r"product 'LGT-001': field 'category': unknown category 'tyres'"),
        ({"image": None}, r"product 'LGT-001': missing field 'image'"),
        ({"stock": -1}, r"product 'LGT-001': field 'stock' must be a whole number"),
        ({"sku": None}, r"product #1: missing field 'sku'"),
        ({"colour": "red"}, r"product 'LGT-001': unknown field\(s\) \['colour'\]"),
        ({"variants": {"weight": ["1kg"]}}, r"product 'LGT-001': field 'variants' has unknown kind 'weight'"),
        (
            {"variants": {"size": ["S", "M", "L", "XL", "XXL"], "colour": ["red", "blue", "green"]}},
            r"product 'LGT-001': field 'variants' makes 15 combinations; at most 13",
        ),
        (
            {"variants": {"colour": ["black/white"]}},
            r"product 'LGT-001': field 'variants.colour': options may not contain",
        ),
        ({"uses": {"fr": ["nuit"]}}, r"product 'LGT-001': field 'uses' has unknown language"),
        ({"uses": ["night"]}, r"product 'LGT-001': field 'uses' must map a language"),
        ({"uses": {"en": "night"}}, r"product 'LGT-001': field 'uses.en' must be a list"),
        ({"goes_with": ["LGT-001"]}, r"product 'LGT-001': field 'goes_with' names the product itself"),
        ({"goes_with": ["TYR-009"]}, r"product 'LGT-001': field 'goes_with': unknown product 'TYR-009'"),
        ({"goes_with": "LGT-002"}, r"product 'LGT-001': field 'goes_with' must be a list of texts"),
    ],
)
def test_invalid_catalog_names_file_product_and_field(tmp_path: Path, change: Dict[str, Any], expected: str) -> None:
    path = _catalog_with(tmp_path, change)
    with pytest.raises(CatalogError, match=expected) as error:
        load_catalog(path)
    assert str(path) in str(error.value)


def test_duplicate_sku_is_refused(tmp_path: Path) -> None:
    path = _catalog_with(tmp_path, {"sku": "LGT-002"})
    with pytest.raises(CatalogError, match=r"product 'LGT-002': duplicate field 'sku'"):
        load_catalog(path)


def test_float_prices_in_yaml_are_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text(
        "categories: [{id: lights, name: Lights}]\n"
        "products:\n  - {sku: A-1, name: A, category: lights, price: 0.10, description: d, image: a.png, stock: 1}\n"
    )
    assert load_catalog(path).product("A-1").price == Decimal("0.10")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read the catalog"):
        load_catalog(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("products: [unclosed\n")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)


def test_uses_are_read_per_language() -> None:
    catalog = load_catalog()
    assert "stolen" in catalog.category("locks").uses["en"]
    assert "lekke band" in catalog.category("pumps").uses["nl"]
    assert "laptop" in catalog.product("BAG-001").uses["en"]


def test_image_urls_use_the_base_url() -> None:
    catalog = load_catalog(image_base_url="http://localhost:8080/images/")
    assert catalog.image_url(catalog.product("LGT-001")) == "http://localhost:8080/images/lgt-001.png"
