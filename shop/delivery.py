"""When an order goes out and when it arrives, from the shop's terms and the public
holidays the `holidays` library knows (no holiday table of our own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Collection

import holidays

from shop.terms import Terms, Zone

# A year of days is more than any cut-off, weekend and holiday run can skip; a terms file
# that leaves no working day at all fails loudly instead of looping.
SEARCH_LIMIT_DAYS = 366


class NoWorkingDay(ValueError):
    """The terms leave no day to go out or deliver on."""


@dataclass(frozen=True)
class Promise:
    ordered_at: datetime  # in the shop's time zone
    goes_out: date
    arrives: date

    @property
    def goes_out_today(self) -> bool:
        return self.goes_out == self.ordered_at.date()


@lru_cache(maxsize=None)
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def is_working_day(day: date, weekdays: Collection[int], country: str) -> bool:
    return day.weekday() in weekdays and day not in _calendar(country)


def next_working_day(after: date, weekdays: Collection[int], country: str) -> date:
    """The first working day after ``after``."""
    for offset in range(1, SEARCH_LIMIT_DAYS + 1):
        day = after + timedelta(days=offset)
        if is_working_day(day, weekdays, country):
            return day
    raise NoWorkingDay(f"no working day in {country} within a year of {after}")


def goes_out(ordered_at: datetime, terms: Terms) -> date:
    """Paid before the cut-off on a dispatch day: that day; else the next dispatch day."""
    local = ordered_at.astimezone(terms.timezone)
    dispatch = terms.dispatch
    today = local.date()
    if local.time() < dispatch.cut_off and is_working_day(today, dispatch.days, dispatch.holidays_country):
        return today
    return next_working_day(today, dispatch.days, dispatch.holidays_country)


def arrives(went_out: date, zone: Zone) -> date:
    """The carrier's usual days in the zone's country, after the day it went out."""
    day = went_out
    for _ in range(zone.transit_days):
        day = next_working_day(day, zone.delivery_days, zone.country)
    return day


def promise(ordered_at: datetime, terms: Terms, zone: Zone) -> Promise:
    """What an order paid at ``ordered_at`` (aware) can count on, delivered in ``zone``."""
    local = ordered_at.astimezone(terms.timezone)
    out = goes_out(local, terms)
    return Promise(ordered_at=local, goes_out=out, arrives=arrives(out, zone))


def ready_for_pickup(ordered_at: datetime, terms: Terms) -> date:
    """A pickup order is ready the day it would have gone out, or the shop's next open day."""
    ready = goes_out(ordered_at, terms)
    open_days = {opening.weekday for opening in terms.pickup.opening_hours}
    country = terms.dispatch.holidays_country
    if is_working_day(ready, open_days, country):
        return ready
    return next_working_day(ready, open_days, country)
