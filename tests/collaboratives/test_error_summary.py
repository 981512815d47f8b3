"""A form's error summary names each field in error by its label and links to it."""

import re

import pytest

from tests.collaboratives.util import url

pytestmark = pytest.mark.django_db


def test_the_aim_form_summary_names_and_links_each_field(client, world):
    client.force_login(world.member_a)
    response = client.post(url("aim", world.collaborative.slug, world.team_a.pk),
                           {"what": "", "how_much": "from 24% to 18%", "by_when": "31/31/2027"})
    html = response.content.decode()
    start = html.index('class="error-summary"')
    summary = html[start:html.index("</div>", start)]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    form = response.context["form"]
    assert [anchor for anchor, _ in links] == ["id_what", "id_by_when"]
    assert [label for _, label in links] == [form["what"].label, form["by_when"].label]
    assert "Enter a valid date." in summary
    for anchor, _ in links:
        assert f'id="{anchor}"' in html
