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
    facts = {"team": big, "team_active": big.active, "collaborative": collaborative}
    return users, facts


def measure_path(collaborative) -> str | None:
    """The cross-team page of the collaborative's first measure (small multiples, one chart a
    team), once the collaboratives app has measures."""
    try:
        measure_model = apps.get_model("collaboratives", "Measure")
    except LookupError:
        return None
    measure = measure_model.objects.filter(collaborative=collaborative).order_by("pk").first()
    if measure is None:
        return None
    try:
        return reverse("collaboratives:measure_teams", args=[collaborative.slug, measure.pk])
    except NoReverseMatch:
        return None


def pages(facts) -> list[dict]:
    team, collaborative = facts["team"], facts["collaborative"]
    plan = [
        {"name": "member dashboard", "path": reverse("members:dashboard"), "persona": "lead",
         "expect": "My portal"},
        {"name": f"roster ({facts['team_active']} active)",
         "path": reverse("members:roster", args=[team.pk]), "persona": "lead",
         "expect": "Team members"},
        {"name": "billing page", "path": reverse("billing:invoice_list"), "persona": "lead",
         "expect": "<h1>Billing</h1>"},
        {"name": "collaborative home", "path": reverse("collaboratives:home",
                                                      args=[collaborative.slug]),
         "persona": "member", "expect": "Team progress"},
    ]
    path = measure_path(collaborative)
    if path:
        # Staff see every enrolled team's chart (a coach sees only the teams they coach).
        plan.append({"name": "cross-team measure", "path": path, "persona": "staff",
                     "expect": "</svg>"})
    plan += [
        {"name": "admin: applications",
         "path": reverse("admin:members_membershipapplication_changelist"),
         "persona": "staff", "expect": "Select membership application to change"},
        {"name": "admin: invoices", "path": reverse("admin:billing_invoice_changelist"),
         "persona": "staff", "expect": "Select invoice to change"},
        {"name": "trivial view (/healthz)", "path": reverse("healthz"), "persona": "member",
         "expect": "ok", "baseline": True},
        # Served only by the benchmark (bench/urls.py): the session and the user read, no work.
        {"name": "signed-in trivial view", "path": "/bench/signed-in", "persona": "member",
         "expect": "ok", "reference": True},
    ]
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
