"""The rhythm keeps the house's rules: no import inside a function, its tasks registered under
the names the beat schedule uses."""

from celery import current_app
from django.conf import settings

from tests.test_layout import ROOT, _imports_inside_functions


def test_no_import_hides_in_a_function_in_rhythm():
    files = [path for path in sorted((ROOT / "rhythm").rglob("*.py"))
             if "migrations" not in path.parts]
    assert len(files) > 10
    assert [hit for path in files for hit in _imports_inside_functions(path)] == []


def test_the_rhythms_daily_jobs_are_on_the_beat_schedule():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    names = {f"rhythm.tasks.{n}" for n in ("report_reminders_send", "sponsor_digests_send",
                                           "evaluation_invitations_send")}
    assert names <= scheduled and names <= set(current_app.tasks)
