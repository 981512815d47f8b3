"""Duplicate institutions on PostgreSQL, explicitly: skipped without it locally, failing in CI
(tests/conftest.py ``postgres``). test_duplicate_institutions.py covers whichever database the
run uses; this file makes sure PostgreSQL is one of them, and adds what only a real server can
show: simultaneous applications under different spellings of one name."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from members.models import Institution, MembershipApplication
from tests.factories import TierFactory
from tests.members.test_duplicate_institutions import DISTINCT, PAIRS, institution, submit


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_each_tricky_pair_is_one_institution_on_postgresql(postgres, tier1, first, second):
    submit(tier1, institution(first))
    with pytest.raises(ValidationError) as error:
        submit(tier1, institution(second))
    assert "already has an application under review" in error.value.message_dict[
        "institution_0"][0]
    assert Institution.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
@pytest.mark.parametrize(("first", "second"), DISTINCT)
def test_distinct_names_stay_distinct_on_postgresql(postgres, tier1, first, second):
    submit(tier1, institution(first))
    submit(tier1, institution(second))
    assert Institution.objects.count() == 2


SPELLINGS = ["Ñandú École Publique X", "ÑANDÚ ÉCOLE publique X", "Nandu Ecole Publique X",
             "ñandú\u200bécole publique x", "\uff2eandu Ecole Publique X", "Ñandú-École Publique X"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_spellings_of_one_institution_make_one_application(postgres):
    tier = TierFactory()
    barrier = threading.Barrier(len(SPELLINGS))
    outcomes = []

    def apply(name):
        try:
            barrier.wait()
            submit(tier, institution(name))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(name,)) for name in SPELLINGS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok"] + ["refused"] * (len(SPELLINGS) - 1)
    assert MembershipApplication.objects.count() == 1
    assert Institution.objects.count() == 1
