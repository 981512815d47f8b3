"""The one way the portal writes CSV: every text cell that a spreadsheet could read as a formula
(``=``, ``+``, ``-``, ``@``, a tab or a carriage return first) leaves with a leading apostrophe,
so Excel, LibreOffice and Google Sheets show it as text instead of running it (OWASP "CSV
injection"). Numbers (``int``, ``Decimal``, ``float``) are written as they are: ``-12.50`` is a
value, not a formula.

Use ``writer(out)`` wherever a ``csv.writer`` would go; ``safe_cell`` for one value.
"""

import csv
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def safe_cell(value) -> str | int | float | Decimal:
    """A cell a spreadsheet shows as it is written."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


class SafeWriter:
    """``csv.writer`` whose every row goes through ``safe_cell``."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> SafeWriter:
    return SafeWriter(out, **kwargs)
