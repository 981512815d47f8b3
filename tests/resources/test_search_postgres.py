"""PostgreSQL full-text search (run with DATABASE_URL=postgres://...; skipped on SQLite, a
failure in CI): English stemming, web-search syntax, best match first, the GIN index used."""

from django.db import connection

from resources.models import Resource
from resources.selectors import resources_search, resources_visible_to
from tests.resources.conftest import add


def _titles(user, text):
    return [r.title for r in resources_search(resources_visible_to(user), text)]


def test_stemmed_words_match(postgres, lib):
    # "cycles" finds "cycle", "measuring" finds "measured".
    assert _titles(lib.lead_a, "cycles") == ["Running your first PDSA cycle"]
    assert _titles(lib.lead_a, "measuring") == ["Attendance collaborative baseline"]


def test_web_search_syntax_phrases_and_exclusions(postgres, lib):
    assert _titles(lib.lead_a, '"improvement science"') == ["What is improvement science?"]
    assert set(_titles(lib.lead_a, "absenteeism")) == {"Running your first PDSA cycle",
                                                       "Attendance collaborative baseline"}
    assert _titles(lib.lead_a, "absenteeism -baseline") == ["Running your first PDSA cycle"]
    assert _titles(lib.lead_a, "or and the") == []  # only stop words: nothing, no error


def test_best_match_first_and_within_what_one_may_see(postgres, lib):
    add(lib.staff, "Attendance, attendance, attendance: a family guide",
        summary="Attendance letters to families.")
    found = _titles(lib.lead_a, "attendance")
    assert found[0] == "Attendance, attendance, attendance: a family guide"
    assert "Attendance collaborative baseline" in found
    assert "Attendance collaborative baseline" not in _titles(lib.tier1_member, "attendance")


def test_the_search_can_use_the_gin_index(postgres, lib):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                       "'resource_search_gin'")
        (definition,) = cursor.fetchone()
        assert "gin" in definition and "to_tsvector" in definition
        cursor.execute("SET enable_seqscan = off")
        queryset = resources_search(Resource.objects.all(), "attendance")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "resource_search_gin" in plan, plan
