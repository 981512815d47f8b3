"""core.pagination.page_of (one way to page a list) and core.batch.each_locked (one way to walk
rows on several workers)."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from core.batch import each_locked
from core.pagination import page_of
from members.models import Institution
from tests.factories import ApplicationFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def test_page_links_keep_the_other_query_parameters():
    request = RequestFactory().get("/", {"membership": "7", "page": "2", "calls": "3"})
    page = page_of(request, list(range(45)), size=20)
    assert page.number == 2
    assert page.previous_url == "?membership=7&page=1&calls=3"
    assert page.next_url == "?membership=7&page=3&calls=3"


@pytest.mark.parametrize(("asked", "number"), [("", 1), ("x", 1), ("-4", 3), ("999", 3)])
def test_a_missing_or_bad_page_number_gives_a_page_not_an_error(asked, number):
    page = page_of(RequestFactory().get("/", {"page": asked}), list(range(45)), size=20)
    assert page.number == number
    assert (page.previous_url == "") == (number == 1)
    assert (page.next_url == "") == (number == 3)


def test_the_applicants_list_pages_with_the_one_partial(client, applicant):
    for _ in range(21):
        ApplicationFactory(applicant=applicant)
    client.force_login(applicant)
    html = client.get(reverse("members:application_list")).content.decode()
    assert 'href="?page=2" rel="next">Older →' in html
    html = client.get(reverse("members:application_list"), {"page": 2}).content.decode()
    assert 'href="?page=1" rel="prev">← Newer' in html and "Page 2 of 2" in html


def test_each_locked_handles_every_row_once_and_logs_a_refused_one(caplog):
    rows = [InstitutionFactory() for _ in range(5)]
    seen = []

    def handle(row):
        seen.append(row.pk)
        if row.pk == rows[2].pk:
            raise ValidationError("No fee schedule is in force.")

    with caplog.at_level(logging.WARNING, logger="core.batch"):
        handled = each_locked(Institution.objects.all(), handle, batch_size=2)
    assert len(handled) == 4
    assert seen == [row.pk for row in rows]
    assert f"Institution {rows[2].pk} skipped: No fee schedule is in force." in caplog.text
