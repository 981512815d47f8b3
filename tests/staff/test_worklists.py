"""Staff's work lists in the portal: the staff home, the application queue, the invoice list."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceNumberCounter
from members.models import MembershipApplication
from tests.factories import (
    ApplicationFactory,
    CoachFactory,
    InstitutionFactory,
    InvoiceFactory,
    MembershipFactory,
    PaymentFactory,
    TierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOME = "/portal/staff/"
QUEUE = "/portal/staff/applications/"
INVOICES = "/portal/staff/invoices/"
Status = MembershipApplication.Status


def test_the_urls_are_where_staff_expect_them():
    assert reverse("members:staff_home") == HOME
    assert reverse("members:staff_applications") == QUEUE
    assert reverse("billing:staff_invoices") == INVOICES


# --- Who may open them -------------------------------------------------------------------------

@pytest.mark.parametrize("url", [HOME, QUEUE, INVOICES])
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [HOME, QUEUE, INVOICES])
def test_members_and_coaches_get_a_404(client, url):
    for person in (UserFactory(), ApplicationFactory().applicant, CoachFactory()):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client):
    client.force_login(UserFactory(staff=True, second_factor=False))
    assert client.get(QUEUE).status_code == 302


def test_the_staff_home_links_to_every_list_and_the_admin(staff_client):
    html = staff_client.get(HOME).content.decode()
    for url in (QUEUE, INVOICES, reverse("renewals:staff_list"), reverse("admin:index")):
        assert f'href="{url}"' in html


def test_the_nav_shows_staff_a_staff_link_and_nobody_else(client, staff_client):
    link = f'<a href="{HOME}">Staff</a>'
    assert link in staff_client.get(reverse("members:dashboard")).content.decode()
    assert "Staff admin" not in staff_client.get(HOME).content.decode()
    client.force_login(UserFactory())
    html = client.get(reverse("members:dashboard")).content.decode()
    assert link not in html and HOME not in html


# --- The application queue ---------------------------------------------------------------------

def _application(**kwargs):
    institutions = kwargs.pop("institutions", None)
    submitted = kwargs.pop("submitted_at", None)
    application = ApplicationFactory(**kwargs, **({"institutions": institutions}
                                                  if institutions is not None else {}))
    if submitted:
        MembershipApplication.objects.filter(pk=application.pk).update(submitted_at=submitted)
    return application


def _numbers(html: str) -> list[int]:
    """The application numbers the page lists, in order."""
    return [int(part.split("<", 1)[0]) for part in html.split('">#')[1:]]


def test_the_queue_shows_those_awaiting_a_decision_newest_first(staff_client):
    now = timezone.now()
    old = _application(submitted_at=now - timedelta(days=3))
    new = _application(status=Status.WAITLISTED, submitted_at=now - timedelta(days=1))
    _application(status=Status.APPROVED)
    _application(status=Status.REJECTED)
    html = staff_client.get(QUEUE).content.decode()
    assert _numbers(html) == [new.pk, old.pk]
    assert (f'href="{reverse("admin:members_membershipapplication_change", args=[new.pk])}"'
            in html)
    assert timezone.localdate(now - timedelta(days=3)).strftime("%-d %b %Y") in html


def test_the_queue_row_shows_institutions_tier_kind_and_applicant(staff_client):
    applicant = UserFactory(first_name="Zoë", last_name="O'Brien")
    district = InstitutionFactory(name="Oxford School District")
    university = InstitutionFactory(ihe=True, name="University of Mississippi")
    application = _application(applicant=applicant, kind="partnership",
                               institutions=[university, district])
    html = staff_client.get(QUEUE).content.decode()
    assert "Oxford School District + University of Mississippi" in html
    assert application.requested_tier.name in html
    assert "Partnership" in html and "Zoë O&#x27;Brien" in html
    assert 'class="status status-submitted"' in html


@pytest.mark.parametrize("status,shown", [
    ("approved", "approved"), ("rejected", "rejected"), ("withdrawn", "withdrawn"),
    ("all", None),
])
def test_the_status_filter(staff_client, status, shown):
    made = {s: _application(status=s) for s in Status.values}
    numbers = _numbers(staff_client.get(QUEUE, {"status": status}).content.decode())
    if shown:
        assert numbers == [made[shown].pk]
    else:
        assert sorted(numbers) == sorted(a.pk for a in made.values())


def test_an_unknown_status_reads_as_awaiting_a_decision(staff_client):
    pending = _application()
    _application(status=Status.APPROVED)
    assert _numbers(staff_client.get(QUEUE, {"status": "bogus"}).content.decode()) == [pending.pk]


def test_the_tier_kind_and_state_filters(staff_client):
    tier2 = TierFactory(two=True)
    single_ms = _application()
    partnership_tx = _application(kind="partnership", requested_tier=tier2, institutions=[
        InstitutionFactory(state="TX"), InstitutionFactory(ihe=True, state="TX")])
    assert _numbers(staff_client.get(QUEUE, {"tier": tier2.pk}).content.decode()) == [
        partnership_tx.pk]
    assert _numbers(staff_client.get(QUEUE, {"kind": "single"}).content.decode()) == [
        single_ms.pk]
    assert _numbers(staff_client.get(QUEUE, {"kind": "partnership"}).content.decode()) == [
        partnership_tx.pk]
    # Two Texan institutions: the application still shows once.
    assert _numbers(staff_client.get(QUEUE, {"state": "tx"}).content.decode()) == [
        partnership_tx.pk]
    assert _numbers(staff_client.get(QUEUE, {"state": "MS", "tier": "x"}).content.decode()) == [
        single_ms.pk]


@pytest.mark.parametrize("search", ["ecole st marys", "ÉCOLE  St. Mary\u2019s", "marys",
                                    "applicant@district", "#{pk}", "{pk}"])
def test_the_search_finds_an_institution_however_spelt_an_email_or_a_number(staff_client,
                                                                             search):
    applicant = UserFactory(email="applicant@district.example.org")
    wanted = _application(applicant=applicant,
                          institutions=[InstitutionFactory(name="École St Mary's")])
    _application(institutions=[InstitutionFactory(name="Oxford School District")])
    html = staff_client.get(QUEUE, {"q": search.format(pk=wanted.pk)}).content.decode()
    assert _numbers(html) == [wanted.pk]


def test_a_search_that_matches_nothing_says_so_and_keeps_what_was_typed(staff_client):
    _application()
    html = staff_client.get(QUEUE, {"q": "Nowhere High"}).content.decode()
    assert "No application matches these filters" in html
    assert 'value="Nowhere High"' in html


def test_an_empty_queue_says_nothing_awaits_a_decision(staff_client):
    _application(status=Status.APPROVED)
    assert "No application is awaiting a decision" in staff_client.get(QUEUE).content.decode()


def test_the_portal_page_is_linked_only_where_staff_may_see_it(staff, staff_client):
    own = _application(applicant=staff)
    other = _application()
    html = staff_client.get(QUEUE).content.decode()
    assert f'href="{own.get_absolute_url()}"' in html
    assert f'href="{other.get_absolute_url()}"' not in html


# --- Pages: 25 rows, one more read to know there is an older page, never a count -------------

def _applications(n):
    tier = TierFactory()
    institution = InstitutionFactory()
    applicant = UserFactory()
    now = timezone.now()
    made = MembershipApplication.objects.bulk_create([
        MembershipApplication(applicant=applicant, requested_tier=tier, problem_of_practice="x",
                              contact_name="x", contact_email="x@example.org", billing_name="x",
                              billing_email="x@example.org", billing_address="x",
                              commitment_accepted=True)
        for _ in range(n)])
    for i, application in enumerate(made):
        application.institutions.add(institution)
        MembershipApplication.objects.filter(pk=application.pk).update(
            submitted_at=now - timedelta(minutes=i))
    return made


def test_exactly_25_rows_is_one_page(staff_client):
    _applications(25)
    html = staff_client.get(QUEUE).content.decode()
    assert len(_numbers(html)) == 25
    assert "Older" not in html and "Page 1" not in html


def test_26_rows_make_two_pages(staff_client):
    made = _applications(26)
    html = staff_client.get(QUEUE).content.decode()
    assert len(_numbers(html)) == 25 and "Older →" in html and "Newer" not in html
    second = staff_client.get(QUEUE, {"page": 2}).content.decode()
    assert _numbers(second) == [made[-1].pk]
    assert "Page 2" in second and "← Newer" in second and "Older" not in second


def test_the_page_links_keep_the_filters(staff_client):
    _applications(26)
    html = staff_client.get(QUEUE, {"kind": "single"}).content.decode()
    assert 'href="?kind=single&amp;page=2"' in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999"])
def test_a_bad_page_number_shows_the_first_page(staff_client, page):
    _applications(3)
    assert len(_numbers(staff_client.get(QUEUE, {"page": page}).content.decode())) == 3


def test_a_page_past_the_end_links_back_to_the_first(staff_client):
    _applications(3)
    html = staff_client.get(QUEUE, {"page": 7, "kind": "single"}).content.decode()
    assert "No more applications here" in html and 'href="?kind=single"' in html


@pytest.mark.parametrize("url,make", [(QUEUE, "applications"), (INVOICES, "invoices")])
def test_a_list_costs_the_same_few_queries_at_3_or_60_rows_and_never_counts(
        staff_client, django_assert_max_num_queries, url, make, settings):
    settings.FRAGMENT_CACHE = ""  # the list's own render (with Redis, a second visit is a hit)

    def fill(n):
        if make == "applications":
            _applications(n)
        else:
            _invoices(n)

    fill(3)
    staff_client.get(url)
    with django_assert_max_num_queries(8) as small:
        assert staff_client.get(url).status_code == 200
    fill(57)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        html = staff_client.get(url).content.decode()
    assert "Older →" in html
    assert len(large.captured_queries) == len(small.captured_queries)
    for query in small.captured_queries + large.captured_queries:
        assert "COUNT(" not in query["sql"].upper()


# --- The invoice list --------------------------------------------------------------------------

def _invoices(n):
    membership = MembershipFactory()
    return [InvoiceFactory(membership=membership, commitment_year=None, kind="extra_seats",
                           lines=False) for _ in range(n)]


def _invoice_numbers(html: str) -> list[str]:
    return [part.split("<", 1)[0] for part in html.split('/change/">')[1:]]


def test_the_invoice_list_shows_each_invoice_s_money_and_status(staff_client):
    today = timezone.localdate()
    district = InstitutionFactory(name="Oxford School District")
    university = InstitutionFactory(ihe=True, name="University of Mississippi")
    membership = MembershipFactory(institutions=[district, university])
    invoice = InvoiceFactory(membership=membership, issue_date=date(2026, 12, 1),
                             due_date=date(2026, 12, 31), total=Decimal("5000.00"),
                             pdf_path="invoices/x.pdf")
    PaymentFactory(invoice=invoice, amount=Decimal("1250.50"))
    html = staff_client.get(INVOICES).content.decode()
    assert invoice.number in html
    assert "Oxford School District + University of Mississippi" in html
    assert "1 Dec 2026" in html and "31 Dec 2026" in html
    assert "$5,000.00" in html and "$3,749.50" in html
    label = "overdue" if date(2026, 12, 31) < today else "partially paid"
    assert label in html
    assert f'href="{reverse("billing:invoice_pdf", args=[invoice.pk])}"' in html
    assert f'href="{reverse("admin:billing_invoice_change", args=[invoice.pk])}"' in html


def test_drafts_never_show_and_a_missing_pdf_says_it_is_being_prepared(staff_client):
    InvoiceFactory(status=Invoice.Status.DRAFT, number="", fiscal_year=None, sequence=None,
                   issue_date=None, due_date=None, open_at=None)
    assert "No invoice has been issued yet" in staff_client.get(INVOICES).content.decode()
    InvoiceFactory()
    assert "being prepared" in staff_client.get(INVOICES).content.decode()


def test_the_invoice_status_filters(staff_client):
    today = timezone.localdate()
    current = InvoiceFactory(issue_date=today, due_date=today + timedelta(days=30))
    late = InvoiceFactory(issue_date=today - timedelta(days=60),
                          due_date=today - timedelta(days=30))
    paid = InvoiceFactory(paid=True)
    void = InvoiceFactory(void=True)

    def shown(**params):
        return set(_invoice_numbers(staff_client.get(INVOICES, params).content.decode()))

    assert shown() == {current.number, late.number, paid.number, void.number}
    assert shown(status="open") == {current.number, late.number}
    assert shown(status="overdue") == {late.number}
    assert shown(status="paid") == {paid.number}
    assert shown(status="void") == {void.number}
    assert shown(status="nonsense") == shown()


def test_the_fiscal_year_filter_lists_the_numbered_years(staff_client):
    InvoiceNumberCounter.objects.create(fiscal_year=2026, last_number=1)
    InvoiceNumberCounter.objects.create(fiscal_year=2027, last_number=1)
    old = InvoiceFactory(fiscal_year=2026)
    new = InvoiceFactory(fiscal_year=2027)
    html = staff_client.get(INVOICES, {"fiscal_year": "2026"}).content.decode()
    assert _invoice_numbers(html) == [old.number]
    assert '<option value="2027">FY2027</option>' in html
    assert '<option value="2026" selected>FY2026</option>' in html
    assert new.number in staff_client.get(INVOICES, {"fiscal_year": "20x7"}).content.decode()


@pytest.mark.parametrize("search", ["NCSUP-2027-0042", "2027-0042", "po-7781", "oxford sch"])
def test_the_invoice_search(staff_client, search):
    oxford = MembershipFactory(institutions=[InstitutionFactory(name="Oxford School District")])
    wanted = InvoiceFactory(membership=oxford, sequence=42, po_number="PO-7781")
    InvoiceFactory(sequence=43)
    html = staff_client.get(INVOICES, {"q": search}).content.decode()
    assert _invoice_numbers(html) == [wanted.number]


def test_invoice_pages_are_25_rows_and_keep_the_filters(staff_client):
    made = _invoices(26)
    html = staff_client.get(INVOICES, {"status": "open"}).content.decode()
    assert len(_invoice_numbers(html)) == 25
    assert 'href="?status=open&amp;page=2"' in html
    second = staff_client.get(INVOICES, {"status": "open", "page": 2}).content.decode()
    assert len(_invoice_numbers(second)) == 1 and "← Newer" in second
    assert {made[0].number} == set(_invoice_numbers(second)) - set()


def test_names_typed_by_applicants_are_escaped_in_the_rows(staff_client):
    applicant = UserFactory(first_name="<b>Pat</b>", last_name="O'Neil & Co")
    _application(applicant=applicant,
                 institutions=[InstitutionFactory(name='<script>alert("x")</script> District')])
    html = staff_client.get(QUEUE).content.decode()
    assert "<script>alert" not in html and "<b>Pat</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; District" in html
    assert "&lt;b&gt;Pat&lt;/b&gt; O&#x27;Neil &amp; Co" in html


def test_an_open_invoice_past_its_due_date_shows_as_overdue(staff_client):
    today = timezone.localdate()
    InvoiceFactory(issue_date=today - timedelta(days=40), due_date=today - timedelta(days=10))
    html = staff_client.get(INVOICES).content.decode()
    assert '<span class="status status-overdue">overdue</span>' in html
