"""Tracking numbers: the shapes each carrier's barcodes take, and the customer's link.

PostNL (developer.postnl.nl, Barcode API, read 2026-12-01): a domestic 3S barcode is
"3S", a four-letter customer code and a serial, 13 or 15 characters in all; an
international one follows the UPU S10 shape (two letters, nine digits, two letters).
bpost (bpost.be FAQ "What does a barcode look like and where can I find it?", read
2026-12-02): 24 digits starting with 3299 or 3232, 18 digits starting with 3232, the
S10 shape, or 27 characters starting with JJBEA.
"""

from __future__ import annotations

import re
from typing import Dict, Tuple
from urllib.parse import quote

S10 = r"[A-Z]{2}\d{9}[A-Z]{2}"
FORMATS: Dict[str, Tuple["re.Pattern[str]", str]] = {
    "POSTNL": (
        re.compile(rf"3S[A-Z0-9]{{11}}|3S[A-Z0-9]{{13}}|{S10}"),
        "a 3S barcode of 13 or 15 characters (3SABCD1234567), or an international one like RR123456789NL",
    ),
    "BPOST": (
        re.compile(rf"(3299|3232)\d{{20}}|3232\d{{14}}|{S10}|JJBEA[A-Z0-9]{{22}}"),
        "24 digits starting with 3299 or 3232, 18 starting with 3232, one like CE123456789BE, or JJBEA and 22 more",
    ),
}


class TrackingError(ValueError):
    pass


def normalized(carrier: str, tracking_number: str) -> str:
    """The tracking number as the carrier writes it (upper case, no spaces); TrackingError
    when it does not have one of the carrier's shapes."""
    number = re.sub(r"[\s-]", "", tracking_number).upper()
    known = FORMATS.get(carrier.upper())
    if known is None:
        raise TrackingError(f"unknown carrier {carrier!r}: one of {', '.join(sorted(FORMATS))}")
    pattern, shape = known
    if not pattern.fullmatch(number):
        raise TrackingError(f"{tracking_number!r} is not a {carrier.upper()} tracking number: expected {shape}")
    return number


def link(template: str, tracking_number: str, postcode: str = "", country: str = "") -> str:
    """The carrier's tracking page: the terms' URL with {tracking}, {postcode}, {country}."""
    return template.format(
        tracking=quote(tracking_number), postcode=quote(postcode.replace(" ", "")), country=quote(country)
    )
