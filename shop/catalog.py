"""The shop's catalog: loaded from a data file, validated, searched.

The catalog is data that merchants edit (``catalog/catalog.yml`` by default,
``KASSA_CATALOG`` to point elsewhere). Every error names the file, the product
and the field, so a typo never turns into a wrong price.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Type

import yaml

from shop import money, settings

PROJECT_ROOT = settings.PROJECT_ROOT
DEFAULT_CATALOG_PATH = PROJECT_ROOT / "catalog" / "catalog.yml"
LANGUAGES = ("en", "nl")
REQUIRED_PRODUCT_FIELDS = ("sku", "name", "category", "price", "description", "image", "stock")
ALLOWED_VARIANT_KINDS = ("size", "colour")
# What a product's details may say, each a text per language (shop/details.py answers from them).
DETAIL_KINDS = ("size", "weight", "material", "waterproof", "security", "brightness", "fit", "in_the_box")
MAX_VARIANT_COMBINATIONS = 13  # Messenger shows at most 13 quick replies
SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,30}$")


class CatalogError(ValueError):
    """The catalog file is invalid; the message says where."""


Uses = Mapping[str, Tuple[str, ...]]


def in_language(texts: Mapping[str, str], language: str) -> str:
    """A data file's text in ``language``, or its English one (always given)."""
    return texts.get(language) or texts["en"]


@dataclass(frozen=True)
class Category:
    id: str
    names: Mapping[str, str]
    synonyms: Tuple[str, ...] = ()
    uses: Uses = field(default_factory=dict)

    def name(self, language: str = "en") -> str:
        return in_language(self.names, language)


@dataclass(frozen=True)
class Product:
    sku: str
    names: Mapping[str, str]
    category: str
    price: Decimal
    descriptions: Mapping[str, str]
    image: str
    stock: int
    variants: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    synonyms: Tuple[str, ...] = ()
    uses: Uses = field(default_factory=dict)
    details: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    goes_with: Tuple[str, ...] = ()  # SKUs of accessories worth suggesting, best first

    def name(self, language: str = "en") -> str:
        return in_language(self.names, language)

    def detail(self, kind: str, language: str = "en") -> Optional[str]:
        """One detail ("weight": "1.6 kg") in the language, None when the catalog does not say."""
        texts = self.details.get(kind)
        return in_language(texts, language) if texts else None

    def description(self, language: str = "en") -> str:
        return in_language(self.descriptions, language)

    def search_terms(self) -> List[str]:
        """Every word a customer might use for this product, lower-cased."""
        terms = [self.sku, *self.names.values(), *self.synonyms]
        return [term.lower() for term in terms]


class _DecimalLoader(yaml.SafeLoader):
    """YAML loader that reads 24.95 as Decimal('24.95'), never as a float."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(loader.construct_scalar(node))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


class Catalog:
    def __init__(
        self,
        categories: Iterable[Category],
        products: Iterable[Product],
        currency: str = "EUR",
        image_base_url: str = "",
        stock_counted: Optional[str] = None,
    ) -> None:
        self.currency = currency
        self.image_base_url = image_base_url.rstrip("/")
        self.categories: Dict[str, Category] = {c.id: c for c in categories}
        self.products: Dict[str, Product] = {p.sku: p for p in products}
        # When the stock figures were counted (UTC, ISO 8601): sales before it are in them.
        self.stock_counted = stock_counted

    def with_products(self, products: Iterable[Product]) -> "Catalog":
        """The same catalog with these products (their stock on hand, say)."""
        return Catalog(self.categories.values(), products, self.currency, self.image_base_url, self.stock_counted)

    def product(self, sku: Optional[str]) -> Optional[Product]:
        if not sku:
            return None
        return self.products.get(str(sku).strip().upper())

    def category(self, category_id: Optional[str]) -> Optional[Category]:
        if not category_id:
            return None
        return self.categories.get(str(category_id).strip().lower())

    def in_category(self, category_id: str) -> List[Product]:
        return [p for p in self.products.values() if p.category == category_id]

    def image_url(self, product: Product) -> str:
        if "://" in product.image or not self.image_base_url:
            return product.image
        return f"{self.image_base_url}/{product.image}"


# --- loading and validation -------------------------------------------------


class Checker:
    """Reads the values of a data file (the catalog, the shop's terms) and makes errors
    that point at the file, the entry and the field."""

    def __init__(self, path: Path, error: Type[ValueError] = CatalogError) -> None:
        self.path = path
        self.error = error

    def fail(self, where: str, problem: str) -> ValueError:
        return self.error(f"{self.path}: {where}: {problem}")

    def texts(self, value: Any, where: str, field_name: str) -> Dict[str, str]:
        """A text given once for every language, or per language with 'en' required."""
        if isinstance(value, str) and value.strip():
            return {language: value.strip() for language in LANGUAGES}
        if isinstance(value, Mapping):
            texts = {str(k): str(v).strip() for k, v in value.items() if v is not None}
            unknown = set(texts) - set(LANGUAGES)
            if unknown:
                raise self.fail(where, f"field '{field_name}' has unknown language(s) {sorted(unknown)}")
            if not texts.get("en"):
                raise self.fail(where, f"field '{field_name}' needs an 'en' text")
            return texts
        raise self.fail(where, f"field '{field_name}' must be a text or a mapping of language to text")

    def uses(self, value: Any, where: str) -> Dict[str, Tuple[str, ...]]:
        """What a product or category is for: per language, a list of words and phrases."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(where, "field 'uses' must map a language (en, nl) to a list of words and phrases")
        unknown = set(map(str, value)) - set(LANGUAGES)
        if unknown:
            raise self.fail(where, f"field 'uses' has unknown language(s) {sorted(unknown)}")
        return {str(language): self.words(phrases, where, f"uses.{language}") for language, phrases in value.items()}

    def words(self, value: Any, where: str, field_name: str) -> Tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(where, f"field '{field_name}' must be a list of texts")
        return tuple(v.strip() for v in value)

    def details(self, value: Any, where: str) -> Dict[str, Dict[str, str]]:
        """A product's details: a kind of DETAIL_KINDS to a text, or to a text per language."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(where, f"field 'details' must map a detail ({', '.join(DETAIL_KINDS)}) to a text")
        unknown = sorted(set(map(str, value)) - set(DETAIL_KINDS))
        if unknown:
            raise self.fail(where, f"field 'details' has unknown detail(s) {unknown} (use {', '.join(DETAIL_KINDS)})")
        return {str(kind): self.texts(text, where, f"details.{kind}") for kind, text in value.items()}


def _parse_category(checker: Checker, raw: Any, index: int) -> Category:
    where = f"category #{index + 1}"
    if not isinstance(raw, Mapping) or "id" not in raw:
        raise checker.fail(where, "missing field 'id'")
    category_id = str(raw["id"])
    where = f"category '{category_id}'"
    if "name" not in raw:
        raise checker.fail(where, "missing field 'name'")
    return Category(
        id=category_id,
        names=checker.texts(raw["name"], where, "name"),
        synonyms=checker.words(raw.get("synonyms"), where, "synonyms"),
        uses=checker.uses(raw.get("uses"), where),
    )


def _parse_price(checker: Checker, raw: Any, where: str, currency: str) -> Decimal:
    try:
        price = money.to_decimal(raw)
    except money.MoneyError as error:
        raise checker.fail(where, f"field 'price': {error}") from None
    if price <= 0:
        raise checker.fail(where, f"field 'price' must be positive, got {raw}")
    if not money.has_valid_precision(price, currency):
        places = money.currency_exponent(currency)
        raise checker.fail(where, f"field 'price' {raw} has more than {places} decimals for {currency}")
    return price


def _parse_stock(checker: Checker, raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise checker.fail(where, f"field 'stock' must be a whole number of 0 or more, got {raw!r}")
    return raw


def _parse_variants(checker: Checker, raw: Any, where: str) -> Dict[str, Tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise checker.fail(where, "field 'variants' must map size/colour to a list of options")
    variants = {}
    for kind, options in raw.items():
        if kind not in ALLOWED_VARIANT_KINDS:
            raise checker.fail(
                where, f"field 'variants' has unknown kind '{kind}' (use {', '.join(ALLOWED_VARIANT_KINDS)})"
            )
        variants[kind] = checker.words(options, where, f"variants.{kind}")
        if not variants[kind]:
            raise checker.fail(where, f"field 'variants.{kind}' is empty")
        if any(":" in option or "/" in option for option in variants[kind]):
            raise checker.fail(where, f"field 'variants.{kind}': options may not contain ':' or '/'")
    combinations = math.prod(len(options) for options in variants.values())
    if combinations > MAX_VARIANT_COMBINATIONS:
        raise checker.fail(
            where,
            f"field 'variants' makes {combinations} combinations; at most {MAX_VARIANT_COMBINATIONS} "
            "(the customer picks one from Messenger's quick replies)",
        )
    return variants


def _parse_product(
    checker: Checker, raw: Any, index: int, categories: Mapping[str, Category], currency: str
) -> Product:
    if not isinstance(raw, Mapping):
        raise checker.fail(f"product #{index + 1}", "must be a mapping of fields")
    where = f"product '{raw['sku']}'" if raw.get("sku") else f"product #{index + 1}"
    for name in REQUIRED_PRODUCT_FIELDS:
        if raw.get(name) is None or raw.get(name) == "":
            raise checker.fail(where, f"missing field '{name}'")
    unknown = set(raw) - set(REQUIRED_PRODUCT_FIELDS) - {"variants", "synonyms", "uses", "details", "goes_with"}
    if unknown:
        raise checker.fail(where, f"unknown field(s) {sorted(unknown)}")
    sku = str(raw["sku"])
    if not SKU_PATTERN.match(sku):
        raise checker.fail(where, "field 'sku' must be upper-case letters, digits and dashes")
    if raw["category"] not in categories:
        raise checker.fail(
            where, f"field 'category': unknown category '{raw['category']}' (known: {', '.join(categories)})"
        )
    return Product(
        sku=sku,
        names=checker.texts(raw["name"], where, "name"),
        category=str(raw["category"]),
        price=_parse_price(checker, raw["price"], where, currency),
        descriptions=checker.texts(raw["description"], where, "description"),
        image=str(raw["image"]),
        stock=_parse_stock(checker, raw["stock"], where),
        variants=_parse_variants(checker, raw.get("variants"), where),
        synonyms=checker.words(raw.get("synonyms"), where, "synonyms"),
        uses=checker.uses(raw.get("uses"), where),
        details=checker.details(raw.get("details"), where),
        goes_with=tuple(word.upper() for word in checker.words(raw.get("goes_with"), where, "goes_with")),
    )


def _check_goes_with(checker: Checker, product: Product, products: Mapping[str, Product]) -> None:
    where = f"product '{product.sku}'"
    for sku in product.goes_with:
        if sku == product.sku:
            raise checker.fail(where, "field 'goes_with' names the product itself")
        if sku not in products:
            raise checker.fail(where, f"field 'goes_with': unknown product '{sku}'")


def parse_catalog(document: Any, path: Path, image_base_url: str = "") -> Catalog:
    checker = Checker(path)
    if not isinstance(document, Mapping):
        raise checker.fail("top level", "must be a mapping with 'categories' and 'products'")
    currency = str(document.get("currency", "EUR")).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise checker.fail("top level", f"field 'currency' must be an ISO 4217 code, got {currency!r}")
    for name in ("categories", "products"):
        if not isinstance(document.get(name), list) or not document[name]:
            raise checker.fail("top level", f"missing field '{name}' (a non-empty list)")
    categories: Dict[str, Category] = {}
    for index, raw in enumerate(document["categories"]):
        category = _parse_category(checker, raw, index)
        if category.id in categories:
            raise checker.fail(f"category '{category.id}'", "duplicate field 'id'")
        categories[category.id] = category
    products: Dict[str, Product] = {}
    for index, raw in enumerate(document["products"]):
        product = _parse_product(checker, raw, index, categories, currency)
        if product.sku in products:
            raise checker.fail(f"product '{product.sku}'", "duplicate field 'sku'")
        products[product.sku] = product
    for product in products.values():
        _check_goes_with(checker, product, products)
    stock_counted = _parse_stock_counted(checker, document.get("stock_counted"))
    return Catalog(categories.values(), products.values(), currency, image_base_url, stock_counted)


def _parse_stock_counted(checker: Checker, raw: Any) -> Optional[str]:
    """When the stock was counted, as UTC ISO 8601 to the second; None: every sale counts."""
    if raw is None:
        return None
    try:
        moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        raise checker.fail("top level", f"field 'stock_counted' must be a date and time, got {raw!r}") from None
    if moment.tzinfo is None:
        raise checker.fail("top level", f"field 'stock_counted' needs a time zone (like +01:00), got {raw!r}")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def load_catalog(path: Optional[Path] = None, image_base_url: Optional[str] = None) -> Catalog:
    shop = settings.shop()
    path = Path(path or shop.catalog_path)
    if image_base_url is None:
        image_base_url = shop.image_base_url
    return parse_catalog(read_data_file(path, CatalogError, "the catalog"), path, image_base_url)


def read_data_file(path: Path, error: Type[ValueError], what: str) -> Any:
    """A YAML data file with its decimals as Decimal; ``error`` says what went wrong."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_DecimalLoader)  # noqa: S506 - safe loader subclass
    except OSError as problem:
        raise error(f"{path}: cannot read {what}: {problem.strerror}") from None
    except yaml.YAMLError as problem:
        raise error(f"{path}: not valid YAML: {problem}") from None


_catalog: Optional[Catalog] = None


def get_catalog() -> Catalog:
    """The catalog shared by all actions, loaded once per process."""
    global _catalog
    if _catalog is None:
        _catalog = load_catalog()
    return _catalog
