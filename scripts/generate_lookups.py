"""Generate data/nlu/catalog_lookups.yml from the catalog: `make lookups`.

Writes a synonym per product (every name and synonym maps to the SKU) and per
category (to the category id), and lookup tables for both entities, so NLU
knows every product the shop sells. `--check` exits 1 when the file is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, Iterable, List

from shop.catalog import PROJECT_ROOT, Catalog, CatalogError, load_catalog

LOOKUPS_PATH = PROJECT_ROOT / "data" / "nlu" / "catalog_lookups.yml"
HEADER = (
    "# Generated from catalog/catalog.yml by `make lookups`. Do not edit:\n"
    "# change the catalog and run `make lookups` again.\n"
)


class SynonymClash(ValueError):
    pass


def _block(kind: str, name: str, examples: Iterable[str]) -> str:
    lines = "".join(f"    - {example}\n" for example in examples)
    return f"- {kind}: {name}\n  examples: |\n{lines}"


def _unique(texts: Iterable[str]) -> List[str]:
    seen: Dict[str, None] = {}
    for text in texts:
        seen.setdefault(text.strip().lower(), None)
    return list(seen)


def _claim(owner: Dict[str, str], texts: Iterable[str], value: str) -> None:
    for text in texts:
        if owner.setdefault(text, value) != value:
            raise SynonymClash(f"'{text}' would mean both {owner[text]} and {value}; rename one in the catalog")


def render(catalog: Catalog) -> str:
    owner: Dict[str, str] = {}
    blocks = []
    product_terms: List[str] = []
    for product in catalog.products.values():
        terms = [t for t in _unique(product.search_terms()) if t != product.sku.lower()]
        _claim(owner, terms, product.sku)
        blocks.append(_block("synonym", product.sku, terms))
        product_terms.extend(terms)
    category_terms: List[str] = []
    for category in catalog.categories.values():
        terms = [t for t in _unique([*category.names.values(), *category.synonyms]) if t != category.id]
        _claim(owner, terms, category.id)
        blocks.append(_block("synonym", category.id, terms))
        category_terms.extend([category.id, *terms])
    blocks.append(_block("lookup", "product", product_terms))
    blocks.append(_block("lookup", "category", category_terms))
    return HEADER + 'version: "3.1"\nnlu:\n' + "".join(blocks)


def main(argv: List[str] = sys.argv[1:]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file differs from the catalog")
    parser.add_argument("--output", type=Path, default=LOOKUPS_PATH)
    args = parser.parse_args(argv)
    try:
        text = render(load_catalog())
    except (CatalogError, SynonymClash) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date with the catalog: run `make lookups`", file=sys.stderr)
            return 1
        print(f"{args.output} matches the catalog")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
