"""A scan of an uploaded file for obvious student identifiers.

No student-level data belongs in the portal (measures are aggregates), so every upload form
says so, and a file that looks like it holds some is only kept once its uploader confirms it
does not. This is a net for honest mistakes (a roster exported with its ID column), not a
guarantee: it reads CSV, plain text and the cells of an XLSX workbook, and looks for

- column headers that name a student identifier ("Student ID", "Student name", "DOB", "Date of
  birth", "SSN", "SASID" ...), in the first rows of a table or anywhere in plain text;
- runs of nine digits (an SSN, or most state student ids), alone or written 123-45-6789.

Pure Python: ``scan(data, filename)`` returns a list of ``Finding``, empty when nothing is seen.
Findings never repeat the identifier itself (the warning must not spread what it warns about).
"""

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

# Header words, compared with a cell lower-cased, punctuation read as spaces.
_HEADER_WORDS = [
    (re.compile(r"\b(?:student|stu|pupil|learner)\s*(?:id|ids|number|no|num|nbr|identifier)\b"),
     "a student ID"),
    (re.compile(r"\bstudentid\b"), "a student ID"),
    (re.compile(r"\b(?:student|stu|pupil|learner)s?\s*(?:first |last |full )?name\b"),
     "a student's name"),
    (re.compile(r"\b(?:sasid|lasid|ssid|state student id)\b"), "a state or local student ID"),
    (re.compile(r"\bd\s*o\s*b\b"), "a date of birth"),
    (re.compile(r"\b(?:date of birth|birth ?date|birthday)\b"), "a date of birth"),
    (re.compile(r"\b(?:ssn|social security(?: number| no)?)\b"), "a Social Security number"),
]
# Nine digits alone (not part of a longer number, a decimal or a phone or ZIP+4 written with
# dashes), or written 123-45-6789.
_NINE_DIGITS = re.compile(r"(?<![\d.\-/])(?:\d{9}|\d{3}-\d{2}-\d{4})")
_NOT_AFTER = re.compile(r"[\d\-/]|\.\d")  # what may not follow: more digits, a dash, a decimal


def _nine_digit_runs(text: str) -> int:
    return sum(1 for match in _NINE_DIGITS.finditer(text)
               if not _NOT_AFTER.match(text, match.end()))


TABLE_HEADER_ROWS = 3          # a title row or two may come before the headers
MAX_SCANNED_BYTES = 20 * 1024 * 1024
MAX_XLSX_PART_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    kind: str       # "header" or "nine_digits"
    message: str


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _header_meaning(cell: str, *, longest: int | None = 40) -> str | None:
    """What identifier ``cell`` names, if any. A table's header is short (``longest``
    characters); a line of text may be any length."""
    words = _normalised(cell)
    if not words or (longest is not None and len(words) > longest):
        return None
    for pattern, meaning in _HEADER_WORDS:
        if pattern.search(words):
            return meaning
    return None


def _decode(data: bytes) -> str | None:
    if b"\x00" in data[:4096]:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return [[line] for line in text.splitlines()]


_ROW = re.compile(r"<(?:\w+:)?row\b[^>]*>(.*?)</(?:\w+:)?row>", re.S)
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_VALUE = re.compile(r"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v>", re.S)
_TEXT = re.compile(r"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)
_SHARED = re.compile(r"<(?:\w+:)?si\b[^>]*>(.*?)</(?:\w+:)?si>", re.S)


def _xml_text(fragment: str) -> str:
    return html.unescape("".join(_TEXT.findall(fragment)))


def xlsx_rows(data: bytes) -> list[list[str]] | None:
    """The cells of every sheet of an XLSX workbook as rows of text, read from its XML with
    regular expressions (no XML parser meets the file, so no entity tricks apply); None when the
    file is not a workbook. Parts larger than ``MAX_XLSX_PART_BYTES`` unpacked are skipped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError):
        return None

    def read(name: str) -> str:
        info = names.get(name)
        if info is None or info.file_size > MAX_XLSX_PART_BYTES:
            return ""
        try:
            return archive.read(info).decode("utf-8", errors="replace")
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError):
            return ""

    shared = [_xml_text(item) for item in _SHARED.findall(read("xl/sharedStrings.xml"))]
    sheets = sorted(name for name in names
                    if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    if not sheets:
        return None
    rows = []
    for sheet in sheets:
        for row in _ROW.findall(read(sheet)):
            cells = []
            for attributes, body in _CELL.findall(row):
                body = body or ""
                kind = re.search(r'\bt="(\w+)"', attributes)
                kind = kind.group(1) if kind else ""
                if kind == "inlineStr":
                    cells.append(_xml_text(body))
                    continue
                value = _VALUE.search(body)
                value = html.unescape(value.group(1)) if value else ""
                if kind == "s":
                    index = int(value) if value.isdigit() else -1
                    cells.append(shared[index] if 0 <= index < len(shared) else "")
                else:
                    cells.append(value)
            rows.append(cells)
    return rows


def _nine_digit_cells(cell: str) -> int:
    # A spreadsheet stores 123456789 as "123456789" or, as a float, "123456789.0".
    if re.fullmatch(r"\d{9}\.0+", cell.strip()):
        return 1
    return _nine_digit_runs(cell)


def _table_findings(rows: list[list[str]]) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for row in rows[:TABLE_HEADER_ROWS]:
        for column, cell in enumerate(row, start=1):
            meaning = _header_meaning(cell)
            if meaning and meaning not in seen:
                seen.add(meaning)
                header = cell.strip()[:60]
                findings.append(Finding(
                    "header", f"Column {column} is headed “{header}”, which looks like {meaning}."))
    nine = sum(_nine_digit_cells(cell) for row in rows for cell in row)
    if nine:
        findings.append(_nine_digit_finding(nine))
    return findings


def _nine_digit_finding(count: int) -> Finding:
    numbers = "a nine-digit number" if count == 1 else f"{count:,} nine-digit numbers"
    return Finding("nine_digits", f"It holds {numbers}, which may be a Social Security number "
                                  "or a student ID.")


def _text_findings(text: str) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        meaning = _header_meaning(line, longest=None)
        if meaning and meaning not in seen:
            seen.add(meaning)
            findings.append(Finding("header", f"Line {number:,} mentions {meaning}."))
    nine = _nine_digit_runs(text)
    if nine:
        findings.append(_nine_digit_finding(nine))
    return findings


TABLE_EXTENSIONS = {".csv", ".tsv"}
TEXT_EXTENSIONS = {".txt", ".md"}


def scan(data: bytes, filename: str) -> list[Finding]:
    """What in ``data`` looks like a student identifier; [] when nothing does, or when the file
    is of a kind this scan does not read (images, PDF, slides)."""
    extension = PurePath(filename or "").suffix.lower()
    data = data[:MAX_SCANNED_BYTES]
    if extension == ".xlsx":
        rows = xlsx_rows(data)
        return _table_findings(rows) if rows else []
    if extension in TABLE_EXTENSIONS | TEXT_EXTENSIONS:
        text = _decode(data)
        if text is None:
            return []
        if extension in TABLE_EXTENSIONS:
            if extension == ".tsv":
                return _table_findings([line.split("\t") for line in text.splitlines()])
            return _table_findings(_csv_rows(text))
        return _text_findings(text)
    return []
