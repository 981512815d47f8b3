"""Every CSV the portal writes goes through ``core.csvsafe``: no other ``csv.writer``."""

import io
import re
from decimal import Decimal
from pathlib import Path

from core import csvsafe

ROOT = Path(__file__).resolve().parents[2]


def test_the_writer_neutralises_formulas_and_keeps_numbers():
    out = io.StringIO()
    csvsafe.writer(out, lineterminator="\n").writerow(
        ["=1+1", "@SUM(A1)", "-2+3", "Oxford", Decimal("-12.50"), 3, None])
    assert out.getvalue() == "'=1+1,'@SUM(A1),'-2+3,Oxford,-12.50,3,\n"


def test_no_module_of_the_portal_writes_csv_another_way():
    offenders = []
    for app in ("billing", "collaboratives", "core", "members", "ncsup"):
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "csvsafe.py" or "migrations" in path.parts:
                continue
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
