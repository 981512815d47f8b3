"""Monthly reports: drafts save, a submission freezes the report, corrections are amendments
on record, the coach confirms a score; who may read and rate what."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.statemachine import history
from rhythm import services
from rhythm.models import MonthlyReport, ReportAmendment
from tests.factories import MeasureFactory, PDSACycleFactory, TeamAimFactory
from tests.once import token
from tests.rhythm.helpers import submitted, weekly_series


def _edit_url(world, month, team=None):
    team = team or world.team_a
    return reverse("rhythm:report_edit", args=[world.collaborative.slug, team.pk, month.year,
                                               month.month])


def test_a_draft_saves_and_stays_editable(client, world, last_month):
    client.force_login(world.member_a)
    response = client.post(_edit_url(world, last_month), {
        "learned": "Families answer texts.", "barriers": "Wrong numbers.", "help_needed": "",
        "self_score": "2.0", "save": "1"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get()
    assert report.status == "draft" and report.learned == "Families answer texts."
    assert report.self_score.score == Decimal("2.0")
    page = client.get(_edit_url(world, last_month)).content.decode()
    assert "Families answer texts." in page and "Draft" in page


def test_submitting_freezes_the_months_cycles_and_words(client, world, this_month):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, completed=True, title="Texts home")
    client.force_login(world.lead_a)
    response = client.post(_edit_url(world, this_month), {
        "learned": "Texts work.", "barriers": "", "help_needed": "Data help.",
        "self_score": "2.5", "submit": "1"})
    report = MonthlyReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert report.is_submitted and report.submitted_by == world.lead_a
    assert [c["title"] for c in report.cycles_snapshot] == ["Texts home"]
    assert report.suggested_score is not None
    assert [e.to_status for e in history(report)] == ["submitted"]
    # The cycle changes later; the report shows what it said then.
    cycle.title = "Renamed"
    cycle.save()
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Texts home" in page and "Renamed" not in page
    # and the form is gone: the edit address leads to the frozen report
    assert client.get(_edit_url(world, this_month)).url == report.get_absolute_url()


def test_submitting_needs_words_and_a_score_and_loses_nothing(client, world, last_month):
    client.force_login(world.lead_a)
    response = client.post(_edit_url(world, last_month), {
        "learned": "", "barriers": "Scheduling the clerk.", "self_score": "", "submit": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say what the team learned" in page and "Rate the team&#x27;s progress" in page
    assert "Scheduling the clerk." in page
    assert not MonthlyReport.objects.exists()


def test_a_score_off_the_scale_is_refused(client, world, last_month):
    client.force_login(world.lead_a)
    response = client.post(_edit_url(world, last_month), {"learned": "x", "self_score": "3.7",
                                                          "submit": "1"})
    assert response.status_code == 400
    assert "is not on the scale" in response.content.decode()
    with pytest.raises(ValidationError, match="not on the scale"):
        services.report_file(enrollment=world.enrollment_a, month=last_month,
                             actor=world.lead_a, learned="x", self_score="6", submit=True)


def test_a_second_submission_changes_nothing(world, last_month):
    first = submitted(world, last_month, learned="First words.")
    with pytest.raises(ValidationError) as refused:
        services.report_file(enrollment=world.enrollment_a, month=last_month,
                             actor=world.member_a, learned="Second words.", self_score="4.0",
                             submit=True)
    assert refused.value.code == "submitted"
    assert MonthlyReport.objects.count() == 1
    first.refresh_from_db()
    assert first.learned == "First words." and first.self_score.score == Decimal("2.5")


def test_the_second_tab_lands_on_the_submitted_report_with_a_message(client, world, last_month):
    report = submitted(world, last_month)
    client.force_login(world.member_a)
    response = client.post(_edit_url(world, last_month), {"learned": "Other tab",
                                                          "self_score": "3.0", "submit": "1"},
                           follow=True)
    assert "already submitted" in response.content.decode()
    assert MonthlyReport.objects.get().learned == report.learned


def test_a_correction_is_an_amendment_on_record(client, world, last_month):
    report = submitted(world, last_month)
    client.force_login(world.member_a)
    response = client.post(report.get_absolute_url(), {
        "amend": "1", "amend-body": "We texted 31 families, not 13.", **token("amend")})
    assert response.status_code == 302
    amendment = ReportAmendment.objects.get()
    assert amendment.author == world.member_a and amendment.report == report
    report.refresh_from_db()
    assert report.learned == "Texts beat calls."  # the report itself is unchanged
    assert "not 13" in client.get(report.get_absolute_url()).content.decode()


def test_a_draft_cannot_be_amended(world, last_month):
    report = services.report_file(enrollment=world.enrollment_a, month=last_month,
                                  actor=world.lead_a, learned="x")
    with pytest.raises(ValidationError, match="amendments are for submitted"):
        services.report_amend(report=report, actor=world.lead_a, body="fix")


def test_the_coach_confirms_a_score_which_stands(client, world, last_month):
    report = submitted(world, last_month, score="3.0")
    client.force_login(world.coach_a)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "The evidence suggests" in page
    response = client.post(report.get_absolute_url(), {
        "review": "1", "review-score": "2.5", "review-comment": "No signal yet: keep testing."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.coach_score.score == Decimal("2.5") and report.score.score == Decimal("2.5")
    assert report.self_score.score == Decimal("3.0")
    assert sorted(e.action for e in history(report)) == ["coach_score", "status:submitted"]


def test_a_coach_rating_a_team_they_do_not_coach_is_refused(client, world, last_month):
    report = submitted(world, last_month)
    with pytest.raises(ValidationError, match="Only the team's coach"):
        services.report_review(report=report, actor=world.coach_b, score="3.0")
    client.force_login(world.coach_b)
    # coach B reads the submitted report (shared learning) but has no form to rate it
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200 and "Confirm the score" not in page.content.decode()
    assert client.post(report.get_absolute_url(), {"review": "1", "review-score": "3.0"}
                       ).status_code == 404
    report.refresh_from_db()
    assert report.coach_score is None


def test_the_coach_cannot_rate_off_the_scale(world, last_month):
    report = submitted(world, last_month)
    with pytest.raises(ValidationError, match="not on the scale"):
        services.report_review(report=report, actor=world.coach_a, score="5.5")


def test_a_draft_is_hidden_from_other_teams_and_a_submitted_report_is_shared(client, world,
                                                                             last_month):
    draft = services.report_file(enrollment=world.enrollment_a, month=last_month,
                                 actor=world.lead_a, learned="secret draft")
    for person, status in [(world.member_b, 404), (world.coach_b, 404), (world.outsider, 404),
                           (world.coach_a, 200), (world.member_a, 200)]:
        client.force_login(person)
        assert client.get(draft.get_absolute_url()).status_code == status, person
    client.force_login(world.member_b)
    assert client.get(_edit_url(world, last_month)).status_code == 404
    services.report_file(enrollment=world.enrollment_a, month=last_month, actor=world.lead_a,
                         learned="now shared", self_score="2.0", submit=True)
    assert client.get(draft.get_absolute_url()).status_code == 200
    listing = client.get(reverse("rhythm:reports", args=[world.collaborative.slug]))
    assert world.team_a.name in listing.content.decode()
    client.force_login(world.outsider)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_suggestion_is_shown_with_reasons_and_never_applied(client, world, last_month):
    TeamAimFactory(enrollment=world.enrollment_a)
    client.force_login(world.lead_a)
    page = client.get(_edit_url(world, last_month)).content.decode()
    assert "The evidence suggests 1.5" in page and "no measure has data" in page
    assert 'checked' not in page.split("Our progress on the IHI")[1].split("</fieldset>")[0]


def test_the_form_lists_the_measures_latest_values(client, world, last_month):
    rate = MeasureFactory(collaborative=world.collaborative, name="Chronic absenteeism rate")
    weekly_series(world.team_a, rate, [24, 23, 22])
    client.force_login(world.lead_a)
    page = client.get(_edit_url(world, last_month)).content.decode()
    assert "Chronic absenteeism rate" in page and "22%" in page


def test_a_month_outside_the_collaborative_is_not_found(client, world):
    client.force_login(world.lead_a)
    start = world.collaborative.start
    url = reverse("rhythm:report_edit", args=[world.collaborative.slug, world.team_a.pk,
                                              start.year - 1, start.month])
    assert client.get(url).status_code == 404
    assert client.get(reverse("rhythm:report_edit", args=[
        world.collaborative.slug, world.team_a.pk, 2026, 13])).status_code == 404


def test_team_reports_list_each_month_with_its_state(client, world, last_month):
    submitted(world, last_month)
    client.force_login(world.coach_a)
    page = client.get(reverse("rhythm:team_reports", args=[world.collaborative.slug,
                                                          world.team_a.pk])).content.decode()
    assert "Submitted" in page and last_month.strftime("%B %Y") in page


@pytest.mark.parametrize("extra", [0, 8])
def test_the_report_pages_read_a_bounded_number_of_queries(client, world, last_month, extra,
                                                           django_assert_max_num_queries):
    for _ in range(extra):
        PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                         completed=True)
    report = submitted(world, last_month)
    client.force_login(world.coach_a)
    with django_assert_max_num_queries(30):
        assert client.get(report.get_absolute_url()).status_code == 200
    client.force_login(world.lead_a)
    with django_assert_max_num_queries(30):
        assert client.get(_edit_url(world, world.collaborative.start.replace(day=1))
                          ).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("rhythm:reports", args=[world.collaborative.slug])
                          ).status_code == 200
