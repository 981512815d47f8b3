"""Counts in admin messages read as words: "1 invoice", "2 invoices", never "invoice(s)"."""

import io
import re
import tokenize
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from collaboratives.convenings.services import convening_cadence_note
from tests.factories import ApplicationFactory, CollaborativeFactory, ConveningFactory
from tests.once import token as once_token

ROOT = Path(__file__).resolve().parents[2]
CHANGELIST = reverse("admin:members_membershipapplication_changelist")


def test_no_message_in_the_code_counts_with_parenthesised_plurals():
    found = []
    for app in ("core", "members", "billing", "collaboratives"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
            for token in tokens:
                text = token.string
                if token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)) \
                        and not text.startswith(('"""', "'''")) and re.search(r"[a-z]\(s\)", text):
                    found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {text}")
    assert found == []


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
@pytest.mark.parametrize(("count", "words"), [
    (1, "Waitlist: 1 membership application."),
    (2, "Waitlist: 2 membership applications."),
])
def test_an_admin_action_counts_what_it_did_in_words(staff_client, count, words):
    applications = ApplicationFactory.create_batch(count)
    done = staff_client.post(CHANGELIST, {
        "action": "waitlist_selected", ACTION_CHECKBOX_NAME: [a.pk for a in applications],
        "apply": "1", "reason": "Cohort full", **once_token()}, follow=True)
    html = done.content.decode()
    assert words in html
    assert "(s)" not in html


@pytest.mark.django_db
def test_the_convening_cadence_note_counts_in_words():
    collaborative = CollaborativeFactory()
    ConveningFactory(collaborative=collaborative,
                     starts_at=timezone.now() + timedelta(days=3))
    note = convening_cadence_note(collaborative)
    assert " has 1 scheduled convening over " in note
    assert "(s)" not in note
