"""Attachments: images, PDF and CSV up to 5 MB, checked by extension and content, stored under
an unguessable name and served only to people who may see the cycle."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from collaboratives.cycles import attachments as cycles_attachments
from collaboratives.models import CycleAttachment
from tests.collaboratives.util import url
from tests.factories import PDSACycleFactory
from tests.once import token

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
CSV = b"week,students absent,absence rate\n1,31,12.4%\n2,27,10.8%\n"


@pytest.fixture
def cycle(world):
    return PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                            completed=True, title="Texting families")


def stored_files():
    try:
        return set(default_storage.listdir("collaboratives/attachments")[1])
    except FileNotFoundError:
        return set()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(("name", "content", "kind", "content_type"), [
    ("run chart.png", PNG, "image", "image/png"),
    ("Absences.PDF", PDF, "pdf", "application/pdf"),
    ("absences.csv", CSV, "csv", "text/csv"),
    ("excel.csv", "school,rate\nÉcole Montréal,12\n".encode("cp1252"), "csv", "text/csv"),
])
def test_accepted_files_are_stored_under_an_unguessable_name(world, cycle, name, content, kind,
                                                             content_type):
    attachment = cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a,
                                                   upload=upload(name, content))
    assert (attachment.kind, attachment.content_type, attachment.original_name) == (
        kind, content_type, name)
    assert attachment.storage_name.startswith("collaboratives/attachments/")
    assert name.split(".")[0] not in attachment.storage_name
    assert len(attachment.storage_name.rsplit("/", 1)[1]) >= 32
    with default_storage.open(attachment.storage_name, "rb") as handle:
        assert handle.read() == content


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "is not a file type we accept"),
    ("notes.docx", b"PK\x03\x04" + b"\x00" * 60, "is not a file type we accept"),
    ("chart.png", PDF, "does not contain what its name says (PNG)"),
    ("report.pdf", b"<html><script>alert(1)</script></html>", "does not contain what its name"),
    ("data.csv", PNG, "does not contain what its name says (CSV)"),
    ("empty.csv", b"", "does not contain what its name says (CSV)"),
])
def test_wrong_types_are_refused_and_nothing_is_saved(world, cycle, name, content, message):
    before = stored_files()
    with pytest.raises(ValidationError) as error:
        cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a, upload=upload(name,
                                                                                           content))
    assert message in error.value.message_dict["file"][0]
    assert "Attach images (PNG, JPEG, GIF, WebP), PDF or CSV." in error.value.message_dict[
        "file"][0]
    assert not CycleAttachment.objects.exists()
    assert stored_files() == before


def test_a_file_over_5_mb_is_refused_and_nothing_is_saved(world, cycle):
    before = stored_files()
    big = upload("photo.png", PNG + b"\x00" * (5 * 1024 * 1024 - len(PNG) + 1))
    with pytest.raises(ValidationError) as error:
        cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a, upload=big)
    assert error.value.message_dict["file"] == [
        "“photo.png” is 5.0 MB; files can be at most 5 MB."]
    assert not CycleAttachment.objects.exists()
    assert stored_files() == before
    exactly = upload("photo.png", PNG + b"\x00" * (5 * 1024 * 1024 - len(PNG)))
    assert cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a,
                                             upload=exactly).size == (
        5 * 1024 * 1024)


def test_the_upload_page_shows_the_refusal_next_to_the_field(client, world, cycle):
    client.force_login(world.member_a)
    response = client.post(url("attachment_add", world.collaborative.slug, cycle.pk),
                           {**token(), "file": upload("chart.png", b"GIF89a not a png")})
    assert response.status_code == 400
    assert response.context["attachment_form"].errors["file"] == [
        "“chart.png” does not contain what its name says (PNG). "
        "Attach images (PNG, JPEG, GIF, WebP), PDF or CSV."]
    assert "does not contain what its name says" in response.content.decode()
    assert not CycleAttachment.objects.exists()


def test_only_team_members_upload(world, cycle):
    with pytest.raises(ValidationError, match="Only members of the team"):
        cycles_attachments.attachment_add(cycle=cycle, actor=world.member_b, upload=upload("a.csv",
                                                                                           CSV))


def test_downloads_check_who_may_see_the_cycle(client, world, cycle):
    attachment = cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a,
                                                   upload=upload("absences.csv", CSV))
    path = url("attachment", world.collaborative.slug, attachment.pk)

    client.force_login(world.member_b)  # another enrolled team: the cycle is completed, shared
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV
    assert response["Content-Type"] == "text/csv"
    assert 'attachment; filename="absences.csv"' in response["Content-Disposition"]

    client.force_login(world.outsider)
    assert client.get(path).status_code == 404


def test_an_attachment_of_a_planned_cycle_stays_with_the_team(client, world):
    planned = PDSACycleFactory(team=world.team_a, action_period=world.period,
                               change_idea=world.idea)
    attachment = cycles_attachments.attachment_add(cycle=planned, actor=world.member_a,
                                                   upload=upload("chart.png", PNG))
    path = url("attachment", world.collaborative.slug, attachment.pk)
    client.force_login(world.member_b)
    assert client.get(path).status_code == 404
    client.force_login(world.member_a)
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    client.force_login(world.coach_a)
    assert client.get(path).status_code == 200


# --- A team's quota, the rate limit, and deleting -----------------------------------------------

def test_a_team_keeps_at_most_its_quota_of_files(world, cycle, settings):
    settings.COLLABORATIVE_ATTACHMENTS_PER_TEAM = 2
    other = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea)  # the quota is the team's, across cycles
    cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a, upload=upload("a.csv",
                                                                                       CSV))
    cycles_attachments.attachment_add(cycle=other, actor=world.lead_a, upload=upload("b.csv", CSV))
    before = stored_files()
    with pytest.raises(ValidationError) as caught:
        cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a, upload=upload("c.csv",
                                                                                           CSV))
    assert caught.value.message_dict["file"] == [
        "Your team already keeps 2 files, the most a team may: delete one it no longer needs, "
        "then attach “c.csv”."]
    assert stored_files() == before and CycleAttachment.objects.count() == 2
    # Another team's quota is its own.
    theirs = PDSACycleFactory(team=world.team_b, action_period=world.period,
                              change_idea=world.idea)
    cycles_attachments.attachment_add(cycle=theirs, actor=world.member_b, upload=upload("d.csv",
                                                                                        CSV))


def test_a_team_keeps_at_most_its_quota_of_bytes(world, cycle, settings):
    settings.COLLABORATIVE_ATTACHMENT_TEAM_BYTES = 2 * len(CSV)
    cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a, upload=upload("a.csv",
                                                                                       CSV))
    cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a, upload=upload("b.csv",
                                                                                       CSV))
    with pytest.raises(ValidationError) as caught:  # exactly full: one byte more is refused
        cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a,
                                          upload=upload("c.csv", b"x,y\n"))
    assert caught.value.message_dict["file"][0].startswith("“c.csv” (0.0 MB) does not fit")
    assert CycleAttachment.objects.count() == 2


def test_uploads_are_rate_limited_per_person(client, world, cycle, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "attachment": "2/h"}
    client.force_login(world.member_a)
    path = url("attachment_add", world.collaborative.slug, cycle.pk)
    for name in ("a.csv", "b.csv"):
        assert client.post(path, {"file": upload(name, CSV), **token()}).status_code == 302
    assert client.post(path, {"file": upload("c.csv", CSV), **token()}).status_code == 429
    assert CycleAttachment.objects.count() == 2
    client.force_login(world.lead_a)  # someone else on the team still may
    assert client.post(path, {"file": upload("d.csv", CSV), **token()}).status_code == 302


def test_the_uploader_deletes_after_a_confirmation_and_the_file_leaves_storage(
        client, world, cycle, django_capture_on_commit_callbacks):
    from core.statemachine import history

    attachment = cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a,
                                                   upload=upload("absences.csv", CSV))
    client.force_login(world.member_a)
    detail = client.get(url("cycle", world.collaborative.slug, cycle.pk)).content.decode()
    delete = url("attachment_delete", world.collaborative.slug, attachment.pk)
    assert f'href="{delete}"' in detail
    confirm = client.get(delete)
    assert "Delete “absences.csv”?" in confirm.content.decode()
    assert CycleAttachment.objects.exists()  # asking deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete, follow=True)
    assert "“absences.csv” is deleted." in response.content.decode()
    assert not CycleAttachment.objects.exists()
    assert not default_storage.exists(attachment.storage_name)
    entry = history(cycle).get(action="attachment:deleted")
    assert entry.actor == world.member_a and "absences.csv" in entry.reason
    assert client.post(delete).status_code == 404  # a second click: already gone


def test_the_team_lead_and_staff_delete_others_files(world, cycle, staff):
    first = cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a,
                                              upload=upload("a.csv", CSV))
    second = cycles_attachments.attachment_add(cycle=cycle, actor=world.member_a,
                                               upload=upload("b.csv", CSV))
    cycles_attachments.attachment_delete(attachment=first, actor=world.lead_a)
    cycles_attachments.attachment_delete(attachment=second, actor=staff)
    assert not CycleAttachment.objects.exists()


def test_the_coach_another_team_and_a_teammate_may_not_delete(client, world, cycle):
    from members.models import Role, TeamMember

    teammate = TeamMember.objects.create(team=world.team_a, user=world.outsider,
                                         role=Role.MEMBER).user  # on team A, not its lead
    attachment = cycles_attachments.attachment_add(cycle=cycle, actor=world.lead_a,
                                                   upload=upload("a.csv", CSV))
    for person in (world.coach_a, world.member_b, teammate):
        with pytest.raises(ValidationError, match="Only whoever attached a file"):
            cycles_attachments.attachment_delete(attachment=attachment, actor=person)
        client.force_login(person)
        delete = url("attachment_delete", world.collaborative.slug, attachment.pk)
        assert client.get(delete).status_code == 404
        assert client.post(delete).status_code == 404
        page = client.get(url("cycle", world.collaborative.slug, cycle.pk)).content.decode()
        assert delete not in page
    assert CycleAttachment.objects.filter(pk=attachment.pk).exists()
    assert default_storage.exists(attachment.storage_name)
