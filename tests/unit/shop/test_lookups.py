"""The NLU lookup tables and synonyms must match the catalog they come from."""

from pathlib import Path

import yaml

from scripts import generate_lookups
from shop.catalog import load_catalog


def test_lookup_file_is_in_sync_with_the_catalog() -> None:
    expected = generate_lookups.render(load_catalog())
    assert generate_lookups.LOOKUPS_PATH.read_text(encoding="utf-8") == expected, "run `make lookups`"


def test_every_product_has_a_synonym_block_and_lookup_entries() -> None:
    catalog = load_catalog()
    nlu = yaml.safe_load(generate_lookups.LOOKUPS_PATH.read_text(encoding="utf-8"))["nlu"]
    synonyms = {block["synonym"] for block in nlu if "synonym" in block}
    assert set(catalog.products) | set(catalog.categories) == synonyms
    product_lookup = next(block for block in nlu if block.get("lookup") == "product")["examples"]
    for product in catalog.products.values():
        assert f"- {product.name('en').lower()}" in product_lookup


def use_catalog_with(tmp_path: Path, monkeypatch, old: str, new: str) -> None:
    """Point KASSA_CATALOG at a copy of the demo catalog with one text replaced."""
    catalog_path = tmp_path / "catalog.yml"
    catalog_path.write_text(Path("catalog/catalog.yml").read_text().replace(old, new))
    monkeypatch.setenv("KASSA_CATALOG", str(catalog_path))


def test_drift_is_detected(tmp_path: Path, monkeypatch) -> None:
    use_catalog_with(tmp_path, monkeypatch, "Beacon Front Light", "Beacon Headlight")
    assert generate_lookups.main(["--check"]) == 1
    output = tmp_path / "lookups.yml"
    assert generate_lookups.main(["--output", str(output)]) == 0
    assert "beacon headlight" in output.read_text()


def test_a_name_meaning_two_things_is_refused(tmp_path: Path, monkeypatch) -> None:
    use_catalog_with(tmp_path, monkeypatch, "synonyms: [ember,", "synonyms: [beacon, ember,")
    assert generate_lookups.main(["--check"]) == 2
