"""A report submitted from two tabs at the same moment: one report, submitted once, against
real PostgreSQL (the unique month and the row lock)."""

import pytest
from django.core.exceptions import ValidationError

from core.statemachine import history
from rhythm import services
from rhythm.models import MonthlyReport
from tests.billing.conftest import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_tabs_submitting_at_once_make_one_report(postgres, world, last_month):
    people = [world.lead_a, world.member_a, world.lead_a, world.member_a]

    def submit(index):
        return services.report_file(enrollment=world.enrollment_a, month=last_month,
                                    actor=people[index], learned=f"Tab {index}",
                                    self_score="2.5", submit=True).pk

    results, errors = run_in_threads(len(people), submit)
    assert all(isinstance(e, ValidationError) and e.code == "submitted" for e in errors), errors
    assert len([r for r in results if r]) == len(people) - len(errors) == 1
    report = MonthlyReport.objects.get()
    assert report.is_submitted
    assert [e.to_status for e in history(report)] == ["submitted"]
