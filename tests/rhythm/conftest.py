"""The collaboratives' world (two enrolled teams, their coaches, an outsider) for the rhythm."""

from datetime import date

import pytest
from django.utils import timezone

from rhythm.models import month_start, previous_month
from tests.collaboratives.conftest import world  # noqa: F401 (the fixture)


@pytest.fixture
def last_month() -> date:
    return previous_month(month_start(timezone.localdate()))


@pytest.fixture
def this_month() -> date:
    return month_start(timezone.localdate())
