"""Uploads and generated PDFs on S3-compatible object storage (``S3_BUCKET``), against a local
S3 server (moto's server mode): nothing lands on a web process's disk, the portal still decides
who gets a file, and the file comes from a short-lived signed URL, so any host serves any file."""

import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import services as billing_services
from collaboratives.cycles import attachments
from tests.conftest import free_port
from tests.factories import InvoiceFactory, PDSACycleFactory, UserFactory
from tests.integration.conftest import ROOT, wait_for

CSV = b"week,absent\n2026-09-07,41\n2026-09-14,37\n"


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as answer:  # a loopback S3 server
        return answer.read(), answer.headers  # case-insensitive


def local_files(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


@pytest.fixture
def cycle(world):
    return PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea)


@pytest.mark.django_db
def test_an_attachment_goes_to_the_bucket_and_its_owner_gets_a_signed_link(
    client, world, cycle, local_s3
):
    attachment = attachments.attachment_add(
        cycle=cycle, actor=world.member_a,
        upload=SimpleUploadedFile("absences.csv", CSV, content_type="text/csv"))
    assert local_s3.keys() == [attachment.storage_name]
    assert local_files(settings.MEDIA_ROOT) == []

    client.force_login(world.member_a)
    url = reverse("collaboratives:attachment", args=[world.collaborative.slug, attachment.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=0"
    signed = urlsplit(response["Location"])
    assert f"{signed.scheme}://{signed.netloc}" == local_s3.endpoint
    query = parse_qs(signed.query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    body, headers = fetch(response["Location"])
    assert body == CSV
    assert headers["Content-Disposition"] == 'attachment; filename="absences.csv"'

    # The bucket is private: the object's address without a signature gives nothing.
    with pytest.raises(urllib.error.HTTPError):
        fetch(f"{local_s3.endpoint}/{local_s3.keys()[0]}")


@pytest.mark.django_db
def test_someone_outside_the_team_gets_a_404_and_no_link(client, world, cycle,
                                                         local_s3):
    attachment = attachments.attachment_add(
        cycle=cycle, actor=world.member_a,
        upload=SimpleUploadedFile("absences.csv", CSV, content_type="text/csv"))
    client.force_login(UserFactory())
    response = client.get(reverse("collaboratives:attachment",
                                  args=[world.collaborative.slug, attachment.pk]))
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.django_db
def test_an_invoice_pdf_is_rendered_into_the_bucket_and_served_signed(client, fees,
                                                                      local_s3):
    invoice = InvoiceFactory()
    path = billing_services.invoice_pdf_store(invoice=invoice)
    assert local_s3.keys() == [path]
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 302
    body, headers = fetch(response["Location"])
    assert body.startswith(b"%PDF")
    assert headers["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.pdf_filename}"' in headers["Content-Disposition"]


@pytest.mark.django_db
def test_a_pdf_not_rendered_yet_is_a_404_that_says_so(client, fees, local_s3):
    invoice = InvoiceFactory()
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 404


class WebProcess:
    """``gunicorn`` serving the portal on a port of its own, with a local disk of its own."""

    def __init__(self, env):
        self.port = free_port()
        self.media = tempfile.mkdtemp(prefix="ncsup-web-media-")
        self.log = Path(tempfile.gettempdir()) / f"ncsup-web-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "ncsup.wsgi", "-b", f"127.0.0.1:{self.port}",
             "-w", "1", "--timeout", "60"],
            cwd=ROOT, env={**env, "MEDIA_ROOT": self.media}, stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT)

    def up(self) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
        except OSError:
            return False
        return True

    def get(self, path: str, session: str):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            return opener.open(request, timeout=10)
        except urllib.error.HTTPError as answer:
            return answer

    def stop(self):
        self.process.terminate()
        self.process.wait(15)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_two_web_processes_with_separate_disks_serve_the_same_uploaded_file(
    client, postgres, world, cycle, local_s3
):
    attachment = attachments.attachment_add(
        cycle=cycle, actor=world.member_a,
        upload=SimpleUploadedFile("absences.csv", CSV, content_type="text/csv"))
    client.force_login(world.member_a)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    db = postgres.settings_dict
    env = {**os.environ, **local_s3.environ(), "DJANGO_SETTINGS_MODULE": "ncsup.settings_test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}"}
    webs = [WebProcess(env), WebProcess(env)]
    try:
        for web in webs:
            wait_for(web.up, timeout=60, message=f"gunicorn on port {web.port}")
        path = reverse("collaboratives:attachment",
                       args=[world.collaborative.slug, attachment.pk])
        for web in webs:
            answer = web.get(path, session)
            assert answer.status == 302, web.log.read_text()[-2000:]
            assert fetch(answer.headers["Location"])[0] == CSV
            assert web.get(path, "not-a-session").status == 302  # to sign-in, not the file
            assert "amz" not in web.get(path, "not-a-session").headers["Location"].lower()
        assert [local_files(web.media) for web in webs] == [[], []]
    finally:
        for web in webs:
            web.stop()
