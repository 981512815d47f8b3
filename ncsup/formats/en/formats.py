"""The portal writes dates one way everywhere people read them: pages, tables, PDFs and the admin
say "1 Dec 2026" ("1 Dec 2026, 9:00 a.m." with a time). Only CSV files use ISO 2026-12-01.

Django's own English formats ("Dec. 1, 2026") would otherwise win over settings.DATE_FORMAT, so
these are named through FORMAT_MODULE_PATH. Input formats are Django's English ones.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, g:i a"
SHORT_DATETIME_FORMAT = "j M Y, g:i a"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
