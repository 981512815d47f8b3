"""Six concurrent "new calendar address" clicks against PostgreSQL: no error, one new address."""

import re

import pytest
from django.test import Client

from collaboratives.convenings.services import calendar_token_for
from collaboratives.models import CalendarToken
from tests.billing.conftest import run_in_threads
from tests.collaboratives.util import url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _clicks(user, data):
    def click(_index):
        client = Client()
        client.force_login(user)
        return client.post(url("calendar"), data).status_code

    return run_in_threads(6, click)


def test_six_concurrent_first_clicks_make_one_address(postgres):
    user = UserFactory()
    statuses, errors = _clicks(user, {})
    assert errors == []
    assert statuses == [302] * 6
    assert CalendarToken.objects.filter(user=user).count() == 1


def test_six_concurrent_new_address_clicks_replace_it_once(postgres):
    """Six clicks on "Get a new address" of the same page, posting what the page's form holds."""
    user = UserFactory()
    shown = calendar_token_for(user=user)
    client = Client()
    client.force_login(user)
    page = client.get(url("calendar")).content.decode()
    form = dict(re.findall(r'<input type="hidden" name="(replaces)" value="([^"]*)"', page))
    assert form
    statuses, errors = _clicks(user, form)
    assert errors == []
    assert statuses == [302] * 6
    (after,) = CalendarToken.objects.filter(user=user)
    assert after.token != shown.token
