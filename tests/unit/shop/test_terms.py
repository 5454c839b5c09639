"""catalog/terms.yml: read as the shop means it, and every wrong value refused with
the file, the entry and the field."""

from copy import deepcopy
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict

import pytest
import yaml

from shop.catalog import PROJECT_ROOT
from shop.terms import TermsError, load_terms

TERMS_PATH = PROJECT_ROOT / "catalog" / "terms.yml"


def demo_document() -> Dict[str, Any]:
    return yaml.safe_load(TERMS_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: Dict[str, Any]) -> Path:
    path = tmp_path / "terms.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_demo_terms_read_as_decimals_days_and_texts() -> None:
    terms = load_terms(TERMS_PATH)
    netherlands = terms.zone("nl")
    assert netherlands is not None and netherlands.carrier.name == "PostNL"
    assert netherlands.price == Decimal("4.95") and netherlands.free_from == Decimal("50.00")
    assert terms.zone("BE").delivery_days == frozenset(range(5))  # Monday to Friday
    assert terms.zone("DE") is None
    assert terms.dispatch.cut_off == time(16, 0)
    assert terms.returns.days >= 14 and terms.warranty.years >= 2
    assert set(terms.elsewhere) == {"en", "nl"} and terms.country_names["holland"] == "NL"


def test_free_shipping_starts_at_the_threshold() -> None:
    zone = load_terms(TERMS_PATH).zones["NL"]
    assert zone.shipping_for(Decimal("49.99")) == Decimal("4.95")
    assert zone.shipping_for(Decimal("50.00")) == Decimal("0")


def _set(path: str, value: Any) -> Callable[[Dict[str, Any]], None]:
    def change(document: Dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("shipping.zones.NL.price", "4.955"), "shipping zone 'NL': field 'price' must be an amount of EUR"),
        (_set("shipping.zones.NL.price", "-1"), "shipping zone 'NL': field 'price' must be an amount"),
        (_set("shipping.zones.BE.carrier", "DHL"), "shipping zone 'BE': carrier 'DHL' is not one of the carriers"),
        (_set("shipping.zones.BE.delivery_days", ["mon", "fryday"]), "unknown weekday(s) ['fryday']"),
        (_set("shipping.zones.BE.transit_days", -1), "field 'transit_days' must be a whole number of at least 0"),
        (
            _set(
                "shipping.zones.XX", {"carrier": "POSTNL", "price": "1.00", "transit_days": 1, "delivery_days": ["mon"]}
            ),
            "no public holidays are known for XX",
        ),
        (_set("dispatch.cut_off", "4pm"), "dispatch: field 'cut_off' must be a time of day like 16:00"),
        (_set("returns.days", 10), "returns: field 'days' must be a whole number of at least 14"),
        (_set("returns.return_postage", "nobody"), "field 'return_postage' must be one of customer, shop"),
        (_set("warranty.years", 1), "warranty: field 'years' must be a whole number of at least 2"),
        (_set("payment_methods", ["paypal", "cash"]), "Kassa cannot take ['cash']"),
        (_set("pickup.opening_hours.tue", "18:00-10:00"), "closes before it opens"),
        (_set("timezone", "Europe/Utrecht"), "field 'timezone' is not a known time zone"),
        (_set("returns.how", None), "returns: missing field 'how'"),
        (_set("returns.how", {"nl": "alleen Nederlands"}), "field 'how' needs an 'en' text"),
    ],
)
def test_wrong_terms_are_refused_with_where(
    tmp_path: Path, change: Callable[[Dict[str, Any]], None], expected: str
) -> None:
    document = deepcopy(demo_document())
    change(document)
    with pytest.raises(TermsError) as error:
        load_terms(write(tmp_path, document))
    assert str(tmp_path / "terms.yml") in str(error.value)
    assert expected in str(error.value)


def test_unreadable_terms_say_so(tmp_path: Path) -> None:
    (tmp_path / "terms.yml").write_text("shipping: [unclosed", encoding="utf-8")
    with pytest.raises(TermsError, match="not valid YAML"):
        load_terms(tmp_path / "terms.yml")
    with pytest.raises(TermsError, match="cannot read the shop's terms"):
        load_terms(tmp_path / "missing.yml")
