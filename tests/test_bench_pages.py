"""The benchmark's key pages are one list (bench/prepare.py KEY_PAGES): a page is one line, and a
line whose URL does not exist yet on this branch is left out of the run rather than failing it."""

import pytest
from django.urls import reverse

from bench.prepare import KEY_PAGES, KeyPage, pages

pytestmark = pytest.mark.django_db


class Named:
    def __init__(self, pk, slug=""):
        self.pk, self.slug = pk, slug


FACTS = {"team": Named(7), "team_active": 252, "collaborative": Named(3, "ca-2026"),
         "coach_enrollment": None}


def test_a_line_is_a_page_with_its_persona_expected_text_and_path(capsys):
    plan = pages(FACTS, [
        KeyPage("roster ({team_active} active)", "lead", "Team members",
                lambda f: reverse("members:roster", args=[f["team"].pk])),
        KeyPage("signed-in", "member", "ok", lambda f: "/bench/signed-in", reference=True),
        KeyPage("admin: invoices", "staff", "Select invoice to change",
                lambda f: reverse("admin:billing_invoice_changelist"), admin_reference=True),
    ])
    assert plan == [
        {"name": "roster (252 active)", "path": "/portal/teams/7/", "persona": "lead",
         "expect": "Team members"},
        {"name": "signed-in", "path": "/bench/signed-in", "persona": "member", "expect": "ok",
         "reference": True},
        {"name": "admin: invoices", "path": "/staff/billing/invoice/", "persona": "staff",
         "expect": "Select invoice to change", "admin_reference": True},
    ]


def test_a_page_not_on_this_branch_yet_is_left_out_with_a_note(capsys):
    plan = pages(FACTS, [
        KeyPage("coach triage", "coach", "Triage",
                lambda f: reverse("collaboratives:no_such_page_yet")),
        KeyPage("member dashboard", "lead", "My portal", lambda f: reverse("members:dashboard")),
    ])
    assert [p["name"] for p in plan] == ["member dashboard"]
    assert "left out: coach triage" in capsys.readouterr().out


def test_the_list_has_one_baseline_one_reference_and_the_issue_s_key_pages():
    assert sum(p.baseline for p in KEY_PAGES) == 1
    assert sum(p.reference for p in KEY_PAGES) == 1
    names = {p.name for p in KEY_PAGES}
    for name in ("member dashboard", "roster ({team_active} active)", "billing page",
                 "collaborative home", "cross-team measure", "staff: application queue",
                 "staff: invoices", "admin: applications", "admin: invoices"):
        assert name in names
    # The admin's changelists are measured beside staff's portal lists, for reference only.
    assert {p.name for p in KEY_PAGES if p.admin_reference} == {"admin: applications",
                                                                 "admin: invoices"}
    assert {p.persona for p in KEY_PAGES} <= {"lead", "member", "coach", "staff"}
