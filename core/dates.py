from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def day(value: date) -> str:
    """A date as people read it everywhere in the portal: "1 Dec 2026" (DATE_FORMAT)."""
    return date_format(value, "DATE_FORMAT")


def day_time(value: datetime) -> str:
    """A moment, in the portal's time zone: "1 Dec 2026, 9:00 a.m." (DATETIME_FORMAT)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATETIME_FORMAT")
