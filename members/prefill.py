"""A link to the application form with institutions filled in: partnerships formed elsewhere in
the portal (the partner directory) apply together without typing either institution again.

The link carries the institutions' ids, signed (``apply_prefill_url``), so the form shows only
what the portal built the link for; the application form reads it (``apply_prefill``). Whoever
follows it still checks, edits and submits the whole form."""

from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

from members.models import Institution, MembershipApplication

PARAM = "prefill"
SALT = "members.apply.prefill"
MAX_AGE = 60 * 60 * 24 * 90  # a link in an email may wait a season


def apply_prefill_url(institutions: list[Institution]) -> str:
    """``/apply/?prefill=...``: one institution, or two applying as an LEA-IHE partnership."""
    token = signing.dumps([institution.pk for institution in institutions][:2], salt=SALT)
    return f"{reverse('members:apply')}?{urlencode({PARAM: token})}"


def _institution_initial(institution: Institution) -> dict:
    return {"name": institution.name, "kind": institution.kind, "city": institution.city,
            "state": institution.state, "website": institution.website,
            "nces_id": institution.nces_id}


def apply_prefill(query) -> dict | None:
    """What the link in ``query`` (request.GET) fills in: ``{"kind": ..., "institutions":
    [initial, initial]}``; None for no link, or one that was altered or is too old."""
    token = query.get(PARAM)
    if not token:
        return None
    try:
        ids = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(ids, list) or not all(isinstance(pk, int) for pk in ids):
        return None
    found = Institution.objects.in_bulk(ids)
    institutions = [found[pk] for pk in ids if pk in found]
    if not institutions:
        return None
    kind = (MembershipApplication.Kind.PARTNERSHIP if len(institutions) == 2
            else MembershipApplication.Kind.SINGLE)
    return {"kind": kind, "institutions": [_institution_initial(i) for i in institutions]}
