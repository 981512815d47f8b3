"""Personas and pages for the benchmark, and what the bench database holds.

Creates one session per persona directly in the session store, with the keys
``django.contrib.auth.login`` writes (as ``Client.force_login`` does), so the load tool can send
``Cookie: sessionid=…``. Writes a JSON plan: the pages (path, persona, a text each answer must
contain) and the data sizes counted from the database. Run with the same environment (above all
the same SECRET_KEY) as the gunicorn that serves the benchmark.

    python bench/prepare.py plan.json
"""

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncsup.settings")

import django  # noqa: E402

django.setup()

from allauth.mfa.totp.internal.auth import generate_totp_secret  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from bench.management.commands.bench_seed import STAFF_EMAIL  # noqa: E402
from collaboratives.models import Collaborative, Enrollment  # noqa: E402
from members.mfa import totp_authenticator_ensure  # noqa: E402
from members.models import BillingContact, Role, Team, TeamMember, User  # noqa: E402
from rhythm.selectors import report_months  # noqa: E402


def session_for(user: User) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def personas() -> tuple[dict, dict]:
    """(persona -> user, facts the pages need)."""
    big = (Team.objects.annotate(active=Count("members", filter=Q(members__status="active")))
           .order_by("-active", "pk").first())
    lead = big.members.get(role=Role.LEAD, status="active").user
    assert big.membership.application.applicant_id == lead.pk, "the lead is the billing contact"
    # Bills show to the membership's billing contacts (members.BillingContact), which the bulk
    # seed does not write: make the lead one, as approval would have.
    BillingContact.objects.get_or_create(membership=big.membership, user=lead,
                                         defaults={"name": str(lead), "email": lead.email})
    # The benchmark's collaborative: the longest-running, where the large team is enrolled.
    collaborative = Collaborative.objects.filter(enrollments__team=big).order_by("start").first()
    enrollment = (Enrollment.objects.filter(collaborative=collaborative).exclude(team=big)
                  .filter(coach__groups__name=settings.COLLABORATIVE_COACH_GROUP,
                          coach__is_staff=False)
                  .order_by("team__name").first())
    member = (TeamMember.objects.filter(team=enrollment.team, role=Role.MEMBER, status="active")
              .order_by("pk").first().user)
    users = {"lead": lead, "member": member, "coach": enrollment.coach,
             "staff": User.objects.get(email=STAFF_EMAIL)}
    # Staff pages stay shut to staff without a second factor (members.mfa).
    totp_authenticator_ensure(user=users["staff"], secret=generate_totp_secret())
    facts = {"team": big, "team_active": big.active, "collaborative": collaborative,
             "coach_enrollment": enrollment}
    return users, facts


def measure_path(facts) -> str:
    """The cross-team page of the collaborative's first measure (small multiples, one chart a
    team)."""
    measure = (apps.get_model("collaboratives", "Measure").objects
               .filter(collaborative=facts["collaborative"]).order_by("pk").first())
    if measure is None:
        raise LookupError("the collaborative has no measure")
    return reverse("collaboratives:measure_teams", args=[facts["collaborative"].slug, measure.pk])


def report_form_path(facts) -> str:
    """The large team's monthly report of the collaborative's latest month (rhythm)."""
    months = report_months(facts["collaborative"])
    if not months:
        raise LookupError("the collaborative has no report month yet")
    return reverse("rhythm:report_edit", args=[facts["collaborative"].slug, facts["team"].pk,
                                               months[0].year, months[0].month])


@dataclass(frozen=True)
class KeyPage:
    """A page the benchmark measures: its name in the report, who asks for it (a persona of
    ``personas()``), a text every answer must contain, and how to build its path from the
    facts ``personas()`` found (the large team, the collaborative, the coach's enrollment)."""

    name: str
    persona: str
    expect: str
    path: Callable[[dict], str]
    baseline: bool = False  # /healthz: no session, no work
    reference: bool = False  # the signed-in floor every key page is held to (3x its p95)
    # The Django admin's own changelist, measured beside staff's portal list that replaces it
    # for daily work: shown in the table ("admin, reference"), never decides the exit code.
    admin_reference: bool = False


# The pages, in the order of the report. To add one (a page people open daily), add a line:
# its URL name and arguments from ``facts``, the persona who opens it, and a text that shows it
# rendered. A page whose URL is not there on this branch (NoReverseMatch, LookupError) is left
# out with a note, so a line can land before its page does.
KEY_PAGES = [
    KeyPage("member dashboard", "lead", "My portal", lambda f: reverse("members:dashboard")),
    KeyPage("roster ({team_active} active)", "lead", "Team members",
            lambda f: reverse("members:roster", args=[f["team"].pk])),
    KeyPage("billing page", "lead", "<h1>Billing</h1>",
            lambda f: reverse("billing:invoice_list")),
    KeyPage("collaborative home", "member", "Team progress",
            lambda f: reverse("collaboratives:home", args=[f["collaborative"].slug])),
    # Staff see every enrolled team's chart (a coach sees only the teams they coach).
    KeyPage("cross-team measure", "staff", "</svg>", measure_path),
    # Staff's daily lists (members/staff_views.py, billing/staff_views.py): no COUNT(*).
    KeyPage("staff: application queue", "staff", "<h1>Application queue</h1>",
            lambda f: reverse("members:staff_applications")),
    KeyPage("staff: invoices", "staff", "<h1>Invoices</h1>",
            lambda f: reverse("billing:staff_invoices")),
    # The admin's changelists, where staff edit: ~100k Python calls whatever the rows (Django's
    # own machinery), so measured for reference only.
    KeyPage("admin: applications", "staff", "Select membership application to change",
            lambda f: reverse("admin:members_membershipapplication_changelist"),
            admin_reference=True),
    KeyPage("admin: invoices", "staff", "Select invoice to change",
            lambda f: reverse("admin:billing_invoice_changelist"), admin_reference=True),
    # The pages issue 16 and issue 15 added, opened daily by coaches, teams and staff.
    KeyPage("coach triage", "coach", "most in need first", lambda f: reverse("rhythm:triage")),
    KeyPage("monthly report form", "lead", "report</h1>", report_form_path),
    KeyPage("renewals (staff)", "staff", "Renewals</h1>",
            lambda f: reverse("renewals:staff_list")),
    KeyPage("trivial view (/healthz)", "member", "ok", lambda f: reverse("healthz"),
            baseline=True),
    # Served only by the benchmark (bench/urls.py): the session and the user read, no work.
    # (A fixed path: this script runs with the portal's own settings, which do not route it.)
    KeyPage("signed-in trivial view", "member", "ok", lambda f: "/bench/signed-in",
            reference=True),
]


def pages(facts, key_pages=KEY_PAGES) -> list[dict]:
    plan = []
    for page in key_pages:
        try:
            path = page.path(facts)
        except (NoReverseMatch, LookupError) as missing:
            print(f"  (left out: {page.name}: {missing})")
            continue
        entry = {"name": page.name.format(**facts), "path": path, "persona": page.persona,
                 "expect": page.expect}
        if page.baseline:
            entry["baseline"] = True
        if page.reference:
            entry["reference"] = True
        if page.admin_reference:
            entry["admin_reference"] = True
        plan.append(entry)
    return plan


SIZES = [
    ("institutions", "members.Institution", None),
    ("membership applications", "members.MembershipApplication", None),
    ("memberships", "members.Membership", None),
    ("teams", "members.Team", None),
    ("users", "members.User", None),
    ("roster entries (team members)", "members.TeamMember", None),
    ("  of which active", "members.TeamMember", Q(status="active")),
    ("pending invitations", "members.Invitation", Q(status="pending")),
    ("seat grants", "members.SeatGrant", None),
    ("invoices", "billing.Invoice", None),
    ("invoice lines", "billing.InvoiceLine", None),
    ("payments", "billing.Payment", None),
    ("renewals", "renewals.Renewal", None),
    ("memberships in grace or lapsed", "members.Membership", Q(status__in=["in_grace", "lapsed"])),
    ("collaboratives", "collaboratives.Collaborative", None),
    ("enrolled teams", "collaboratives.Enrollment", None),
    ("PDSA cycles", "collaboratives.PDSACycle", None),
    ("coaching calls", "collaboratives.CoachingCall", None),
    ("measures", "collaboratives.Measure", None),
    ("measure values", "collaboratives.MeasureValue", None),
]


def sizes() -> list[list]:
    rows = []
    for label, model_name, condition in SIZES:
        try:
            model = apps.get_model(model_name)
        except LookupError:
            continue
        queryset = model.objects.filter(condition) if condition else model.objects.all()
        rows.append([label, queryset.count()])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), "
                       "current_setting('server_version')")
        size, version = cursor.fetchone()
    rows.append(["database size (MB)", round(size / 2**20)])
    return rows, version


def main(out: Path):
    users, facts = personas()
    sessions = {name: session_for(user) for name, user in users.items()}
    data_sizes, postgres = sizes()
    plan = {
        "pages": pages(facts),
        "sessions": sessions,
        "personas": {name: {"email": user.email, "is_staff": user.is_staff}
                     for name, user in users.items()},
        "team": {"name": facts["team"].name, "active": facts["team_active"]},
        "collaborative": facts["collaborative"].name,
        "sizes": data_sizes,
        "postgres": postgres,
    }
    out.write_text(json.dumps(plan, indent=2))
    for page in plan["pages"]:
        print(f"  {page['name']:<28} {page['path']}  as {page['persona']}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
