"""Staff add a file: checked like PDSA attachments (size, type, content), scanned for student
identifiers, and kept only once the uploader confirms a warning; the file is held meanwhile, so
it need not be chosen again. Downloads only for those who may see the resource."""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from core.uploads import held_uploads_purge
from resources.models import Resource
from tests.factories import UserFactory
from tests.once import token

URL = "/resources/add/"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROSTER = b"Student ID,Name,Days absent\n123456789,Ana,4\n"
CLEAN = b"Month,Percent chronically absent\nSeptember,21.5\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def _post(client, upload=None, **extra):
    data = {"title": "Attendance tracker", "summary": "A template.", "visibility": "members",
            "listed": "on", **token(), **extra}
    if upload is not None:
        data["file"] = upload
    return client.post(URL, data)


def test_only_staff_may_add_files(client, lib):
    client.force_login(lib.lead_a)
    assert client.get(URL).status_code == 404
    assert _post(client, SimpleUploadedFile("guide.pdf", PDF)).status_code == 404
    assert not Resource.objects.filter(kind="file").exists()


def test_the_form_says_no_student_level_data(client, lib):
    client.force_login(lib.staff)
    assert "No student-level data" in client.get(URL).content.decode()


def test_a_clean_file_is_added_and_served_to_members_only(client, lib):
    client.force_login(lib.staff)
    response = _post(client, SimpleUploadedFile("guide.pdf", PDF))
    resource = Resource.objects.get(kind="file")
    assert response.status_code == 302 and response.url == resource.get_absolute_url()
    assert resource.original_name == "guide.pdf" and resource.file_size == len(PDF)
    assert default_storage.exists(resource.file_path)
    client.force_login(lib.tier1_member)
    download = client.get(reverse("resources:download", args=[resource.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert 'attachment; filename="guide.pdf"' in download["Content-Disposition"]
    client.force_login(lib.nobody)
    assert client.get(reverse("resources:download", args=[resource.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("resources:download", args=[resource.pk])).status_code == 404


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.exe", b"MZ\x90", "is not a file type the library takes"),
    ("guide.pdf", b"<html>not a pdf</html>", "does not contain what its name says (PDF)"),
    ("sheet.xlsx", b"PK\x03\x04 not really", "does not contain what its name says (XLSX)"),
])
def test_wrong_types_and_contents_are_refused_next_to_the_field(client, lib, name, content,
                                                                 message):
    client.force_login(lib.staff)
    response = _post(client, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors["file"])
    assert response.context["form"]["title"].value() == "Attendance tracker"  # kept
    assert not Resource.objects.filter(kind="file").exists()


def test_a_file_over_the_limit_is_refused(client, lib, settings):
    settings.RESOURCES_FILE_MAX_BYTES = 10
    client.force_login(lib.staff)
    response = _post(client, SimpleUploadedFile("guide.pdf", PDF))
    assert "files can be at most" in str(response.context["form"].errors["file"])


def test_no_file_at_all_is_refused(client, lib):
    client.force_login(lib.staff)
    response = _post(client)
    assert response.context["form"].errors["file"] == ["Choose the file to add."]


def test_identifiers_hold_the_file_until_the_uploader_confirms(client, lib):
    client.force_login(lib.staff)
    response = _post(client, SimpleUploadedFile("roster.csv", ROSTER))
    page = response.content.decode()
    assert response.status_code == 400
    assert "This file may hold student-level data" in page
    assert "Column 1 is headed “Student ID”" in page
    assert "a nine-digit number" in page
    assert "123456789" not in page  # the warning does not repeat what it warns about
    assert not Resource.objects.filter(kind="file").exists()
    held = re.search(r'name="held" value="([^"]+)"', page).group(1)
    # Sent again without ticking the box: still held, still refused.
    again = _post(client, held=held)
    assert again.status_code == 400 and not Resource.objects.filter(kind="file").exists()
    # Confirmed, without choosing the file again.
    done = _post(client, held=held, no_student_data_confirmed="on")
    resource = Resource.objects.get(kind="file")
    assert done.status_code == 302
    assert resource.original_name == "roster.csv"
    with default_storage.open(resource.file_path) as stored:
        assert stored.read() == ROSTER
    assert default_storage.listdir("held")[1] == []  # the held copy is gone
    entry = AuditEntry.objects.get(action="resource:identifiers_confirmed")
    assert "Student ID" in entry.reason and entry.actor == lib.staff


def test_a_held_file_is_only_its_uploaders(client, lib):
    client.force_login(lib.staff)
    response = _post(client, SimpleUploadedFile("roster.csv", ROSTER))
    held = re.search(r'name="held" value="([^"]+)"', response.content.decode()).group(1)
    client.force_login(UserFactory(staff=True))
    refused = _post(client, held=held, no_student_data_confirmed="on")
    assert refused.context["form"].errors["file"] == ["Choose the file to add."]
    assert not Resource.objects.filter(kind="file").exists()


def test_confirming_up_front_keeps_a_flagged_file_at_once(client, lib):
    client.force_login(lib.staff)
    response = _post(client, SimpleUploadedFile("template.csv", b"Student ID,Grade\n"),
                     no_student_data_confirmed="on")
    assert response.status_code == 302
    assert Resource.objects.filter(kind="file", original_name="template.csv").exists()


def test_a_clean_csv_needs_no_confirmation(client, lib):
    client.force_login(lib.staff)
    assert _post(client, SimpleUploadedFile("monthly.csv", CLEAN)).status_code == 302


def test_held_files_nobody_confirmed_are_purged_after_a_day(client, lib):
    client.force_login(lib.staff)
    _post(client, SimpleUploadedFile("roster.csv", ROSTER))
    assert len(default_storage.listdir("held")[1]) == 1
    assert held_uploads_purge() == 0  # still within the day
    assert held_uploads_purge(now=timezone.now() + timedelta(days=2)) == 1
    assert default_storage.listdir("held")[1] == []
