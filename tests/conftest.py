import logging
import os
import shutil
import socket
import threading
from decimal import Decimal
from importlib import import_module
from urllib.parse import urlparse

import pytest
from django.core.cache import cache

from rhythm.models import ProgressLevel
from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, reason: str):
    """Skip a test that needs a real service, except in CI where a missing service fails."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


def _port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1",
                                       parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def postgres(settings):
    from django.db import connection

    require_service(connection.vendor == "postgresql",
                    "needs PostgreSQL: set DATABASE_URL=postgres://...")
    return connection


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    require_service(bool(url) and _port_open(url, 6379), "needs Redis: set REDIS_URL=redis://...")
    return url


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if os.path.exists("/usr/bin/chromium") else None)
    require_service(path is not None, "needs Debian's chromium: apt-get install chromium")
    return path


# The IHI scale's nine levels, which a data migration loads (rhythm 0002). A transactional test
# (browser, integration) empties every table when it ends, migrations' rows included, so tests
# after it would find no scale: each database test puts back what is missing.
IHI_SCALE = import_module("rhythm.migrations.0002_ihi_assessment_scale").LEVELS
DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _ihi_scale(request):
    if not (request.node.get_closest_marker("django_db")
            or DB_FIXTURES & set(request.fixturenames)):
        yield
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames
                            or "live_server" in request.fixturenames else "db")
    ProgressLevel.objects.bulk_create(
        [ProgressLevel(score=Decimal(score), title=title, description=description)
         for score, title, description in IHI_SCALE], ignore_conflicts=True)
    yield


@pytest.fixture
def fragment_cache(settings):
    """The fragment cache on (core/fragments.py): Redis where the run has it (CI), else a cache
    of this process's own (without Redis it is off: settings.FRAGMENT_CACHE)."""
    from django.conf import settings as configured

    if configured.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        settings.FRAGMENT_CACHE = "default"
    else:
        settings.CACHES = {**settings.CACHES, "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        settings.FRAGMENT_CACHE = "fragments"
    from django.core.cache import caches

    fragments = caches[settings.FRAGMENT_CACHE]
    fragments.clear()
    yield fragments
    fragments.clear()


@pytest.fixture(autouse=True)
def _fragments_off_unless_asked(request, settings):
    """Page tests test the render; the fragment cache is tested where a test asks for it
    (``fragment_cache``), so a query count measures the page, not what an earlier request
    left in Redis."""
    if "fragment_cache" not in request.fixturenames:
        settings.FRAGMENT_CACHE = ""


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fail_on_error_logs(caplog):
    """A test during which something logs an ERROR fails: errors are never background noise."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("ERROR logged during the test: "
                    + "; ".join(f"{r.name}: {r.getMessage()}" for r in errors))


@pytest.fixture
def fees(db):
    return factories.FeeScheduleFactory()


@pytest.fixture
def tier1(db):
    return factories.TierFactory()


@pytest.fixture
def tier2(db):
    return factories.TierFactory(two=True)


@pytest.fixture
def staff(db):
    return factories.UserFactory(staff=True, email="staff@ncsup.example.org")


@pytest.fixture
def applicant(db):
    return factories.UserFactory(email="applicant@district.example.org")


# --- The roster persona: a team lead and their one-institution team (5 covered seats, the lead
# holds one). Shared by the roster's service, view and admin tests.
@pytest.fixture
def lead(db):
    return factories.UserFactory(email="lead@district.example.org")


@pytest.fixture
def team(lead):
    return factories.TeamFactory(lead=lead, name="Oxford School District")


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def immediate_on_commit(monkeypatch):
    """Run on-commit callbacks (task enqueues) at once, as if each service call committed.

    Tests run inside a transaction that never commits; without this, nothing would be sent.
    """
    from django.db import transaction

    def on_commit(func, using=None, robust=False):
        func()

    monkeypatch.setattr(transaction, "on_commit", on_commit)


class SmtpSink:
    """A local SMTP server (aiosmtpd) that records messages, or answers with a chosen error."""

    def __init__(self):
        self.messages = []
        self.rcpt_reply = None  # e.g. "451 4.3.0 try again later"
        # Fault injection: arm ``hold`` and the next DATA waits, with ``in_data`` set, until the
        # test sets ``release`` or the client's connection drops (after killing it, say);
        # ``in_data`` is cleared either way.
        self.hold = threading.Event()
        self.in_data = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        from email import message_from_bytes

        if self.hold.is_set():
            self.hold.clear()
            self.release.clear()
            self.in_data.set()
            try:
                while not self.release.is_set():
                    await asyncio.sleep(0.01)
            finally:
                # Also when the client's death cancels this handler (aiosmtpd does, on EOF):
                # a stale in_data would let the next drill round kill the client at a random
                # moment, perhaps just after a "250", and the message would go out twice.
                self.in_data.clear()
            if server.transport is None or server.transport.is_closing():
                # The client died before hearing "250": like a real MTA, accept nothing.
                return "421 connection lost"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings):
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
    }}
    yield sink
    controller.stop()
