"""Dates of yearly periods and how people read them, one convention everywhere.

A period's END DATE IS INCLUSIVE. A membership or a commitment year that starts on 1 December
2026 runs to 30 November 2027 (one year) or 30 November 2028 (two years): the last day printed is
still covered, the next day is not. A period starting on 29 February runs to 28 February: its
anniversary in a common year is 1 March, so a year from 29 February 2028 is 29 February 2028 to
28 February 2029, 366 days, like any year with a 29 February in it.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language


def add_years(day: date, years: int) -> date:
    """The anniversary ``years`` later: the same day, and for 29 February in a common year,
    1 March (the day after 28 February, so a year from 29 February is not a day short)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


def last_day_of_years(start: date, years: int) -> date:
    """The last day (inclusive) of a period of ``years`` years starting on ``start``."""
    return add_years(start, years) - timedelta(days=1)


def day(value: date) -> str:
    """A date as people read it everywhere in the portal: "1 Dec 2026" (DATE_FORMAT)."""
    return _day(value, get_language(), settings.DATE_FORMAT)


@lru_cache(maxsize=4096)
def _day(value: date, language: str, date_format_setting: str) -> str:
    # Django's formatter costs ~70 Python calls a date; a list of dates repeats them.
    return date_format(value, "DATE_FORMAT")


def day_time(value: datetime) -> str:
    """A moment, in the portal's time zone: "1 Dec 2026, 9:00 a.m." (DATETIME_FORMAT)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATETIME_FORMAT")


def date_range(start: date, last_day: date) -> str:
    """A period as pages print it, both days included: "1 Dec 2026 to 30 Nov 2028"."""
    return f"{day(start)} to {day(last_day)}"
