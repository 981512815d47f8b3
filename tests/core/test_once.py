"""The one-time form token (core/once.py): what a second use, an error, a stranger's token and
time do to it. Every creating form's double post is walked in tests/test_double_submit.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment
from collaboratives.models import PDSACycle
from core import once
from core.models import FormToken
from core.tasks import form_tokens_purge
from tests.billing.conftest import run_in_threads
from tests.collaboratives.conftest import world  # noqa: F401 (the fixture)
from tests.factories import InvoiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _make(user, token, result="/done/"):
    return once.form_token_use(token=token, user=user, create=lambda: result,
                               result_url=lambda r: r)


def test_the_first_use_records_where_its_result_is_and_a_second_is_sent_there():
    user, token = UserFactory(), once.form_token_new()
    assert _make(user, token) == "/done/"
    with pytest.raises(once.AlreadySaved) as saved:
        _make(user, token, result="/a-twin/")
    assert saved.value.url == "/done/"
    row = FormToken.objects.get()
    assert row.user == user and row.result_url == "/done/"
    assert row.key != token and token not in row.key  # no usable token in the table


def test_a_created_object_is_recorded_by_content_type_and_id():
    user, token = UserFactory(), once.form_token_new()
    other = UserFactory()
    once.form_token_use(token=token, user=user, create=lambda: other,
                        result_url=lambda u: f"/people/{u.pk}/")
    row = FormToken.objects.get()
    assert (row.content_type, row.object_id) == (ContentType.objects.get_for_model(other),
                                                 str(other.pk))


def test_a_refused_create_leaves_the_token_unused_for_the_corrected_form():
    user, token = UserFactory(), once.form_token_new()

    def refuse():
        raise ValidationError({"title": ["Name the cycle."]})

    with pytest.raises(ValidationError):
        once.form_token_use(token=token, user=user, create=refuse, result_url=str)
    assert not FormToken.objects.exists()
    assert _make(user, token) == "/done/"  # corrected and sent again: saved


def test_another_persons_token_is_refused_and_does_not_reveal_their_result():
    token = once.form_token_new()
    _make(UserFactory(), token, result="/their/result/")
    with pytest.raises(ValidationError) as refused:
        _make(UserFactory(), token)
    assert "already sent by someone else" in refused.value.messages[0]
    assert "/their/result/" not in str(refused.value)


@pytest.mark.parametrize("token", ["", "not-a-token", "abc:def:ghi"])
def test_a_missing_or_forged_token_is_refused_before_anything_runs(token):
    ran = []
    with pytest.raises(ValidationError, match="did not come from this site"):
        once.form_token_use(token=token, user=UserFactory(), create=lambda: ran.append(1),
                            result_url=str)
    assert ran == [] and not FormToken.objects.exists()


def test_tokens_expire_and_the_purge_job_forgets_only_expired_ones(monkeypatch):
    token = once.form_token_new()
    assert once.form_token_valid(token)
    monkeypatch.setattr(once, "MAX_AGE", timedelta(seconds=-1))
    assert not once.form_token_valid(token)
    monkeypatch.undo()
    user = UserFactory()
    _make(user, once.form_token_new())
    old = FormToken.objects.create(key="x" * 64, user=user, result_url="/old/")
    FormToken.objects.filter(pk=old.pk).update(used_at=timezone.now() - timedelta(days=3))
    form_tokens_purge()
    form_tokens_purge()  # twice: safe
    assert list(FormToken.objects.values_list("result_url", flat=True)) == ["/done/"]


def test_someone_elses_token_on_a_page_is_an_error_next_to_the_form(client, world):  # noqa: F811
    """A team mate posts the cycle form with a token a colleague already used."""
    from tests.collaboratives.util import url

    path = url("cycle_create", world.collaborative.slug, world.team_a.pk)
    data = {"title": "Texts", "change_idea": world.idea.pk, "question": "Q?",
            "prediction": "P."}
    token = once.form_token_new()
    client.force_login(world.member_a)
    assert client.post(path, {**data, once.FIELD: token}).status_code == 302
    client.force_login(world.lead_a)
    response = client.post(path, {**data, once.FIELD: token})
    assert response.status_code == 200
    html = response.content.decode()
    assert "already sent by someone else" in html and 'value="Texts"' in html
    assert PDSACycle.objects.count() == 1
    fresh = response.context["form"].data[once.FIELD]
    assert fresh != token and once.form_token_valid(fresh)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_payment_record_one_and_both_land_on_it(postgres,
                                                                            immediate_on_commit):
    """A double-click that reaches two web workers at once: the second waits on the token's
    unique row, then lands where the first did. No 500, one payment."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    invoice = InvoiceFactory(total=Decimal("4000.00"))
    data = {"invoice_number": invoice.number, "amount": "1000.00", "method": "check",
            "received_on": timezone.localdate().isoformat(), "reference": "Check 1001",
            once.FIELD: once.form_token_new()}

    def post(_):
        client = Client()
        client.force_login(staff)
        response = client.post(reverse("admin:billing_payment_add"), data)
        return response.status_code, response.get("Location")

    results, errors = run_in_threads(2, post)
    assert errors == []
    assert [status for status, _ in results] == [302, 302]
    assert len({location for _, location in results}) == 1
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("3000.00")


@pytest.mark.django_db(transaction=True)
def test_a_second_use_that_arrives_mid_create_waits_and_gets_the_first_result(postgres):
    """Both requests pass the "used already?" check before either commits: the second blocks
    on the token's unique key until the first commits, then answers AlreadySaved."""
    import time

    user, token = UserFactory(), once.form_token_new()

    def use(index):
        def create():
            time.sleep(0.5)  # the first holds its transaction open
            return UserFactory(email=f"made{index}@example.org")

        try:
            return once.form_token_use(token=token, user=user, create=create,
                                       result_url=lambda made: f"/made/{made.pk}/")
        except once.AlreadySaved as saved:
            return saved

    results, errors = run_in_threads(2, use)
    assert errors == []
    saved = [r for r in results if isinstance(r, once.AlreadySaved)]
    made = [r for r in results if not isinstance(r, once.AlreadySaved)]
    assert len(saved) == 1 and len(made) == 1
    assert saved[0].url == f"/made/{made[0].pk}/"
    assert FormToken.objects.count() == 1
    assert not type(made[0]).objects.filter(email__startswith="made").exclude(
        pk=made[0].pk).exists()
