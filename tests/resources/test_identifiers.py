"""core.identifiers: obvious student identifiers in an upload, with examples and non-examples."""

import io
import zipfile

import pytest

from core.identifiers import scan, xlsx_rows


def _kinds(findings):
    return [finding.kind for finding in findings]


@pytest.mark.parametrize("header", [
    "Student ID", "student_id", "StudentID", "STUDENT NUMBER", "Stu ID", "DOB", "D.O.B.",
    "Date of Birth", "Birthdate", "SSN", "Social Security Number", "SASID", "State Student ID",
    "Student name", "Student Last Name",
])
def test_csv_headers_that_name_an_identifier_are_found(header):
    data = f"{header},Grade,Days absent\nx,7,3\n".encode()
    findings = scan(data, "roster.csv")
    assert _kinds(findings) == ["header"]
    assert f"Column 1 is headed “{header}”" in findings[0].message


@pytest.mark.parametrize("header", [
    "School", "Grade band", "Students enrolled", "Percent chronically absent", "Student count",
    "Date", "Month", "District ID", "Doberman", "Job title", "Students with disabilities",
])
def test_aggregate_headers_are_not_findings(header):
    data = f"{header},Value\nRiver Middle,12.5\n".encode()
    assert scan(data, "aggregates.csv") == []


def test_a_title_row_before_the_headers_does_not_hide_them():
    data = b"Attendance export,,\nSchool year 2025-26,,\nName,Date of birth,Grade\nA,1,7\n"
    assert _kinds(scan(data, "export.csv")) == ["header"]


def test_nine_digit_runs_are_counted_but_never_repeated():
    data = b"Name,Number\nAna,123456789\nBo,987-65-4321\nCy,555443333\n"
    findings = scan(data, "list.csv")
    assert _kinds(findings) == ["nine_digits"]
    assert "3 nine-digit numbers" in findings[0].message
    assert "123456789" not in findings[0].message


@pytest.mark.parametrize("value", [
    "12345678",          # eight digits
    "1234567890",        # ten (a phone number written without spaces)
    "662-915-7063",      # a phone number
    "38677-1848",        # a ZIP+4
    "2026-12-01",        # a date
    "123456789.5",       # a decimal
    "20261201",          # a date as digits
])
def test_numbers_that_are_not_nine_digit_runs(value):
    assert scan(f"School,Value\nRiver,{value}\n".encode(), "data.csv") == []


def test_plain_text_mentions_anywhere_are_found():
    text = b"Notes from the call\nWe will send the list with each child's DOB next week.\n"
    findings = scan(text, "notes.txt")
    assert _kinds(findings) == ["header"]
    assert findings[0].message == "Line 2 mentions a date of birth."


def test_plain_text_about_attendance_is_clean():
    text = (b"Chronic absenteeism fell from 24% to 18% across 1,250 students between "
            b"September and March.\nCall the office at 662-915-7063.\n")
    assert scan(text, "summary.txt") == []


def _xlsx(rows, inline=False) -> bytes:
    shared, sheet_rows = [], []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif inline:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                shared.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "".join(
            f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
        archive.writestr("xl/worksheets/sheet1.xml",
                         f"<worksheet><sheetData>{''.join(sheet_rows)}</sheetData></worksheet>")
    return buffer.getvalue()


def test_xlsx_cells_are_read_shared_and_inline():
    rows = [["School", "Student ID", "Days absent"], ["River", 123456789, 4]]
    assert xlsx_rows(_xlsx(rows)) == [["School", "Student ID", "Days absent"],
                                      ["River", "123456789", "4"]]
    assert _kinds(scan(_xlsx(rows), "roster.xlsx")) == ["header", "nine_digits"]
    assert _kinds(scan(_xlsx(rows, inline=True), "roster.xlsx")) == ["header", "nine_digits"]


def test_an_xlsx_of_aggregates_is_clean():
    rows = [["Month", "Percent chronically absent"], ["September", 21.5], ["October", 19.0]]
    assert scan(_xlsx(rows), "monthly.xlsx") == []


def test_files_the_scan_does_not_read_and_broken_ones_give_no_findings():
    assert scan(b"%PDF-1.7 Student ID", "guide.pdf") == []
    assert scan(b"not a zip", "broken.xlsx") == []
    assert scan(b"\x00\x01binary", "odd.csv") == []
