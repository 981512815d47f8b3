"""The change package: compiled by staff and coaches from adopted change ideas with their
evidence, published in frozen versions, read by the collaborative as a page and a PDF."""

import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from collaboratives.changepackages import services as changepackages_services
from collaboratives.changepackages.pdf import change_package_pdf_render, pdfs_pending
from collaboratives.changepackages.selectors import candidates
from collaboratives.changepackages.services import (
    change_package_entry_add,
    change_package_entry_remove,
    change_package_entry_update,
    change_package_publish,
    change_package_update,
)
from collaboratives.changepackages.tasks import change_package_pdfs_render_pending
from collaboratives.models import ChangePackage, Enrollment, MeasureValue
from tests.collaboratives.util import url
from tests.factories import (
    ChangeIdeaFactory,
    InstitutionFactory,
    MeasureFactory,
    PDSACycleFactory,
)
from tests.once import token

pytestmark = pytest.mark.django_db

SHIFT = [20, 21, 19, 20, 22, 18, 20, 21, 19, 20, 15, 14, 15, 13, 14, 15, 14]


def monday(weeks_ago):
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


@pytest.fixture
def evidence(world):
    """Team A (an LEA-IHE partnership, middle grades, rural) adopted texting families after an
    adapt cycle; team B (an LEA, urban) tested it and adapted. Team A watched its chronic
    absenteeism rate, which shifted down."""
    world.team_a.membership.institutions.add(InstitutionFactory(ihe=True))
    Enrollment.objects.filter(pk=world.enrollment_a.pk).update(grade_band="middle",
                                                               locale="rural")
    Enrollment.objects.filter(pk=world.enrollment_b.pk).update(locale="urban")
    rate = MeasureFactory(collaborative=world.collaborative, name="Chronic absenteeism rate",
                          goal=Decimal("12"))
    MeasureValue.objects.bulk_create([
        MeasureValue(team=world.team_a, measure=rate, period=monday(len(SHIFT) - i),
                     value=Decimal(v), entered_by=world.member_a) for i, v in enumerate(SHIFT)])
    common = {"action_period": world.period, "change_idea": world.idea, "completed": True}
    PDSACycleFactory(team=world.team_a, title="Texts, first try", **common)  # adapt
    adopted = PDSACycleFactory(team=world.team_a, title="Texts with checked numbers",
                               decision="adopt", learning="Checked numbers: 24 of 30 replied.",
                               **common)
    adopted.measures.add(rate)
    PDSACycleFactory(team=world.team_b, title="Texts in Denver", **common)  # adapt
    untried = ChangeIdeaFactory(primary_driver=world.idea.primary_driver, title="Home visits")
    PDSACycleFactory(team=world.team_b, action_period=world.period, change_idea=untried,
                     completed=True, decision="abandon", title="Visits")
    return type("Evidence", (), {"rate": rate, "adopted": adopted, "untried": untried})


def compile_v1(world, actor=None, commentary="Works best where numbers are checked first."):
    actor = actor or world.coach_a
    draft = changepackages_services.change_package_draft(collaborative=world.collaborative,
                                                         actor=actor)
    change_package_update(package=draft, actor=actor, title="What works",
                          introduction="Ideas our teams adopted.")
    change_package_entry_add(package=draft, change_idea=world.idea, actor=actor,
                             commentary=commentary)
    return draft


def pdf_text(package) -> str:
    with default_storage.open(package.pdf_path, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_candidates_are_the_adopted_ideas_with_their_evidence(world, evidence):
    [(idea, found)] = candidates(world.collaborative)
    assert idea == world.idea  # "Home visits" was abandoned: not a candidate
    assert (found["adopting_team_count"], found["tested_team_count"]) == (1, 2)
    assert found["settings"] == {"institution": [["LEA-IHE partnership", 1]],
                                 "grade_band": [["middle (6-8)", 1]],
                                 "locale": [["rural", 1]]}
    assert [(t["name"], t["setting"], t["locale"], t["adopted"]) for t in found["teams"]] == [
        (world.team_b.name, "LEA", "urban", False),
        (world.team_a.name, "LEA-IHE partnership", "rural", True)]
    assert [c["title"] for c in found["cycles"]] == [
        "Texts, first try", "Texts with checked numbers", "Texts in Denver"]
    [chart] = found["charts"]
    assert (chart["team"], chart["measure"]["name"], len(chart["points"])) == (
        world.team_a.name, "Chronic absenteeism rate", len(SHIFT))


def test_publishing_freezes_the_version_and_renders_the_pdf(world, evidence,
                                                            immediate_on_commit):
    draft = compile_v1(world)
    assert draft.version == 1
    began = time.perf_counter()
    published = change_package_publish(package=draft, actor=world.coach_a)
    elapsed = time.perf_counter() - began
    assert (published.status, published.published_by) == ("published", world.coach_a)
    assert published.published_at is not None
    entry = published.entries.get()
    assert (entry.title, entry.driver_title, entry.frozen_at is not None) == (
        world.idea.title, "Family engagement", True)
    assert entry.evidence["adopting_team_count"] == 1
    published.refresh_from_db()  # the task stored the PDF after commit
    assert published.pdf_path.startswith("collaboratives/change-packages/")
    assert len(published.pdf_path.rsplit("/", 1)[1]) >= 32  # unguessable
    text = pdf_text(published)
    for expected in ("What works", "version 1", "Text families after a first absence",
                     "Works best where numbers are checked first.", world.team_a.name,
                     "LEA-IHE partnership", "middle (6-8)", "rural", "Texts with checked numbers",
                     "Checked numbers: 24 of 30 replied.", "Chronic absenteeism rate",
                     "Shift (improvement)"):
        assert expected in text, expected
    began = time.perf_counter()
    content = change_package_pdf_render(package=published)
    render = time.perf_counter() - began
    assert content.startswith(b"%PDF")
    print(f"\nchange package: publication with its PDF {elapsed:.2f} s; the PDF alone (1 idea, "
          f"1 run chart, {len(PdfReader(io.BytesIO(content)).pages)} pages) {render:.2f} s")


def test_a_second_version_leaves_the_first_as_published(client, world, evidence,
                                                        immediate_on_commit):
    v1 = change_package_publish(package=compile_v1(world), actor=world.coach_a)
    v1.refresh_from_db()
    v1_pdf = pdf_text(v1)
    # Later: the idea is renamed, the commentary rewritten, the cycles and data move on.
    world.idea.title, world.idea.description = "Text families on the day", "Renamed."
    world.idea.save()
    evidence.adopted.learning = "Rewritten learning."
    evidence.adopted.save()
    MeasureValue.objects.filter(team=world.team_a).update(value=Decimal("30"))
    v2 = changepackages_services.change_package_draft(collaborative=world.collaborative,
                                                      actor=staff_of(
        world))
    assert v2.version == 2 and v2.title == "What works"  # starts from version 1
    entry = v2.entries.get()
    change_package_entry_update(entry=entry, actor=world.coach_b,
                                commentary="Now: everywhere.")
    v2 = change_package_publish(package=v2, actor=world.coach_b)
    v1.refresh_from_db()
    old, new = v1.entries.get(), v2.entries.get()
    assert (old.title, old.commentary) == ("Text families after a first absence",
                                           "Works best where numbers are checked first.")
    assert (new.title, new.commentary) == ("Text families on the day", "Now: everywhere.")
    assert old.evidence["cycles"][1]["learning"] == "Checked numbers: 24 of 30 replied."
    assert old.evidence["charts"][0]["points"][-1][1] == "14.0000"
    assert new.evidence["charts"][0]["points"][-1][1] == "30.0000"
    client.force_login(world.member_b)
    page = client.get(url("change_package", "attendance-works", 1)).content.decode()
    assert "Text families after a first absence" in page and "Checked numbers" in page
    assert "Text families on the day" not in page and "Rewritten learning." not in page
    assert pdf_text(v1) == v1_pdf  # the stored PDF is the one of the day
    page = client.get(url("change_package", "attendance-works", 2)).content.decode()
    assert "Text families on the day" in page and "Now: everywhere." in page


def staff_of(world):
    from tests.factories import UserFactory

    return UserFactory(staff=True)


def test_only_staff_and_coaches_compile_and_publish(world, evidence):
    for person in (world.member_a, world.member_b, world.outsider):
        with pytest.raises(ValidationError, match="compile its change package"):
            changepackages_services.change_package_draft(collaborative=world.collaborative,
                                                         actor=person)
    draft = compile_v1(world)
    with pytest.raises(ValidationError, match="compile its change package"):
        change_package_publish(package=draft, actor=world.member_a)
    with pytest.raises(ValidationError, match="compile its change package"):
        change_package_entry_remove(entry=draft.entries.get(),
                                    actor=world.member_a)
    assert ChangePackage.objects.get().status == "draft"


def test_the_rules_of_a_draft(world, evidence, immediate_on_commit):
    draft = changepackages_services.change_package_draft(collaborative=world.collaborative,
                                                         actor=world.coach_a)
    assert changepackages_services.change_package_draft(collaborative=world.collaborative,
                                                        actor=world.coach_b) == draft  # one draft
    with pytest.raises(ValidationError, match="Add at least one adopted change idea"):
        change_package_publish(package=draft, actor=world.coach_a)
    with pytest.raises(ValidationError, match="No team has adopted “Home visits” yet"):
        change_package_entry_add(package=draft, change_idea=evidence.untried,
                                 actor=world.coach_a)
    with pytest.raises(ValidationError, match="another collaborative"):
        change_package_entry_add(package=draft, change_idea=ChangeIdeaFactory(),
                                 actor=world.coach_a)
    change_package_entry_add(package=draft, change_idea=world.idea,
                             actor=world.coach_a)
    with pytest.raises(ValidationError, match="already in the package"):
        change_package_entry_add(package=draft, change_idea=world.idea,
                                 actor=world.coach_a)
    published = change_package_publish(package=draft, actor=world.coach_a)
    again = change_package_publish(package=draft, actor=world.coach_a)
    assert again.published_at == published.published_at  # a second click changes nothing
    with pytest.raises(ValidationError, match="is published and stays as it is"):
        change_package_update(package=published, actor=world.coach_a,
                              title="New")
    with pytest.raises(ValidationError, match="is published and stays as it is"):
        change_package_entry_update(entry=published.entries.get(),
                                    actor=world.coach_a, commentary="x")


def test_an_idea_no_longer_adopted_blocks_publication(world, evidence):
    draft = compile_v1(world)
    evidence.adopted.decision = "adapt"
    evidence.adopted.save()
    with pytest.raises(ValidationError, match="No team adopts these any longer"):
        change_package_publish(package=draft, actor=world.coach_a)


def test_members_read_published_versions_only(client, world, evidence, immediate_on_commit):
    draft = compile_v1(world)
    client.force_login(world.member_a)
    assert client.get(url("change_package", "attendance-works", 1)).status_code == 404
    assert client.get(url("change_package_draft", "attendance-works")).status_code == 404
    assert client.post(url("change_package_draft", "attendance-works"),
                       {"publish": ""}).status_code == 404
    listing = client.get(url("change_packages", "attendance-works")).content.decode()
    assert "No change package is published yet" in listing
    change_package_publish(package=draft, actor=world.coach_a)
    listing = client.get(url("change_packages", "attendance-works")).content.decode()
    assert url("change_package_pdf", "attendance-works", 1) in listing
    response = client.get(url("change_package_pdf", "attendance-works", 1))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attendance-works-change-package-v1.pdf" in response["Content-Disposition"]
    client.force_login(world.outsider)
    for name in ("change_package", "change_package_pdf"):
        assert client.get(url(name, "attendance-works", 1)).status_code == 404


def test_the_pdf_is_served_only_once_rendered(client, world, evidence):
    draft = compile_v1(world)
    change_package_publish(package=draft, actor=world.coach_a)  # no commit: no
    client.force_login(world.member_b)                                         # PDF yet
    assert client.get(url("change_package_pdf", "attendance-works", 1)).status_code == 404
    page = client.get(url("change_package", "attendance-works", 1)).content.decode()
    assert "The PDF is being prepared." in page
    assert list(pdfs_pending(older_than_minutes=-1)) == [draft]


def test_the_draft_page_compiles_and_publishes(client, world, evidence, immediate_on_commit):
    path = url("change_package_draft", "attendance-works")
    client.force_login(world.coach_b)
    page = client.get(path).content.decode()
    assert "Start version 1" in page and world.idea.title in page
    client.post(path, {"start": ""})
    draft = ChangePackage.objects.get()
    response = client.post(path, {**token(), "add": "", "change_idea": evidence.untried.pk})
    assert response.status_code == 400  # not adopted: not offered
    client.post(path, {**token(),
                       "add": "", "change_idea": world.idea.pk, "commentary": "Rural first."})
    entry = draft.entries.get()
    client.post(path, {"save_entry": entry.pk,
                       f"entry-{entry.pk}-commentary": "Rural, checked."})
    entry.refresh_from_db()
    assert entry.commentary == "Rural, checked."
    client.post(path, {"save": "", "title": "Attendance that works", "introduction": "Read."})
    preview = client.get(url("change_package", "attendance-works", 1)).content.decode()
    assert "Draft" in preview and "Rural, checked." in preview and 'role="img"' in preview
    response = client.post(path, {"publish": ""}, follow=True)
    assert "Version 1 is published" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_published and draft.pdf_path and draft.title == "Attendance that works"
    response = client.post(path, {"remove": entry.pk})
    assert response.status_code == 404  # no draft any more
    assert draft.entries.count() == 1


def test_the_admin_publishes_through_the_service(client, world, evidence, immediate_on_commit):
    from tests.factories import UserFactory

    admin = UserFactory(staff=True)
    draft = compile_v1(world)
    client.force_login(admin)
    response = client.post("/staff/collaboratives/changepackage/", {
        "action": "_publish", "_selected_action": [draft.pk]}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == admin and draft.pdf_path
    assert draft.entries.get().title == world.idea.title
    assert client.get(f"/staff/collaboratives/changepackage/{draft.pk}/change/").status_code == 200


def test_the_periodic_job_renders_a_pdf_a_dead_worker_left_undone(world, evidence):

    draft = compile_v1(world)
    change_package_publish(package=draft, actor=world.coach_a)  # no commit
    assert change_package_pdfs_render_pending() == 0  # just published: give it time
    ChangePackage.objects.filter(pk=draft.pk).update(
        published_at=timezone.now() - timedelta(minutes=30))
    assert change_package_pdfs_render_pending() == 1
    draft.refresh_from_db()
    assert draft.pdf_path and "Text families after a first absence" in pdf_text(draft)
    assert change_package_pdfs_render_pending() == 0  # once
