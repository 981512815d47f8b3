"""Membership.term_end becomes the term's last day (inclusive), as invoices print it.

A term from 1 Dec 2026 was stored as ending 1 Dec 2028 (the anniversary) while its year-1 invoice
covered 1 Dec 2026 to 30 Nov 2027. Rows whose end is exactly N years after the start, as
application_approve set it, move to the day before that anniversary; an end staff set by hand
to any other day is left as it is. The date rules below are frozen copies: they describe the
stored data, not the code of the day.
"""

from datetime import date, timedelta

from django.db import migrations, models

MAX_YEARS = 10


def _old_anniversary(day: date, years: int) -> date:
    """The end application_approve stored: 29 February fell back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _last_day(day: date, years: int) -> date:
    """core.dates.last_day_of_years as of this migration: 29 February's anniversary is 1 March."""
    try:
        anniversary = day.replace(year=day.year + years)
    except ValueError:
        anniversary = day.replace(year=day.year + years, month=3, day=1)
    return anniversary - timedelta(days=1)


def _move(apps, new_end):
    Membership = apps.get_model("members", "Membership")
    changed = []
    for membership in Membership.objects.only("pk", "term_start", "term_end"):
        end = new_end(membership.term_start, membership.term_end)
        if end is not None and end != membership.term_end:
            membership.term_end = end
            changed.append(membership)
    Membership.objects.bulk_update(changed, ["term_end"], batch_size=1000)


def to_inclusive(apps, schema_editor):
    def new_end(start, end):
        for years in range(1, MAX_YEARS + 1):
            if end == _old_anniversary(start, years):
                return _last_day(start, years)
        return None
    _move(apps, new_end)


def to_exclusive(apps, schema_editor):
    def old_end(start, end):
        for years in range(1, MAX_YEARS + 1):
            if end == _last_day(start, years):
                return _old_anniversary(start, years)
        return None
    _move(apps, old_end)


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0005_institution_name_key_nfkc"),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="term_end",
            field=models.DateField(
                help_text="Inclusive: the last day the membership covers. The initial commitment "
                          "runs two years, so a term from 1 Dec 2026 ends on 30 Nov 2028.",
                verbose_name="last day of the term",
            ),
        ),
        migrations.RunPython(to_inclusive, to_exclusive, elidable=True),
    ]
