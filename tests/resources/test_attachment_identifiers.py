"""PDSA-cycle attachments are members' uploads too: the same identifier scan, the same held file
and confirmation box, and the form says "no student-level data"."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collaboratives.cycles import attachments as cycle_files
from collaboratives.models import CycleAttachment
from core.models import AuditEntry
from core.uploads import IdentifiersFound
from tests.factories import PDSACycleFactory
from tests.once import token

ROSTER = b"Student ID,Grade,Days absent\n123456789,7,4\n"
CLEAN = b"week,students absent,absence rate\n1,31,12.4%\n"


@pytest.fixture
def cycle(world):
    return PDSACycleFactory(team=world.team_a, action_period=world.period,
                            change_idea=world.idea)


def _url(world, cycle):
    return reverse("collaboratives:attachment_add", args=[world.collaborative.slug, cycle.pk])


def test_the_service_refuses_a_flagged_file_unless_confirmed(world, cycle):
    with pytest.raises(IdentifiersFound) as refused:
        cycle_files.attachment_add(cycle=cycle, actor=world.member_a,
                                   upload=SimpleUploadedFile("roster.csv", ROSTER))
    assert [f.kind for f in refused.value.findings] == ["header", "nine_digits"]
    assert not CycleAttachment.objects.exists()
    cycle_files.attachment_add(cycle=cycle, actor=world.member_a,
                               upload=SimpleUploadedFile("roster.csv", ROSTER),
                               no_student_data_confirmed=True)
    assert CycleAttachment.objects.count() == 1
    assert AuditEntry.objects.filter(action="attachment:identifiers_confirmed").exists()


def test_the_cycle_page_holds_the_file_and_asks_to_confirm(client, world, cycle):
    client.force_login(world.member_a)
    page = client.get(cycle.get_absolute_url()).content.decode()
    assert "No student-level data" in page
    response = client.post(_url(world, cycle), {"file": SimpleUploadedFile("roster.csv", ROSTER),
                                                **token()})
    html = response.content.decode()
    assert response.status_code == 400
    assert "This file may hold student-level data" in html
    assert "Column 1 is headed “Student ID”" in html and "123456789" not in html
    held = re.search(r'name="held" value="([^"]+)"', html).group(1)
    done = client.post(_url(world, cycle), {"held": held, "no_student_data_confirmed": "on",
                                            **token()})
    assert done.status_code == 302
    attachment = CycleAttachment.objects.get()
    assert attachment.original_name == "roster.csv"
    with default_storage.open(attachment.storage_name) as stored:
        assert stored.read() == ROSTER


def test_a_clean_csv_attaches_at_once_and_no_file_is_refused(client, world, cycle):
    client.force_login(world.member_a)
    ok = client.post(_url(world, cycle), {"file": SimpleUploadedFile("absences.csv", CLEAN),
                                          **token()})
    assert ok.status_code == 302 and CycleAttachment.objects.count() == 1
    none = client.post(_url(world, cycle), {**token()})
    assert none.status_code == 400
    assert "Choose the file to attach." in none.content.decode()
