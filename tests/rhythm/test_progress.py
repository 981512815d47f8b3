"""The collaborative's progress: the page, its chart, the CSV exports and the PDF."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from rhythm import services
from rhythm.chart import stacked_svg
from rhythm.models import ProgressPdf
from rhythm.selectors import progress_of
from tests.factories import EnrollmentFactory, PDSACycleFactory
from tests.rhythm.helpers import submitted


def _url(world, name):
    return reverse(f"rhythm:{name}", args=[world.collaborative.slug])


def test_scores_per_month_count_the_coachs_score_over_the_teams(world, last_month):
    report_a = submitted(world, last_month, score="3.0")
    submitted(world, last_month, score="2.0", team="b")
    services.report_review(report=report_a, actor=world.coach_a, score="2.5")
    progress = progress_of(world.collaborative)
    month = next(d for d in progress.distribution if d["month"] == last_month)
    assert {str(s): n for s, n in month["counts"].items() if n} == {"2.5": 1, "2.0": 1}
    trajectory = {r["enrollment"].team: r["scores"] for r in progress.trajectories}
    assert str(trajectory[world.team_a][progress.months.index(last_month)].score) == "2.5"


def test_the_chart_says_in_words_what_it_shows():
    class Level:
        def __init__(self, score):
            self.score = score
    levels = [Level(Decimal(n) / 2) for n in range(2, 11)]
    counts = {level.score: 0 for level in levels}
    counts[Decimal("2.5")] = 3
    svg = stacked_svg(distribution=[{"month": date(2026, 10, 1), "counts": counts,
                                     "total": 3}], levels=levels)
    assert 'role="img"' in svg and "<desc" in svg
    assert "October 2026: 3 teams at 2.5" in svg  # each segment's own title
    assert "In October 2026, 3 teams scored: 3 at 2.5" in svg
    assert "style=" not in svg and "<script" not in svg


def test_staff_and_coaches_see_progress_members_do_not(client, world, staff, last_month):
    submitted(world, last_month)
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     completed=True, decision="adopt")
    for person, status in [(staff, 200), (world.coach_b, 200), (world.member_a, 404),
                           (world.outsider, 404)]:
        client.force_login(person)
        assert client.get(_url(world, "progress")).status_code == status, person
    client.force_login(staff)
    page = client.get(_url(world, "progress")).content.decode()
    assert "Scores per month" in page and world.idea.title in page and "adopted by 1 team" in page


def test_the_csv_exports_list_scores_and_reports(client, world, staff, last_month):
    submitted(world, last_month, score="2.5", learned="=HYPERLINK(\"x\")")
    client.force_login(staff)
    scores = list(csv.reader(io.StringIO(client.get(_url(world, "scores_csv"))
                                         .content.decode())))
    assert scores[0][0] == "team" and f"{last_month:%Y-%m}" in scores[0]
    row = next(r for r in scores if r[0] == world.team_a.name)
    assert row[scores[0].index(f"{last_month:%Y-%m}")] == "2.5"
    reports = list(csv.reader(io.StringIO(client.get(_url(world, "reports_csv"))
                                          .content.decode())))
    assert reports[1][0] == world.team_a.name and reports[1][2] == "submitted"
    assert reports[1][7].startswith("'=")  # a formula is defused


def test_staff_prepare_the_pdf_in_the_background_and_download_it(client, world, staff,
                                                                 last_month,
                                                                 immediate_on_commit):
    submitted(world, last_month)
    client.force_login(staff)
    assert client.get(_url(world, "progress_pdf")).status_code == 404  # none yet
    response = client.post(_url(world, "progress_pdf"))
    assert response.status_code == 302
    pdf = ProgressPdf.objects.get()
    assert pdf.pdf_path
    download = client.get(_url(world, "progress_pdf"))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        b"".join(download.streaming_content))).pages)
    assert world.collaborative.name in text and "Scores per month" in text
    client.post(_url(world, "progress_pdf"))
    assert ProgressPdf.objects.count() == 1  # one a day
    client.force_login(world.coach_a)
    assert client.post(_url(world, "progress_pdf")).status_code == 404  # coaches read, staff print


@pytest.mark.parametrize("extra", [0, 12])
def test_the_progress_page_reads_a_bounded_number_of_queries(client, world, staff, extra,
                                                             django_assert_max_num_queries):
    for _ in range(extra):
        EnrollmentFactory(collaborative=world.collaborative)
    client.force_login(staff)
    with django_assert_max_num_queries(25):
        assert client.get(_url(world, "progress")).status_code == 200
