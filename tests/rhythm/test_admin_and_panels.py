"""The rhythm's admin pages open for staff; the My portal panel and the collaborative home and
coach panels show what is due."""

import pytest
from django.urls import reverse

from rhythm.models import ProgressLevel
from tests.rhythm.helpers import submitted

MODELS = ["progresslevel", "rhythmsettings", "monthlyreport", "attendance", "checkincode",
          "evaluation", "progresspdf"]


@pytest.mark.parametrize("model", MODELS)
def test_each_admin_list_opens(client, world, staff, last_month, model):
    submitted(world, last_month)
    client.force_login(staff)
    assert client.get(reverse(f"admin:rhythm_{model}_changelist")).status_code == 200


def test_the_scale_is_data_that_staff_cannot_add_to_or_delete(client, staff):
    assert ProgressLevel.objects.count() == 9
    client.force_login(staff)
    assert client.get(reverse("admin:rhythm_progresslevel_add")).status_code == 403


def test_my_portal_says_which_report_is_due(client, world):
    client.force_login(world.member_a)
    page = client.get(reverse("members:dashboard")).content.decode()
    assert "Monthly reports" in page and world.team_a.name in page and "report is" in page


def test_the_collaborative_home_and_the_coach_page_show_the_rhythm(client, world):
    client.force_login(world.member_a)
    home = client.get(world.collaborative.get_absolute_url()).content.decode()
    assert "Monthly rhythm" in home and reverse("rhythm:reports",
                                                args=[world.collaborative.slug]) in home
    assert reverse("rhythm:progress", args=[world.collaborative.slug]) not in home
    client.force_login(world.coach_a)
    coach = client.get(reverse("collaboratives:coaching")).content.decode()
    assert reverse("rhythm:triage") in coach and "Attendance at convenings" in coach
