"""The monthly rhythm in the browser: a team files its report, the coach confirms a score,
triage reorders, staff prepare and download the progress PDF. Screenshots of the report form,
the triage page and the progress chart at 1280 and 390 px."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collaboratives.models import PDSACycle
from rhythm import selectors, services
from rhythm.models import MonthlyReport
from tests.browser.conftest import SCREENSHOTS
from tests.factories import (
    ActionPeriodFactory,
    ChangeIdeaFactory,
    CoachFactory,
    CollaborativeFactory,
    EnrollmentFactory,
    MeasureFactory,
    PDSACycleFactory,
    TeamAimFactory,
    Tier2TeamFactory,
    UserFactory,
)
from tests.rhythm.helpers import weekly_series

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def rhythm_world():
    today = timezone.localdate()
    collaborative = CollaborativeFactory(
        name="Chronic Absenteeism Breakthrough Collaborative", slug="chronic-absenteeism",
        start=today - timedelta(days=120), end=today + timedelta(days=245),
        aim="Cut chronic absenteeism across member institutions by 20% within one year.")
    period = ActionPeriodFactory(collaborative=collaborative)
    idea = ChangeIdeaFactory(primary_driver__collaborative=collaborative,
                             title="Text families after a first absence")
    coach = CoachFactory(email="coach@ncsup.example.org", first_name="Casey")
    lead_a, lead_b = UserFactory(first_name="Ana"), UserFactory(first_name="Ben")
    oxford = Tier2TeamFactory(name="Oxford School District + University of Mississippi",
                              lead=lead_a)
    denver = Tier2TeamFactory(name="Denver Public Schools + University of Denver", lead=lead_b)
    enrollments = [EnrollmentFactory(collaborative=collaborative, team=t, coach=coach)
                   for t in (oxford, denver)]
    for e in enrollments:
        TeamAimFactory(enrollment=e)
    rate = MeasureFactory(collaborative=collaborative, name="Chronic absenteeism rate")
    weekly_series(oxford, rate, [24, 25, 23, 24, 22, 21, 20, 19, 19, 18])
    texts = PDSACycleFactory(team=oxford, action_period=period, change_idea=idea,
                             completed=True, title="Texts home after a first absence")
    PDSACycleFactory(team=denver, action_period=period, change_idea=idea, completed=True,
                     decision="adopt")
    due = selectors.last_due_month(collaborative)
    mid = timezone.make_aware(datetime.combine(due.replace(day=15), time(10)))
    PDSACycle.objects.filter(pk=texts.pk).update(created_at=mid, in_progress_at=mid,
                                                 completed_at=mid)  # a cycle of that month
    months = [m for m in selectors.report_months(collaborative)[::-1] if m < due]
    for e, lead, scores in ((enrollments[0], lead_a, ["1.0", "1.5", "2.0"]),
                            (enrollments[1], lead_b, ["1.5", "2.0", "2.5"])):
        for month, score in zip(months, scores, strict=False):
            report = services.report_file(enrollment=e, month=month, actor=lead,
                                          learned="We are learning.", self_score=score,
                                          submit=True)
            services.report_review(report=report, actor=coach, score=score)
    services.report_file(enrollment=enrollments[1], month=due, actor=lead_b,
                         learned="Advisors' home visits help.", self_score="3.0", submit=True)
    return {"collaborative": collaborative, "coach": coach, "lead_a": lead_a,
            "oxford": oxford, "denver": denver, "due": due,
            "staff": UserFactory(staff=True)}


def _shots(page, name, path):
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(path / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(WIDTHS["1280"])


def _first_team(page):
    return page.locator(".triage-table tbody tr th").first


def test_file_a_report_confirm_a_score_triage_reorders_print_the_progress(
        page, live_server, sign_in, rhythm_world):
    w, url = rhythm_world, live_server.url
    shots = SCREENSHOTS
    shots.mkdir(parents=True, exist_ok=True)
    slug, due = w["collaborative"].slug, w["due"]

    # Triage before: Oxford is late with its report, so it comes first.
    sign_in(w["coach"])
    page.goto(f"{url}/collaboratives/coaching/triage/")
    expect(_first_team(page)).to_contain_text("Oxford")
    expect(page.get_by_text(f"The {due:%B %Y} report is overdue")).to_be_visible()
    page.context.clear_cookies()

    # The team files its report.
    sign_in(w["lead_a"])
    page.goto(f"{url}/collaboratives/{slug}/teams/{w['oxford'].pk}/reports/{due.year}/"
              f"{due.month}/")
    expect(page.get_by_text("The evidence suggests")).to_be_visible()
    expect(page.get_by_text("Texts home after a first absence")).to_be_visible()
    page.get_by_label("What we learned").fill("Families answer texts sooner than calls.")
    page.get_by_label("Where we need help").fill("Reading our run chart.")
    _shots(page, "report-form", shots)
    page.get_by_label("2.5 Changes tested, but no improvement").check()
    page.get_by_role("button", name="Submit the report").click()
    expect(page.get_by_text("report is submitted")).to_be_visible()
    report = MonthlyReport.objects.get(enrollment__team=w["oxford"], month=due)
    assert report.is_submitted
    page.context.clear_cookies()

    # The coach confirms a score; triage now puts Denver first.
    sign_in(w["coach"])
    page.goto(f"{url}{report.get_absolute_url()}")
    page.get_by_label("3.0 Modest improvement").check()
    page.get_by_label("Comment to the team").fill("A clear signal on texts: test with grade 7.")
    page.get_by_role("button", name="Confirm the score").click()
    expect(page.get_by_text("Score confirmed.")).to_be_visible()
    page.goto(f"{url}/collaboratives/coaching/triage/")
    expect(_first_team(page)).to_contain_text("Denver")
    _shots(page, "triage", shots)
    page.context.clear_cookies()

    # Staff open the progress page and print the PDF.
    sign_in(w["staff"])
    page.goto(f"{url}/collaboratives/{slug}/progress/")
    expect(page.locator("#score-distribution")).to_be_visible()
    expect(page.get_by_role("table", name="Teams at each level, per month")).to_be_visible()
    _shots(page, "progress", shots)
    page.get_by_role("button", name="Prepare today's PDF").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
