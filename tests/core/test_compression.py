"""Pages go gzip-compressed to clients that accept it (django.middleware.gzip.GZipMiddleware),
as they are to browsers; a client that does not ask gets them as they are."""

import gzip

import pytest

pytestmark = pytest.mark.django_db


def test_a_page_is_gzip_encoded_and_smaller_when_the_client_accepts_it(client, fees, tier1):
    plain = client.get("/")
    packed = client.get("/", headers={"accept-encoding": "gzip, deflate, br"})
    assert plain.status_code == packed.status_code == 200
    assert not plain.has_header("Content-Encoding")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 2
    assert gzip.decompress(packed.content).decode() == plain.content.decode()


def test_a_signed_in_page_still_carries_a_working_form_token_when_compressed(lead_client):
    # BREACH: the CSRF token differs in every response (Django masks it afresh), so compressed
    # pages reveal nothing an attacker could build on from one response to the next.
    first = lead_client.get("/portal/", headers={"accept-encoding": "gzip"})
    second = lead_client.get("/portal/", headers={"accept-encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip"
    tokens = [_csrf_token(gzip.decompress(r.content).decode()) for r in (first, second)]
    assert all(tokens) and tokens[0] != tokens[1]


def _csrf_token(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = html.find(marker)
    return html[start + len(marker):html.index('"', start + len(marker))] if start >= 0 else ""
