"""A message that ends in a question never gets a full stop after it ("mistyped?.")."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from collaboratives.measures.csv_import import CsvRejected, values_import
from tests.collaboratives.util import url
from tests.factories import MeasureFactory
from tests.once import token

pytestmark = pytest.mark.django_db

DOUBLED = re.compile(r"[?!]\.|(?<!\.)\.\.(?!\.)|[?!.][?!]")


@pytest.fixture
def rate(world):
    return MeasureFactory(collaborative=world.collaborative, name="Chronic absenteeism rate")


def test_a_mistyped_year_in_a_csv_reads_as_one_question(world, rate):
    with pytest.raises(CsvRejected) as caught:
        values_import(team=world.team_a, collaborative=world.collaborative,
                      actor=world.member_a, filename="data.csv",
                      raw=b"measure,period,value\n"
                      b"Chronic absenteeism rate,1800-01-01,3\n")
    message = caught.value.rows[0].message
    assert message.endswith("is the year mistyped?")
    assert not DOUBLED.search(message), message


def test_the_upload_page_shows_no_doubled_punctuation(client, world, rate):
    client.force_login(world.member_a)
    bad = SimpleUploadedFile("data.csv", b"measure,period,value\n"
                                         b"Chronic absenteeism rate,1800-01-01,3\n"
                                         b"Chronic absenteeism rate,2026-09-07,x\n")
    response = client.post(url("values_upload", "attendance-works", world.team_a.pk),
                           {"file": bad, **token()})
    html = response.content.decode()
    assert response.status_code == 400
    assert "is the year mistyped?<br>" in html or "is the year mistyped?</td>" in html
    assert "“x” is not a number.</td>" in html
    cells = re.findall(r"<td>(.*?)</td>", html, flags=re.S)
    assert cells and not any(DOUBLED.search(cell) for cell in cells), cells
