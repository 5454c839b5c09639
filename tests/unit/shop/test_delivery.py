"""Delivery dates: the cut-off, weekends and the public holidays of the Netherlands and
Belgium (from the `holidays` library)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from shop import delivery
from shop.catalog import PROJECT_ROOT
from shop.terms import load_terms

TERMS = load_terms(PROJECT_ROOT / "catalog" / "terms.yml")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("ordered", "country", "goes_out", "arrives"),
    [
        # Tuesday before the 16:00 cut-off: out today, PostNL the next day.
        ("2026-12-01 15:59", "NL", date(2026, 12, 1), date(2026, 12, 2)),
        # At the cut-off: tomorrow.
        ("2026-12-01 16:00", "NL", date(2026, 12, 2), date(2026, 12, 3)),
        # bpost takes two working days.
        ("2026-12-01 10:00", "BE", date(2026, 12, 1), date(2026, 12, 3)),
        # Friday evening: out on Monday; PostNL delivers on Saturday, bpost does not.
        ("2026-12-04 18:00", "NL", date(2026, 12, 7), date(2026, 12, 8)),
        ("2026-12-03 10:00", "NL", date(2026, 12, 3), date(2026, 12, 4)),
        ("2026-12-04 10:00", "NL", date(2026, 12, 4), date(2026, 12, 5)),
        ("2026-12-04 10:00", "BE", date(2026, 12, 4), date(2026, 12, 8)),
        # Christmas Eve (Thursday): out that day; 25 and 26 December are Dutch holidays.
        ("2026-12-24 12:00", "NL", date(2026, 12, 24), date(2026, 12, 28)),
        # In Belgium only the 25th is: bpost's two days are Monday 28 and Tuesday 29.
        ("2026-12-24 12:00", "BE", date(2026, 12, 24), date(2026, 12, 29)),
        # King's Day 2027 (Tuesday 27 April) is no dispatch day in the Netherlands.
        ("2027-04-26 17:00", "NL", date(2027, 4, 28), date(2027, 4, 29)),
        # Belgium's national day (Wednesday 21 July 2027) is no bpost day; the shop works.
        ("2027-07-20 10:00", "BE", date(2027, 7, 20), date(2027, 7, 23)),
    ],
)
def test_promise(ordered: str, country: str, goes_out: date, arrives: date) -> None:
    promise = delivery.promise(at(ordered), TERMS, TERMS.zones[country])
    assert (promise.goes_out, promise.arrives) == (goes_out, arrives)


def test_a_time_in_another_zone_is_read_in_the_shops() -> None:
    utc_evening = datetime.fromisoformat("2026-12-01T15:30:00+00:00")  # 16:30 in Amsterdam
    assert delivery.goes_out(utc_evening, TERMS) == date(2026, 12, 2)


def test_pickup_is_ready_on_the_shops_next_open_day() -> None:
    # Friday after the cut-off goes out on Monday, when the shop is closed: ready Tuesday.
    assert delivery.ready_for_pickup(at("2026-12-04 17:00"), TERMS) == date(2026, 12, 8)
    assert delivery.ready_for_pickup(at("2026-12-02 09:00"), TERMS) == date(2026, 12, 2)


def test_terms_without_a_working_day_fail_loudly() -> None:
    with pytest.raises(delivery.NoWorkingDay):
        delivery.next_working_day(date(2026, 12, 1), set(), "NL")
