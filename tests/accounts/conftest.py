import pytest
import requests
from django.conf import settings as django_settings

from tests.accounts.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOIDC
from tests.conftest import free_port


def _providers(**fakes) -> dict:
    apps = [{"provider_id": provider_id, "name": provider_id.capitalize(),
             "client_id": CLIENT_ID, "secret": CLIENT_SECRET,
             "settings": {"server_url": fake.url if not fake.multi_tenant
                          else f"{fake.url}/common/v2.0", "fetch_userinfo": False}}
            for provider_id, fake in fakes.items()]
    return {"openid_connect": {**django_settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
                               "APPS": apps}}


@pytest.fixture
def google(settings):
    """A Google-style provider (one fixed issuer), configured as the portal's "google"."""
    fake = FakeOIDC(free_port()).start()
    settings.SOCIALACCOUNT_PROVIDERS = _providers(google=fake)
    yield fake
    fake.stop()


@pytest.fixture
def microsoft(settings):
    """A Microsoft-style provider: the "common" endpoint, whose issuer names each tenant."""
    fake = FakeOIDC(free_port(), multi_tenant=True).start()
    settings.SOCIALACCOUNT_PROVIDERS = _providers(microsoft=fake)
    yield fake
    fake.stop()


def sign_in_with(client, fake, provider_id: str, **data):
    """The person presses "Sign in with …"; the provider answers; the callback's response."""
    started = client.post(f"/accounts/oidc/{provider_id}/login/", data)
    assert started.status_code == 302, started.content.decode()[:500]
    assert started["Location"].startswith(f"{fake.url}/authorize?")
    answer = requests.get(started["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return client.get(answer.headers["Location"])
