import hashlib
import hmac
import threading
import time
from datetime import date

import pytest
from django.db import connections

from tests.conftest import free_port
from tests.factories import ApplicationFactory, InstitutionFactory, MembershipFactory

WEBHOOK_SECRET = "whsec_test_0123456789abcdef"


@pytest.fixture
def fake_stripe(settings):
    """A local fake of the Stripe API, with the portal's Stripe settings pointed at it."""
    from tests.billing.fake_stripe import FakeStripe

    server = FakeStripe(free_port()).start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake_key"
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield server
    server.stop()


@pytest.fixture
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


def stripe_signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None):
    """The Stripe-Signature header, computed the way Stripe does: HMAC-SHA256 of "t.body"."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def partnership_membership(applicant=None, **overrides):
    """Oxford School District + University of Mississippi, paying by PO."""
    application = ApplicationFactory(
        partnership=True,
        status="approved",
        institutions=[InstitutionFactory(name="Oxford School District"),
                      InstitutionFactory(ihe=True, name="University of Mississippi")],
        billing_name="Dana Accounts", billing_email="ap@oxford.k12.ms.example",
        billing_address="224 Bramlett Blvd\nOxford, MS 38655",
        pays_by_po=True, po_number="PO-2027-0042",
        **({"applicant": applicant} if applicant else {}),
    )
    return MembershipFactory(application=application, **overrides)


def run_in_threads(count, target):
    """Run ``target(index)`` in ``count`` threads started together; return results/errors."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = target(index)
        except Exception as error:  # collected and asserted by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


FY2027_DAY = date(2026, 9, 1)
