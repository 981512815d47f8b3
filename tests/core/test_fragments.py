"""core.fragments: a cached part of a page renders again whenever a table it read is written,
through whatever path the write takes, and never serves one viewer's HTML to another."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from core import fragments
from members.models import Institution, Tier
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db
pytestmark = [pytestmark, pytest.mark.usefixtures("fragment_cache")]


class Page:
    """A fragment listing institutions by name, counting its renders."""

    def __init__(self, name="institutions"):
        self.name = name
        self.renders = 0

    def __call__(self, viewer, key=(), **options):
        def render():
            self.renders += 1
            return ", ".join(Institution.objects.order_by("name").values_list("name", flat=True))
        return fragments.fragment(self.name, key, render, viewer=viewer, **options)


@pytest.fixture
def viewer():
    return UserFactory()


@pytest.fixture
def lincoln():
    return InstitutionFactory(name="Lincoln USD")


def test_a_fragment_renders_once_and_then_costs_no_query_of_its_own(viewer, lincoln,
                                                                    django_assert_num_queries):
    page = Page()
    assert page(viewer) == "Lincoln USD"
    with django_assert_num_queries(0):  # the cache is Redis (or locmem), not the database
        assert page(viewer) == "Lincoln USD"
    assert page.renders == 1


@pytest.mark.parametrize("write", ["save", "create", "update", "bulk_create", "delete", "raw"])
def test_any_write_to_a_table_it_read_renders_it_again(viewer, lincoln, write):
    page = Page()
    page(viewer)
    if write == "save":
        lincoln.name = "Lincoln Unified"
        lincoln.save()
    elif write == "create":
        InstitutionFactory(name="Adams ESD")
    elif write == "update":
        Institution.objects.filter(pk=lincoln.pk).update(name="Lincoln Unified")
    elif write == "bulk_create":
        Institution.objects.bulk_create([InstitutionFactory.build(name="Adams ESD")])
    elif write == "delete":
        Institution.objects.filter(pk=lincoln.pk).delete()
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Institution._meta.db_table} SET name = %s",  # noqa: S608
                           ["Lincoln Unified"])
    expected = ", ".join(Institution.objects.order_by("name").values_list("name", flat=True))
    assert page(viewer) == expected
    assert page.renders == 2


def test_a_write_to_another_table_keeps_it(viewer, lincoln):
    page = Page()
    page(viewer)
    Tier.objects.create(code="t9", name="Tier 9")
    assert page(viewer) == "Lincoln USD" and page.renders == 1


def test_each_viewer_has_their_own_and_a_shared_fragment_needs_saying_so(viewer, lincoln):
    page, other = Page(), UserFactory()
    page(viewer)
    page(other)
    assert page.renders == 2
    with pytest.raises(ValueError):
        page(None)
    page(None, per_viewer=False)
    page(other, per_viewer=False)
    assert page.renders == 3


def test_the_key_the_day_and_the_release_each_make_a_new_fragment(viewer, lincoln, monkeypatch):
    page = Page()
    page(viewer, key=["page=1"])
    page(viewer, key=["page=2"])
    assert page.renders == 2
    monkeypatch.setattr(fragments.timezone, "localdate", lambda: date(2031, 1, 1))
    page(viewer, key=["page=1"])
    assert page.renders == 3
    monkeypatch.setattr(fragments, "_release", "another-release")
    page(viewer, key=["page=1"])
    assert page.renders == 4


def test_tables_it_does_not_read_itself_can_be_named(viewer, lincoln):
    page = Page()
    page(viewer, tables=["members_tier"])
    Tier.objects.create(code="t9", name="Tier 9")
    page(viewer, tables=["members_tier"])
    assert page.renders == 2


def test_an_outer_fragment_renders_again_when_an_inner_one_would(viewer, lincoln):
    inner, renders = Page("inner"), []

    def outer():
        renders.append(1)
        return fragments.fragment("outer", [], lambda: f"<p>{inner(viewer)}</p>", viewer=viewer)

    assert outer() == "<p>Lincoln USD</p>"
    outer()
    assert len(renders) == 2 and inner.renders == 1
    Institution.objects.filter(pk=lincoln.pk).update(name="Lincoln Unified")
    assert outer() == "<p>Lincoln Unified</p>"


def test_an_inner_fragment_served_from_the_cache_still_ties_the_outer_one(viewer, lincoln):
    inner = Page("inner")
    inner(viewer)  # cached before the outer one exists
    outer = fragments.fragment("outer", [], lambda: f"<p>{inner(viewer)}</p>", viewer=viewer)
    assert outer == "<p>Lincoln USD</p>" and inner.renders == 1
    InstitutionFactory(name="Adams ESD")
    outer = fragments.fragment("outer", [], lambda: f"<p>{inner(viewer)}</p>", viewer=viewer)
    assert outer == "<p>Adams ESD, Lincoln USD</p>"


def test_a_rolled_back_write_leaves_the_data_and_the_page_as_they_were(viewer, lincoln):
    page = Page()
    page(viewer)
    with pytest.raises(RuntimeError), transaction.atomic():
        InstitutionFactory(name="Adams ESD")
        raise RuntimeError
    assert page(viewer) == "Lincoln USD"


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_while_a_write_is_uncommitted_renders_again_at_the_commit(postgres):
    """A reader that renders between a writer's UPDATE and its COMMIT sees the old rows: the
    bump at the commit makes that fragment stale, so the next read shows the new ones."""
    viewer = UserFactory()
    InstitutionFactory(name="Lincoln USD")
    page = Page()
    written, committed = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                Institution.objects.update(name="Lincoln Unified")
                written.set()
                committed.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    assert page(viewer) == "Lincoln USD"  # the uncommitted name is not visible yet
    committed.set()
    thread.join(10)
    assert page(viewer) == "Lincoln Unified"


def test_without_a_fragment_cache_it_renders_every_time(viewer, lincoln, settings):
    settings.FRAGMENT_CACHE = ""
    page = Page()
    page(viewer)
    page(viewer)
    assert page.renders == 2


def test_a_cached_form_carries_each_visitors_own_csrf_token(viewer, rf):
    import re

    from django.middleware.csrf import _unmask_cipher_token
    from django.template import engines

    form = engines["django"].from_string('<form method="post">{% csrf_token %}</form>')

    def token_in(request):
        html = fragments.fragment("form", [], lambda: form.render(
            {"csrf_token": fragments.CSRF_PLACEHOLDER}), viewer=viewer, request=request)
        assert fragments.CSRF_PLACEHOLDER not in html
        return _unmask_cipher_token(re.search(r'value="([^"]+)"', html).group(1))

    first, second = rf.get("/"), rf.get("/")
    assert token_in(first) == first.META["CSRF_COOKIE"]
    assert token_in(second) == second.META["CSRF_COOKIE"] != first.META["CSRF_COOKIE"]


def test_fragments_forget_renders_anew_after_a_write_django_did_not_see(viewer, lincoln):
    from django.core.management import call_command

    page = Page()
    page(viewer)
    with connection.cursor() as cursor:  # the driver's own cursor: no execute wrapper sees it
        cursor.cursor.execute(f"UPDATE {Institution._meta.db_table} "  # noqa: S608
                              "SET name = 'Lincoln Unified'")
    assert page(viewer) == "Lincoln USD"  # the documented blind spot
    call_command("fragments_forget", Institution._meta.db_table)
    assert page(viewer) == "Lincoln Unified"
    call_command("fragments_forget")
    page(viewer)
    assert page.renders == 3
