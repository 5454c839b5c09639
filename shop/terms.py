"""The shop's terms as data (catalog/terms.yml): shipping zones, dispatch, pickup,
returns, warranty and payment methods, read and checked once.

Every value a customer is told about shipping, delivery or sending back comes from
here, so a merchant changes them in the file, never in code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from shop import money, settings
from shop.catalog import Checker, read_data_file

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
PAYMENT_METHODS = ("paypal", "card", "ideal", "bancontact")  # what Kassa's checkout can take
RETURN_POSTAGE_PAYERS = ("customer", "shop")
# The EU's minimums: 14 days to withdraw from a distance sale (Directive 2011/83/EU,
# art. 9) and a 2-year legal guarantee (Directive (EU) 2019/771, art. 10).
EU_WITHDRAWAL_DAYS = 14
EU_GUARANTEE_YEARS = 2
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")

Texts = Dict[str, str]


class TermsError(ValueError):
    """catalog/terms.yml is missing a field or has a value that cannot be right."""


@dataclass(frozen=True)
class Carrier:
    id: str
    name: str
    paypal_carrier: str  # PayPal's shipment_carrier for its tracking upload
    tracking_url: str  # with {tracking}, and optionally {postcode} and {country}


@dataclass(frozen=True)
class Zone:
    country: str  # ISO 3166 alpha-2
    carrier: Carrier
    price: Decimal
    free_from: Optional[Decimal]
    transit_days: int
    delivery_days: frozenset  # weekday numbers, Monday 0
    names: Texts  # per language, as it reads in a sentence; empty: the country's name

    def shipping_for(self, items_total: Decimal) -> Decimal:
        """What shipping costs for items coming to ``items_total``."""
        if self.free_from is not None and items_total >= self.free_from:
            return Decimal("0")
        return self.price


@dataclass(frozen=True)
class Dispatch:
    cut_off: time
    days: frozenset
    holidays_country: str


@dataclass(frozen=True)
class OpeningHours:
    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Pickup:
    address: Texts
    opening_hours: Tuple[OpeningHours, ...]


@dataclass(frozen=True)
class Returns:
    days: int
    return_postage: str
    how: Texts


@dataclass(frozen=True)
class Warranty:
    years: int
    text: Texts


@dataclass(frozen=True)
class Terms:
    currency: str
    timezone: ZoneInfo
    carriers: Dict[str, Carrier]
    zones: Dict[str, Zone]
    elsewhere: Texts
    country_names: Dict[str, str]
    dispatch: Dispatch
    pickup: Pickup
    returns: Returns
    warranty: Warranty
    payment_methods: Tuple[str, ...]

    def zone(self, country: Optional[str]) -> Optional[Zone]:
        return self.zones.get(str(country or "").upper())


# --- reading and checking ------------------------------------------------------------


def _mapping(checker: Checker, raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise checker.fail(where, "must be a mapping of fields")
    return raw


def _field(checker: Checker, raw: Mapping[str, Any], where: str, name: str) -> Any:
    if raw.get(name) is None:
        raise checker.fail(where, f"missing field '{name}'")
    return raw[name]


def _whole(checker: Checker, raw: Any, where: str, name: str, minimum: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise checker.fail(where, f"field '{name}' must be a whole number of at least {minimum}, got {raw!r}")
    return raw


def _amount(checker: Checker, raw: Any, where: str, name: str, currency: str) -> Decimal:
    try:
        amount = money.to_decimal(raw)
    except money.MoneyError as error:
        raise checker.fail(where, f"field '{name}': {error}") from None
    if amount < 0 or not money.has_valid_precision(amount, currency):
        raise checker.fail(where, f"field '{name}' must be an amount of {currency} of 0 or more, got {raw}")
    return amount


def _clock(checker: Checker, raw: Any, where: str, name: str) -> time:
    match = CLOCK.match(str(raw).strip())
    if not match:
        raise checker.fail(where, f"field '{name}' must be a time of day like 16:00, got {raw!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _weekdays(checker: Checker, raw: Any, where: str, name: str) -> frozenset:
    if not isinstance(raw, list) or not raw:
        raise checker.fail(where, f"field '{name}' must be a list of weekdays ({', '.join(WEEKDAYS)})")
    unknown = [day for day in raw if str(day).lower() not in WEEKDAYS]
    if unknown:
        raise checker.fail(where, f"field '{name}' has unknown weekday(s) {unknown} (use {', '.join(WEEKDAYS)})")
    return frozenset(WEEKDAYS.index(str(day).lower()) for day in raw)


def _country(checker: Checker, raw: Any, where: str, name: str) -> str:
    code = str(raw).strip().upper()
    if not COUNTRY_CODE.match(code):
        raise checker.fail(where, f"field '{name}' must be a two-letter country code (NL, BE), got {raw!r}")
    if code not in holidays.list_supported_countries():
        raise checker.fail(where, f"field '{name}': no public holidays are known for {code}")
    return code


def _carriers(checker: Checker, raw: Any) -> Dict[str, Carrier]:
    carriers = {}
    for carrier_id, fields in _mapping(checker, raw, "carriers").items():
        where = f"carrier '{carrier_id}'"
        fields = _mapping(checker, fields, where)
        name = str(_field(checker, fields, where, "name")).strip()
        paypal_carrier = str(_field(checker, fields, where, "paypal_carrier")).strip()
        if not re.fullmatch(r"[A-Z0-9_]{1,64}", paypal_carrier):
            raise checker.fail(
                where, f"field 'paypal_carrier' must be one of PayPal's carrier codes, got {paypal_carrier!r}"
            )
        url = str(_field(checker, fields, where, "tracking_url")).strip()
        if not url.startswith("https://") or "{tracking}" not in url:
            raise checker.fail(where, f"field 'tracking_url' must be an https URL with {{tracking}} in it, got {url!r}")
        try:
            url.format(tracking="x", postcode="x", country="x")
        except (KeyError, IndexError, ValueError):
            raise checker.fail(
                where, "field 'tracking_url' may use only {tracking}, {postcode} and {country}"
            ) from None
        carriers[str(carrier_id)] = Carrier(str(carrier_id), name, paypal_carrier, url)
    if not carriers:
        raise checker.fail("carriers", "name at least one carrier")
    return carriers


def _zone(checker: Checker, country: str, raw: Any, carriers: Mapping[str, Carrier], currency: str) -> Zone:
    where = f"shipping zone '{country}'"
    fields = _mapping(checker, raw, where)
    carrier_id = str(_field(checker, fields, where, "carrier"))
    if carrier_id not in carriers:
        raise checker.fail(where, f"carrier '{carrier_id}' is not one of the carriers ({', '.join(carriers)})")
    free_from = fields.get("free_from")
    return Zone(
        country=_country(checker, country, where, "zone"),
        carrier=carriers[carrier_id],
        price=_amount(checker, _field(checker, fields, where, "price"), where, "price", currency),
        free_from=None if free_from is None else _amount(checker, free_from, where, "free_from", currency),
        transit_days=_whole(checker, _field(checker, fields, where, "transit_days"), where, "transit_days", 0),
        delivery_days=_weekdays(checker, _field(checker, fields, where, "delivery_days"), where, "delivery_days"),
        names=checker.texts(fields["name"], where, "name") if fields.get("name") is not None else {},
    )


def _opening_hours(checker: Checker, raw: Any) -> Tuple[OpeningHours, ...]:
    where = "pickup"
    hours = []
    for day, span in _mapping(checker, raw, "pickup.opening_hours").items():
        weekday = min(_weekdays(checker, [day], where, "opening_hours"))
        opens, _, closes = str(span).partition("-")
        opening = OpeningHours(
            weekday,
            _clock(checker, opens, where, f"opening_hours.{day}"),
            _clock(checker, closes, where, f"opening_hours.{day}"),
        )
        if opening.closes <= opening.opens:
            raise checker.fail(where, f"field 'opening_hours.{day}' closes before it opens: {span!r}")
        hours.append(opening)
    if not hours:
        raise checker.fail(where, "field 'opening_hours' needs at least one day")
    return tuple(sorted(hours, key=lambda opening: opening.weekday))


def _returns(checker: Checker, raw: Any) -> Returns:
    where = "returns"
    fields = _mapping(checker, raw, where)
    postage = str(_field(checker, fields, where, "return_postage"))
    if postage not in RETURN_POSTAGE_PAYERS:
        raise checker.fail(
            where, f"field 'return_postage' must be one of {', '.join(RETURN_POSTAGE_PAYERS)}, got {postage!r}"
        )
    return Returns(
        days=_whole(checker, _field(checker, fields, where, "days"), where, "days", EU_WITHDRAWAL_DAYS),
        return_postage=postage,
        how=checker.texts(_field(checker, fields, where, "how"), where, "how"),
    )


def _warranty(checker: Checker, raw: Any) -> Warranty:
    where = "warranty"
    fields = _mapping(checker, raw, where)
    return Warranty(
        years=_whole(checker, _field(checker, fields, where, "years"), where, "years", EU_GUARANTEE_YEARS),
        text=checker.texts(_field(checker, fields, where, "text"), where, "text"),
    )


def _payment_methods(checker: Checker, raw: Any) -> Tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise checker.fail("payment_methods", f"must be a list of {', '.join(PAYMENT_METHODS)}")
    unknown = [method for method in raw if method not in PAYMENT_METHODS]
    if unknown:
        raise checker.fail("payment_methods", f"Kassa cannot take {unknown} (it takes {', '.join(PAYMENT_METHODS)})")
    return tuple(raw)


def _timezone(checker: Checker, raw: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(raw))
    except (ZoneInfoNotFoundError, ValueError):
        raise checker.fail("top level", f"field 'timezone' is not a known time zone: {raw!r}") from None


def parse_terms(document: Any, path: Path) -> Terms:
    checker = Checker(path, TermsError)
    top = _mapping(checker, document, "top level")
    currency = str(top.get("currency", "EUR")).upper()
    carriers = _carriers(checker, _field(checker, top, "top level", "carriers"))
    shipping = _mapping(checker, _field(checker, top, "top level", "shipping"), "shipping")
    raw_zones = _mapping(checker, _field(checker, shipping, "shipping", "zones"), "shipping.zones")
    zones = {
        str(country).upper(): _zone(checker, str(country), raw, carriers, currency)
        for country, raw in raw_zones.items()
    }
    if not zones:
        raise checker.fail("shipping", "field 'zones' needs at least one country")
    names = _mapping(checker, shipping.get("country_names") or {}, "shipping.country_names")
    dispatch = _mapping(checker, _field(checker, top, "top level", "dispatch"), "dispatch")
    pickup = _mapping(checker, _field(checker, top, "top level", "pickup"), "pickup")
    return Terms(
        currency=currency,
        carriers=carriers,
        timezone=_timezone(checker, _field(checker, top, "top level", "timezone")),
        zones=zones,
        elsewhere=checker.texts(_field(checker, shipping, "shipping", "elsewhere"), "shipping", "elsewhere"),
        country_names={
            str(name).lower(): _country(checker, code, "shipping.country_names", str(name))
            for name, code in names.items()
        },
        dispatch=Dispatch(
            cut_off=_clock(checker, _field(checker, dispatch, "dispatch", "cut_off"), "dispatch", "cut_off"),
            days=_weekdays(checker, _field(checker, dispatch, "dispatch", "days"), "dispatch", "days"),
            holidays_country=_country(
                checker, _field(checker, dispatch, "dispatch", "holidays_country"), "dispatch", "holidays_country"
            ),
        ),
        pickup=Pickup(
            address=checker.texts(_field(checker, pickup, "pickup", "address"), "pickup", "address"),
            opening_hours=_opening_hours(checker, _field(checker, pickup, "pickup", "opening_hours")),
        ),
        returns=_returns(checker, _field(checker, top, "top level", "returns")),
        warranty=_warranty(checker, _field(checker, top, "top level", "warranty")),
        payment_methods=_payment_methods(checker, _field(checker, top, "top level", "payment_methods")),
    )


def load_terms(path: Optional[Path] = None) -> Terms:
    path = Path(path or settings.shop().terms_path)
    return parse_terms(read_data_file(path, TermsError, "the shop's terms"), path)


_terms: Optional[Terms] = None


def get_terms() -> Terms:
    """The terms shared by all actions, read once per process."""
    global _terms
    if _terms is None:
        _terms = load_terms()
    return _terms
