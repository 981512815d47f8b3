"""Seed a national network on PostgreSQL for `make bench`, with bulk writes.

At ``--scale 1``: 10,000 institutions, 5,000 memberships (with their applications and teams) plus
2,200 applications that were not approved, 60,000 roster entries, 20,000 invoices with their lines
and payments, three Breakthrough Collaboratives of Tier 2 teams (100 in the first, 60 in each
of the others), 100,000 PDSA cycles and 244,444 measure values. Rows go in with PostgreSQL's COPY
(ids assigned here, sequences reset after), in one transaction, then ``VACUUM ANALYZE`` so the
planner sees the data as a production database would.

The data follows the portal's rules as its services would leave them: an invoice's bill-to, PO
number and line text are copied from the application; numbers run gaplessly per fiscal year in
issue order and each year's counter holds the last number; no roster exceeds its covered seats
(extra seats come with a seat grant and their invoice); only current Tier 2 memberships enroll;
completed cycles record a decision. Audit entries and the email outbox are not seeded.

The database is created when missing and migrated; ``--reset`` drops it first. Both refuse a
database whose name does not contain "bench", so the command cannot touch another one.

Why one module of this size: a one-off generator of bulk rows whose steps must run in one order
(ids are assigned here and referenced by later steps); it is installed only by bench.settings and
uses billing's and members' public rules for every number it writes.
"""

import math
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from itertools import pairwise

import psycopg
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.utils import timezone
from psycopg import sql

from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceNumberCounter,
    Payment,
    fiscal_year_of,
)
from billing.services import (
    commitment_year_start,
    commitment_years_in_term,
    dues_line,
    extra_seats_line,
    invoice_number_format,
)
from collaboratives.models import (
    RSVP,
    ActionPeriod,
    ChangeIdea,
    CoachingCall,
    Collaborative,
    Convening,
    CycleComment,
    Enrollment,
    PDSACycle,
    Phase,
    PrimaryDriver,
    TeamAim,
)
from core.dates import add_years, last_day_of_years
from core.usstates import US_STATES
from devdata.reference import fee_schedule_ensure, tiers_ensure
from members.models import (
    Institution,
    Invitation,
    Membership,
    MembershipApplication,
    Role,
    SeatGrant,
    Team,
    TeamMember,
    User,
    covered_seats,
)
from members.names import institution_name_key
from renewals.models import Renewal

BENCH_DOMAIN = "bench.ncsup.example.org"
STAFF_EMAIL = f"staff@{BENCH_DOMAIN}"
# The published fee schedule (devdata.reference) takes effect before the first membership starts.
FEES_FROM = date(2017, 7, 1)


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FIRST = _words(
    "Aaliyah Adrian Alma Amir Ana Andre Ava Beatriz Ben Camila Carlos Chloe Dana Darnell "
    "Diego Elena Eli Emma Farah Grace Hana Hector Imani Isaac Jada James Jamal Jasmine "
    "Jin Jordan Kai Kayla Keisha Laila Leo Lucia Luis Malik Maria Marcus Maya Mei Miguel "
    "Nadia Noah Nora Omar Paige Priya Quinn Rosa Ruth Sam Sofia Tariq Tess Uma Victor "
    "Yusuf Zoe")
LAST = _words(
    "Abbott Acosta Adams Ahmed Alvarez Baker Banks Bell Brooks Bui Campbell Carter Chen "
    "Cruz Davis Diaz Dixon Edwards Ellis Evans Fischer Flores Foster Garcia Gomez Gray "
    "Green Hall Harris Hayes Hill Huang Hughes Jackson James Jenkins Johnson Kaur Kelly "
    "Kim King Lee Lewis Lopez Martin Mendoza Miller Mitchell Moore Morales Murphy Nguyen "
    "Ortiz Owens Park Patel Perez Phillips Price Ramirez Reed Reyes Rivera Roberts "
    "Robinson Rogers Ross Russell Sanchez Shah Singh Smith Stewart Sullivan Taylor "
    "Thomas Torres Turner Walker Ward Washington Watson White Williams Wilson Wright "
    "Young")
PLACE_BASES = _words(
    "Ash Grove|Bay|Birch|Brook|Cedar|Clay|Clear Creek|Copper|Cypress|Deer Park|Eagle|Elm|"
    "Fair Oaks|Fox|Granite|Green|Harbor|Hickory|High Plains|Hill|Holly|Iron|Juniper|Lake|"
    "Laurel|Lime|Magnolia|Maple|Meadow|Mesa|Mill|Mountain|Oak|Orchard|Palm|Pine|Prairie|"
    "Quarry|Red Rock|Ridge|River|Rock|Rose|Salt|Sand|Silver|Spring|Stone|Summit|Sun|"
    "Timber|Valley|Walnut|Willow|Wolf|Wood", "|")
PLACE_PREFIXES = ["", "North ", "South ", "East ", "West ", "New ", "Fort ", "Mount ", "Port ",
                  "Glen ", "Upper ", "Lower "]
PLACE_SUFFIXES = ["", "ville", " City", " Springs", " Falls", " Heights"]
LEA_PATTERNS = ["{p} School District", "{p} Public Schools", "{p} Unified School District",
                "{p} County Schools", "{p} City Schools", "{p} Independent School District",
                "{p} Elementary School District", "{p} Union High School District"]
IHE_PATTERNS = ["University of {p}", "{p} State University", "{p} College",
                "{p} Community College", "{p} University"]
YSO_PATTERNS = ["{p} Boys & Girls Club", "{p} Youth Alliance", "{p} YMCA",
                "Big Brothers Big Sisters of {p}", "{p} Afterschool Partnership"]
PROBLEMS = ["Chronic absenteeism in our middle schools.",
            "Math proficiency of students with disabilities in grades 3-8.",
            "Ninth-grade on-track rates.",
            "School-improvement planning that teachers own.",
            "Early literacy in kindergarten through grade 2.",
            "Preparing new teachers for high-need schools."]
# The benchmark's large team: a real partnership of the original network (DESIGN.md).
BIG_TEAM = (("Chicago Public Schools", "Chicago", "IL"),
            ("University of Illinois Chicago", "Chicago", "IL"))

COLLABORATIVES = [
    # (slug, name, problem, days since start, aim, change ideas by primary driver)
    ("chronic-absenteeism", "Chronic Absenteeism Breakthrough Collaborative", "Chronic absenteeism",
     300, "Cut chronic absenteeism across member institutions by a quarter within one year.",
     {"Families know why attendance matters": ["Text families after a first absence",
                                               "Attendance nudges in home languages",
                                               "Home visits after three absences",
                                               "Family attendance nights", "Good-news calls"],
      "Every student feels known": ["Morning greeters at the door", "Attendance buddies",
                                    "Advisory check-ins", "Mentors for chronically absent students",
                                    "Two-by-ten conversations"],
      "Barriers to getting to school are removed": ["Walking school bus", "Laundry at school",
                                                    "Bus-route review with families",
                                                    "Health-room follow-up", "Alarm-clock loans"],
      "Data is used weekly": ["Weekly attendance huddle", "Tiered attendance lists",
                              "Attendance wall by homeroom", "Student-led attendance goals",
                              "Early-warning flags"]}),
    ("math-students-with-disabilities", "Math Proficiency for Students with Disabilities",
     "Math proficiency of students with disabilities", 230,
     "Raise the state-assessment math proficiency of students with disabilities by 5% within a "
     "school year.",
     {"Co-teaching is planned together": ["Weekly co-planning block", "Shared lesson templates",
                                          "Co-teaching models rotation", "Joint data review",
                                          "Station teaching in math"],
      "Tasks are rigorous and accessible": ["Number talks", "Visual models first",
                                            "Worked examples with fading", "Math vocabulary walls",
                                            "Manipulatives in every lesson"],
      "IEP goals drive instruction": ["IEP math goals on the lesson plan", "Progress probes",
                                      "Student goal-setting conferences",
                                      "Accommodations checklists", "Family math nights"],
      "Feedback is frequent": ["Exit tickets every day", "Error-analysis routines",
                               "Peer explanation pairs", "Immediate re-teach groups",
                               "Weekly fluency checks"]}),
    ("school-improvement-planning", "School-Improvement Planning Collaborative",
     "School-improvement planning", 80,
     "Every member school runs its improvement plan as a set of PDSA cycles owned by teachers "
     "within one year.",
     {"Plans name a problem of practice": ["Fishbone with teachers", "Empathy interviews",
                                           "Problem statement protocol", "Student shadowing",
                                           "Process mapping"],
      "Teams meet on a steady rhythm": ["Thirty-minute improvement huddles", "Standing agendas",
                                        "Rotating facilitators", "Team charters",
                                        "Shared improvement calendar"],
      "Measures are visible": ["Run chart on the staff-room wall", "Family of measures",
                               "Monthly data walks", "Measure definitions page",
                               "Student-friendly dashboards"],
      "Leaders protect time": ["Release time for team leads", "Principal office hours",
                               "Coverage for PDSA tests", "District improvement days",
                               "Coaching for leads"]}),
]
CONVENING_DAYS = [0, 56, 112, 168, 224, 280, 350]  # days after the start; six action periods
PHASE_DAYS = [("learning", 0, 90), ("testing", 91, 180), ("spreading", 181, 270),
              ("sustaining", 271, 364)]
CYCLES_PER_PERIOD_EXPECTED = 3
# The family of measures of each collaborative: (name, kind, unit, rate basis, better direction,
# typical level, collaborative goal, operational definition).
MEASURES = [
    ("{problem} (outcome)", "outcome", "percent", "", "down", 24, "18",
     "Students with the problem this week over students enrolled, in percent (SIS export)."),
    ("Average daily attendance", "outcome", "percent", "", "up", 91, "94",
     "Student-days present over student-days enrolled this week, in percent."),
    ("Families reached within a day", "process", "percent", "", "up", 40, None,
     "Families contacted by the next school day after a first absence, in percent."),
    ("Students with a mentor", "process", "count", "", "up", 22, None,
     "Students on the focus list with an adult mentor who met them this week."),
    ("Home visits completed", "process", "count", "", "up", 7, None,
     "Home visits held this week, from the visit log."),
    ("Improvement huddles held", "process", "count", "", "up", 3, None,
     "Team huddles of at least fifteen minutes held this week."),
    ("Suspensions", "balancing", "rate", "per 100 students", "down", 2.1, None,
     "Out-of-school suspensions this week per 100 students enrolled."),
    ("Teacher hours on follow-up", "balancing", "rate", "hours per teacher", "down", 1.5, None,
     "Hours a teacher spent on attendance follow-up this week, from a weekly pulse survey."),
]


class Timer:
    """Prints how long each table's COPY took, and each step with its rows generated."""

    def __init__(self, stdout):
        self.stdout = stdout

    @contextmanager
    def __call__(self, label):
        started = time.perf_counter()
        counter = {"n": 0}
        yield counter
        seconds = time.perf_counter() - started
        self.stdout.write(f"    {label:<34} {counter['n']:>9,} rows {seconds:7.2f} s")

    @contextmanager
    def step(self, label):
        self.stdout.write(f"  {label}:")
        started = time.perf_counter()
        yield
        self.stdout.write(f"    {'(step, generating the rows included)':<49} "
                          f"{time.perf_counter() - started:7.2f} s")


def _columns(model, keys):
    """Every concrete column of ``model`` to load, with the value to use when a row omits it."""
    fields = []
    for field in model._meta.concrete_fields:
        if getattr(field, "generated", False):
            continue
        if field.primary_key and field.attname not in keys:
            continue
        fields.append(field)
    return fields


def copy_rows(model, rows) -> int:
    """Load dict rows (keyed by attname) into ``model``'s table with COPY. Columns a row does not
    name get the field's default, so columns added later by migrations do not break the seed."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    fields = _columns(model, first.keys())
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in first}
    quote = connection.ops.quote_name
    statement = (f"COPY {quote(model._meta.db_table)} "
                 f"({', '.join(quote(f.column) for f in fields)}) FROM STDIN")
    names = [f.attname for f in fields]
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in _chain(first, rows):
            copy.write_row([row[name] if name in row else defaults[name] for name in names])
            count += 1
    return count


def _chain(first, rest):
    yield first
    yield from rest


class Ids:
    """Primary keys assigned here, so children can point at parents without a round trip."""

    def __init__(self):
        self.next = {}

    def take(self, model, n=1):
        if model not in self.next:
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
                self.next[model] = cursor.fetchone()[0] + 1
        first = self.next[model]
        self.next[model] += n
        return range(first, first + n)


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour, minute)))


def _slug(text: str) -> str:
    return "".join(c for c in text.lower().replace(" ", "-") if c.isalnum() or c == "-")[:40]


class Command(BaseCommand):
    help = "Seed a national network on PostgreSQL for the benchmark (make bench), in bulk."
    # The checks would connect to a database that may not exist yet; migrate runs them after.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0,
                            help="Fraction of the full size (1 = 10,000 institutions, 60,000 "
                                 "roster entries, 20,000 invoices, 100,000 PDSA cycles).")
        parser.add_argument("--reset", action="store_true",
                            help="Drop and recreate the bench database first.")
        parser.add_argument("--seed", type=int, default=7, help="Random seed.")

    def handle(self, *args, scale, reset, seed, **options):
        if scale <= 0 or scale > 4:
            raise CommandError("--scale takes a number above 0 and at most 4.")
        self._database_ensure(reset=reset)
        if Institution.objects.exists():
            self.stdout.write("The bench database is seeded already (--reset seeds it anew).")
            return
        self.rng = random.Random(seed)
        self.scale = scale
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.ids = Ids()
        self.timer = Timer(self.stdout)
        started = time.perf_counter()
        self.stdout.write(f"Seeding at scale {scale:g} (today is {self.today:%d %b %Y}):")
        steps = [("reference data", self._reference_data),
                 ("institutions, applications, memberships", self._people_and_memberships),
                 ("rosters", self._rosters), ("billing", self._billing),
                 ("renewals", self._renewals),
                 ("collaboratives", self._collaboratives), ("PDSA cycles", self._cycles),
                 ("measures", self._measures)]
        with transaction.atomic():
            for label, step in steps:
                with self.timer.step(label):
                    step()
            self._sequences_reset()
        with self.timer.step("statistics"), self.timer("VACUUM ANALYZE"), \
                connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Seeded in {seconds:.1f} s."))

    # --- The database --------------------------------------------------------------------------
    def _database_ensure(self, *, reset: bool):
        """Create the bench database when missing (dropping it first with --reset), migrate."""
        conn = connections["default"]
        if conn.vendor != "postgresql":
            raise CommandError("bench_seed runs on PostgreSQL: set DATABASE_URL (make bench sets "
                               "it from BENCH_DATABASE_URL).")
        params = conn.settings_dict
        name = params["NAME"]
        if "bench" not in name:
            raise CommandError(f"Refusing to seed {name!r}: the bench database's name contains "
                               "'bench', so that no other database is touched.")
        conn.close()
        admin = {"dbname": "postgres", "host": params.get("HOST") or None,
                 "port": params.get("PORT") or None, "user": params.get("USER") or None,
                 "password": params.get("PASSWORD") or None}
        with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as db:
            exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                [name]).fetchone()
            if exists and reset:
                self.stdout.write(f"Dropping {name}.")
                db.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = None
            if not exists:
                self.stdout.write(f"Creating {name}.")
                db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Migrated in {time.perf_counter() - started:.1f} s.")

    def _sequences_reset(self):
        models = [m for m in apps.get_models(include_auto_created=True)
                  if m._meta.app_label in {"members", "billing", "collaboratives", "auth",
                                           "core"}]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)

    def n(self, full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * self.scale))

    # --- People, applications, memberships -----------------------------------------------------
    def _reference_data(self):
        with self.timer("tiers, fees, staff, coaches") as counter:
            self.tier1, self.tier2 = tiers_ensure()
            # Prices, payment terms and the commitment length, as the portal reads them.
            self.fees = fee_schedule_ensure(effective_from=FEES_FROM)
            self.coach_group, _ = Group.objects.get_or_create(
                name=settings.COLLABORATIVE_COACH_GROUP)
            staff_rows, self.staff_ids = [], []
            for i, user_id in enumerate(self.ids.take(User, 8)):
                first, last = FIRST[i * 7 % len(FIRST)], LAST[i * 11 % len(LAST)]
                staff_rows.append(self._user_row(
                    user_id, STAFF_EMAIL if i == 0 else f"staff{i}@{BENCH_DOMAIN}",
                    "Center" if i == 0 else first, "Staff" if i == 0 else last,
                    joined=date(2017, 7, 1), is_staff=True, is_superuser=i == 0))
                self.staff_ids.append(user_id)
            self.coach_ids = list(self.ids.take(User, 12))
            for i, user_id in enumerate(self.coach_ids):
                staff_rows.append(self._user_row(
                    user_id, f"coach{i + 1}@{BENCH_DOMAIN}", FIRST[(i * 5 + 3) % len(FIRST)],
                    LAST[(i * 13 + 2) % len(LAST)], joined=date(2019, 1, 7)))
            counter["n"] = copy_rows(User, staff_rows)
            copy_rows(User.groups.through, ({"user_id": u, "group_id": self.coach_group.pk}
                                            for u in self.coach_ids))

    def _user_row(self, user_id, email, first, last, *, joined, is_staff=False,
                  is_superuser=False):
        return {"id": user_id, "password": make_password(None), "last_login": None,
                "is_superuser": is_superuser, "first_name": first, "last_name": last,
                "email": email, "is_staff": is_staff, "is_active": True,
                "date_joined": _at(joined, 9)}

    def _person(self):
        return self.rng.choice(FIRST), self.rng.choice(LAST)

    def _places(self):
        places = [f"{prefix}{base}{suffix}" for base in PLACE_BASES for prefix in PLACE_PREFIXES
                  for suffix in PLACE_SUFFIXES]
        self.rng.shuffle(places)
        states = [code for code, _ in US_STATES]
        return [(place, self.rng.choice(states)) for place in places]

    def _institution_names(self):
        """Endless unique (name, city, state) per kind."""
        places = self._places()
        pools = {}
        for kind, patterns in ((Institution.Kind.LEA, LEA_PATTERNS),
                               (Institution.Kind.IHE, IHE_PATTERNS),
                               (Institution.Kind.YSO, YSO_PATTERNS)):
            pools[kind] = ((pattern.format(p=place), place, state)
                           for pattern in patterns for place, state in places)
        return pools

    def _people_and_memberships(self):
        rng, today = self.rng, self.today
        n_members = self.n(5000, 20)
        n_partner_m = round(n_members * 0.4)
        n_other = self.n(2200, 5)
        n_partner_o = round(n_other * 8 / 22)
        names = self._institution_names()

        # Which applications exist: (kind, outcome, tier, term_start or submitted date).
        plans = []
        current_from = add_years(today, -self.fees.commitment_years) + timedelta(days=1)
        first_start = date(2023, 7, 1)
        span = (today - timedelta(days=14) - first_start).days
        for i in range(n_members):
            partnership = i < n_partner_m
            start = first_start + timedelta(days=rng.randrange(span))
            plans.append({"partnership": partnership, "outcome": "approved",
                          "tier": self.tier2 if rng.random() < 0.3 else self.tier1,
                          "term_start": start})
        # The benchmark's large team: a Tier 2 partnership in its second year.
        plans[0].update(partnership=True, tier=self.tier2,
                        term_start=add_years(today, -1) - timedelta(days=100), big=True)
        # Enough current Tier 2 memberships to fill the collaboratives.
        wanted_tier2 = sum(self._teams_per_collaborative()) + 20
        current_tier2 = [p for p in plans if p["tier"] == self.tier2
                         and p["term_start"] >= current_from]
        for plan in plans[1:]:
            if len(current_tier2) >= wanted_tier2:
                break
            if plan["tier"] == self.tier1 and plan["term_start"] >= current_from:
                plan["tier"] = self.tier2
                current_tier2.append(plan)
        for i in range(n_other):
            outcome = rng.choices(["submitted", "waitlisted", "rejected", "withdrawn"],
                                  [35, 15, 35, 15])[0]
            recent = outcome in ("submitted", "waitlisted")
            days = rng.randrange(1, 90) if recent else rng.randrange(20, 1600)
            plans.append({"partnership": i < n_partner_o, "outcome": outcome,
                          "tier": self.tier2 if rng.random() < 0.35 else self.tier1,
                          "submitted": today - timedelta(days=days)})

        institution_rows, application_rows, app_inst_rows = [], [], []
        user_rows, membership_rows, mem_inst_rows, team_rows = [], [], [], []
        self.memberships = []  # plain dicts the later steps read
        user_ids = iter(self.ids.take(User, len(plans)))
        app_ids = iter(self.ids.take(MembershipApplication, len(plans)))
        membership_ids = iter(self.ids.take(Membership, n_members))
        team_ids = iter(self.ids.take(Team, n_members))
        inst_ids = iter(self.ids.take(Institution, sum(2 if p["partnership"] else 1
                                                       for p in plans)))
        app_through = MembershipApplication.institutions.through
        mem_through = Membership.institutions.through
        through_ids = iter(self.ids.take(app_through, sum(2 if p["partnership"] else 1
                                                          for p in plans)))
        mem_through_ids = iter(self.ids.take(mem_through, n_members * 2))

        def institution(kind, fixed=None):
            name, city, state = fixed or next(names[kind])
            inst_id = next(inst_ids)
            created = _at(today - timedelta(days=rng.randrange(30, 1800)), 9)
            institution_rows.append({
                "id": inst_id, "name": name, "kind": kind, "city": city, "state": state,
                "name_key": institution_name_key(name),
                "website": f"https://www.{_slug(name).replace('-', '')[:30]}.example.org",
                "nces_id": f"{rng.randrange(10**6, 10**7)}", "created_at": created,
                "updated_at": created})
            return inst_id, name, city, state

        for plan in plans:
            if plan["partnership"]:
                fixed = BIG_TEAM if plan.get("big") else (None, None)
                insts = [institution(Institution.Kind.LEA, fixed[0]),
                         institution(Institution.Kind.IHE, fixed[1])]
            else:
                kind = rng.choices([Institution.Kind.LEA, Institution.Kind.IHE,
                                    Institution.Kind.YSO], [61, 5, 34])[0]
                insts = [institution(kind)]
            first, last = self._person()
            user_id, app_id = next(user_ids), next(app_ids)
            lead_name = f"{first} {last}"
            org = _slug(insts[0][1]).replace("-", "")[:24]
            email = f"{first.lower()}.{last.lower()}.{user_id}@{org}.example.org"
            if plan["outcome"] == "approved":
                start = plan["term_start"]
                submitted = _at(start - timedelta(days=rng.randrange(7, 45)),
                                rng.randrange(8, 18), rng.randrange(60))
            else:
                submitted = _at(plan["submitted"], rng.randrange(8, 18), rng.randrange(60))
            user_rows.append(self._user_row(user_id, email, first, last,
                                            joined=submitted.date() - timedelta(days=1)))
            pays_by_po = rng.random() < 0.25
            big = plan.get("big", False)
            application = {
                "id": app_id, "applicant_id": user_id,
                "kind": "partnership" if plan["partnership"] else "single",
                "requested_tier_id": plan["tier"].pk,
                "problem_of_practice": rng.choice(PROBLEMS),
                "contact_name": lead_name, "contact_title": rng.choice(
                    ["Director of Improvement", "Assistant Superintendent", "Principal",
                     "Dean of Education", "Program Director"]),
                "contact_email": email, "contact_phone": f"555-{rng.randrange(100, 999)}-"
                                                         f"{rng.randrange(1000, 9999)}",
                # The large team's lead is also its billing contact.
                "billing_name": lead_name if big else "Accounts Payable",
                "billing_email": email if big else f"ap.{user_id}@{org}.example.org",
                "billing_address": f"{rng.randrange(1, 9999)} {rng.choice(LAST)} Avenue\n"
                                   f"{insts[0][2]}, {insts[0][3]} {rng.randrange(10000, 99999)}",
                "pays_by_po": pays_by_po,
                "po_number": f"PO-{submitted.year}-{rng.randrange(1000, 99999)}"
                if pays_by_po else "",
                "commitment_accepted": True, "status": plan["outcome"],
                "submitted_at": submitted, "approved_at": None, "rejected_at": None,
                "waitlisted_at": None, "withdrawn_at": None, "decided_by_id": None,
                "decision_reason": "", "created_at": submitted, "updated_at": submitted,
            }
            decided = submitted + timedelta(days=rng.randrange(3, 30))
            if plan["outcome"] == "approved":
                decided = _at(plan["term_start"], 10)
                application.update(approved_at=decided, decided_by_id=rng.choice(self.staff_ids),
                                   decision_reason="Welcome to the network.", updated_at=decided)
            elif plan["outcome"] == "rejected":
                application.update(rejected_at=decided, decided_by_id=rng.choice(self.staff_ids),
                                   decision_reason="Please apply again for the next cohort.",
                                   updated_at=decided)
            elif plan["outcome"] == "waitlisted":
                decided = min(decided, self.now)
                application.update(waitlisted_at=decided,
                                   decided_by_id=rng.choice(self.staff_ids),
                                   decision_reason="The cohort is full; you are on the list.",
                                   updated_at=decided)
            elif plan["outcome"] == "withdrawn":
                application.update(withdrawn_at=decided, updated_at=decided,
                                   status="withdrawn")
            application_rows.append(application)
            for inst in insts:
                app_inst_rows.append({"id": next(through_ids), "membershipapplication_id": app_id,
                                      "institution_id": inst[0]})
            if plan["outcome"] != "approved":
                continue
            start = plan["term_start"]
            # Inclusive, as application_approve sets it.
            end = last_day_of_years(start, self.fees.commitment_years)
            membership_id, team_id = next(membership_ids), next(team_ids)
            status, left_early_at, ended_at = "active", None, None
            if end < today:
                status, ended_at = "ended", _at(end + timedelta(days=1), 6)
            elif not big and rng.random() < 0.02:
                status = "left_early"
                left_early_at = _at(start + timedelta(days=rng.randrange(30, 400)), 11)
                if left_early_at > self.now:
                    status, left_early_at = "active", None
            membership = {
                "id": membership_id, "application_id": app_id, "tier_id": plan["tier"].pk,
                "term_start": start, "term_end": end, "status": status, "active_at": None,
                "left_early_at": left_early_at, "ended_at": ended_at,
                "created_at": decided, "updated_at": decided,
            }
            membership_rows.append(membership)
            for inst in insts:
                mem_inst_rows.append({"id": next(mem_through_ids), "membership_id": membership_id,
                                      "institution_id": inst[0]})
            team_name = " + ".join(inst[1] for inst in insts)
            team_rows.append({"id": team_id, "membership_id": membership_id, "name": team_name,
                              "created_at": decided, "updated_at": decided})
            self.memberships.append({
                "row": membership, "application": application, "team_id": team_id,
                "team_name": team_name, "lead_id": user_id, "institutions": len(insts),
                "institution_names": team_name, "tier": plan["tier"], "big": big,
            })

        with self.timer("institutions") as counter:
            counter["n"] = copy_rows(Institution, institution_rows)
        with self.timer("users (applicants, staff)") as counter:
            counter["n"] = copy_rows(User, user_rows)
        with self.timer("membership applications") as counter:
            counter["n"] = copy_rows(MembershipApplication, application_rows)
            copy_rows(app_through, app_inst_rows)
        with self.timer("memberships") as counter:
            counter["n"] = copy_rows(Membership, membership_rows)
            copy_rows(mem_through, mem_inst_rows)
        with self.timer("teams") as counter:
            counter["n"] = copy_rows(Team, team_rows)

    def _teams_per_collaborative(self) -> list[int]:
        """Enrolled teams in each collaborative, in COLLABORATIVES' order: the first (the
        benchmark's, where the largest team is enrolled) is a Breakthrough Series of 100 teams,
        the others 60."""
        return [max(3, round(full * min(self.scale, 1)))
                for full in [100] + [60] * (len(COLLABORATIVES) - 1)]

    # --- Rosters -------------------------------------------------------------------------------
    def _rosters(self):
        """Roster sizes that add up to the target, the lead first; extra seats where needed."""
        rng, today = self.rng, self.today
        target = self.n(60000, len(self.memberships) * 2)
        big_size = min(300, target // 20)
        sizes = {}
        others = [m for m in self.memberships if not m["big"]]
        large = rng.sample(others, min(len(others), max(1, len(others) // 100)))
        for m in self.memberships:
            if m["big"]:
                sizes[m["team_id"]] = big_size
        for m in large:
            sizes[m["team_id"]] = rng.randrange(25, 70)
        rest = [m for m in self.memberships if m["team_id"] not in sizes]
        remaining = target - sum(sizes.values())
        average = remaining / max(1, len(rest))
        low, high = max(2, math.floor(average - 4)), max(3, math.ceil(average + 4))
        for m in rest:
            sizes[m["team_id"]] = rng.randint(low, high)
        difference = target - sum(sizes.values())
        step = 1 if difference > 0 else -1
        while difference:
            m = rng.choice(rest)
            if sizes[m["team_id"]] + step >= 2:
                sizes[m["team_id"]] += step
                difference -= step

        user_rows, member_rows, invitation_rows = [], [], []
        total_new_users = sum(sizes.values()) - len(self.memberships)
        user_ids = iter(self.ids.take(User, total_new_users))
        member_ids = iter(self.ids.take(TeamMember, sum(sizes.values())))
        self.team_users = {}  # team id -> active user ids (lead first)
        for m in self.memberships:
            row = m["row"]
            start, end = row["term_start"], min(row["term_end"], today)
            days = max(1, (end - start).days)
            size = sizes[m["team_id"]]
            removed = round(size * (0.16 if m["big"] else rng.uniform(0.0, 0.25)))
            active_users = [m["lead_id"]]
            lead_joined = _at(start, 10)
            member_rows.append(self._member_row(next(member_ids), m["team_id"], m["lead_id"],
                                                Role.LEAD, lead_joined))
            org = _slug(m["team_name"]).replace("-", "")[:20]
            for k in range(1, size):
                first, last = self._person()
                user_id = next(user_ids)
                joined = _at(start + timedelta(days=rng.randrange(days)), rng.randrange(8, 18))
                user_rows.append(self._user_row(
                    user_id, f"{first.lower()}.{last.lower()}.{user_id}@{org}.example.org",
                    first, last, joined=joined.date()))
                role = (Role.SPONSOR if k == 1 else Role.DATA_ANALYST if k == 2
                        else Role.COACH if k == 3 else Role.MEMBER)
                member = self._member_row(next(member_ids), m["team_id"], user_id, role, joined)
                if k > size - 1 - removed and role == Role.MEMBER:
                    removed_at = joined + timedelta(days=rng.randrange(1, max(2, days)))
                    member.update(status="removed", removed_at=min(removed_at, self.now),
                                  removed_by_id=m["lead_id"], updated_at=min(removed_at,
                                                                             self.now))
                else:
                    active_users.append(user_id)
                member_rows.append(member)
            self.team_users[m["team_id"]] = active_users
            m["active"] = len(active_users)
            # Pending invitations hold seats too: a few teams have some out.
            pending = 0
            if row["status"] in Membership.CURRENT and (m["big"] or rng.random() < 0.08):
                pending = 4 if m["big"] else rng.randint(1, 3)
            for _ in range(pending):
                first, last = self._person()
                expires = self.now + timedelta(days=rng.randrange(1, 14), hours=rng.randrange(24))
                sent = expires - timedelta(days=settings.INVITATION_EXPIRY_DAYS)
                invitation_rows.append({
                    "team_id": m["team_id"], "name": f"{first} {last}",
                    "email": f"{first.lower()}.{last.lower()}.{rng.randrange(10**6)}@{org}"
                             ".example.org",
                    "role": Role.MEMBER, "status": "pending", "expires_at": expires,
                    "invited_by_id": m["lead_id"], "accepted_by_id": None, "accepted_at": None,
                    "revoked_at": None, "sent_count": 1, "created_at": sent, "updated_at": sent})
            m["pending"] = pending
            covered = covered_seats(per_institution=m["tier"].covered_seats_per_institution,
                                    institutions=m["institutions"], granted=0)
            m["need"] = max(0, m["active"] + pending - covered)

        with self.timer("users (roster)") as counter:
            counter["n"] = copy_rows(User, user_rows)
        with self.timer("team members (roster entries)") as counter:
            counter["n"] = copy_rows(TeamMember, member_rows)
        with self.timer("invitations") as counter:
            counter["n"] = copy_rows(Invitation, invitation_rows)

    def _member_row(self, member_id, team_id, user_id, role, joined):
        return {"id": member_id, "team_id": team_id, "user_id": user_id, "role": role,
                "status": "active", "removed_at": None, "removed_by_id": None,
                "created_at": joined, "updated_at": joined}

    # --- Billing -------------------------------------------------------------------------------
    def _billing(self):
        rng, today = self.rng, self.today
        target = self.n(20000, len(self.memberships))
        invoices = []  # dicts, numbered after sorting by issue date
        lead_days = settings.BILLING_YEAR2_LEAD_DAYS
        for m in self.memberships:
            row = m["row"]
            membership = self._membership(m)
            left = row["left_early_at"]
            # Year 1 on approval; each later year on the first day the daily job finds it due.
            for year in range(1, commitment_years_in_term(membership) + 1):
                issue_date = (row["term_start"] if year == 1 else
                              commitment_year_start(membership, year) - timedelta(days=lead_days))
                if issue_date > today or (left is not None and left.date() <= issue_date):
                    break
                invoices.append({"m": m, "kind": "commitment", "year": year,
                                 "issue_date": issue_date})
        extra = max(0, target - len(invoices))
        needers = [m for m in self.memberships if m["need"] > 0]
        grants_of = defaultdict(int)
        for m in needers[:extra]:
            grants_of[m["team_id"]] += 1
        for m in needers[extra:]:  # too few invoices at this scale: trim the roster instead
            m["need"] = 0
        spare = extra - len(grants_of)
        pool = [m for m in self.memberships
                if (min(m["row"]["term_end"], today) - m["row"]["term_start"]).days > 30]
        for m in rng.choices(pool, k=spare) if pool and spare > 0 else []:
            grants_of[m["team_id"]] += 1

        grant_rows = []
        by_team = {m["team_id"]: m for m in self.memberships}
        grant_ids = iter(self.ids.take(SeatGrant, sum(grants_of.values())))
        for team_id, count in grants_of.items():
            m = by_team[team_id]
            row = m["row"]
            seats_total = max(count, m["need"] + rng.randint(0, 2))
            split = [1] * count
            for _ in range(seats_total - count):
                split[rng.randrange(count)] += 1
            first_day = row["term_start"] + timedelta(days=min(20, max(0, (today - row[
                "term_start"]).days)))
            last_day = min(today, row["term_end"])
            if row["left_early_at"]:
                last_day = min(last_day, row["left_early_at"].date() - timedelta(days=1))
            last_day = max(first_day, last_day)
            days = sorted(first_day + timedelta(days=rng.randrange((last_day - first_day).days + 1))
                          for _ in range(count))
            for seats, issue_date in zip(split, days, strict=True):
                invoice = {"m": m, "kind": "extra_seats", "year": None, "issue_date": issue_date,
                           "seats": seats}
                invoices.append(invoice)
                invoice["grant_id"] = next(grant_ids)
                granted_by = rng.choice(self.staff_ids)
                invoice["issued_by_id"] = granted_by
                grant_rows.append({"id": invoice["grant_id"], "membership_id": row["id"],
                                   "seats": seats, "granted_by_id": granted_by,
                                   "created_at": _at(issue_date, 11),
                                   "updated_at": _at(issue_date, 11), "invoice": invoice})

        # Gapless numbers per fiscal year, in issue order.
        invoices.sort(key=lambda i: (i["issue_date"], i["kind"] != "commitment",
                                     i["m"]["row"]["id"]))
        counters = defaultdict(int)
        invoice_ids = iter(self.ids.take(Invoice, len(invoices)))
        line_ids = iter(self.ids.take(InvoiceLine, len(invoices)))
        invoice_rows, line_rows, payment_rows = [], [], []
        stripe_n = 0
        for invoice in invoices:
            m = invoice["m"]
            row, application = m["row"], m["application"]
            fiscal_year = fiscal_year_of(invoice["issue_date"])
            counters[fiscal_year] += 1
            sequence = counters[fiscal_year]
            invoice_id = next(invoice_ids)
            number = invoice_number_format(fiscal_year=fiscal_year, sequence=sequence)
            if invoice["kind"] == "commitment":
                membership = self._membership(m)
                line = dues_line(membership=membership, year=invoice["year"],
                                 years=commitment_years_in_term(membership), fees=self.fees)
            else:
                line = extra_seats_line(tier=m["tier"], seats=invoice["seats"], fees=self.fees)
                invoice["grant_reason"] = f"Invoice {number}"
            issued_at = _at(invoice["issue_date"], 10, 5)
            status, paid_at, void_at, uncollectible_at, void_reason = self._invoice_fate(
                invoice, m)
            due = invoice["issue_date"] + timedelta(days=self.fees.net_days)
            stripe = status == "paid" and rng.random() < 0.25
            stripe_invoice_id = ""
            if stripe:
                stripe_n += 1
                stripe_invoice_id = f"in_bench{stripe_n:07d}"
            invoice_rows.append({
                "id": invoice_id, "membership_id": row["id"], "kind": invoice["kind"],
                "commitment_year": invoice["year"], "status": status, "number": number,
                "fiscal_year": fiscal_year, "sequence": sequence,
                "issue_date": invoice["issue_date"], "due_date": due,
                "net_days": self.fees.net_days, "total": line.amount,
                "bill_to_name": application["billing_name"],
                "bill_to_email": application["billing_email"],
                "bill_to_address": application["billing_address"],
                "bill_to_institutions": m["institution_names"][:450],
                "po_number": application["po_number"], "open_at": issued_at, "paid_at": paid_at,
                "void_at": void_at, "uncollectible_at": uncollectible_at,
                "void_reason": void_reason, "issued_by_id": invoice.get("issued_by_id"),
                "pdf_path": f"invoices/{fiscal_year}/bench-{invoice_id:06d}.pdf",
                "delivered_at": issued_at + timedelta(minutes=2),
                "stripe_customer_id": f"cus_bench{row['id']:06d}" if stripe else "",
                "stripe_invoice_id": stripe_invoice_id,
                "hosted_invoice_url": (f"https://invoice.stripe.example/{stripe_invoice_id}"
                                       if stripe else ""),
                "created_at": issued_at, "updated_at": paid_at or void_at or uncollectible_at
                or issued_at,
            })
            line_rows.append({"id": next(line_ids), "invoice_id": invoice_id, "position": 1,
                              "description": line.description, "quantity": line.quantity,
                              "unit_price": line.unit_price, "amount": line.amount})
            payment_rows.extend(self._payments(invoice_id, line.amount, status, paid_at,
                                               invoice["issue_date"], stripe_invoice_id,
                                               application))
            if invoice["kind"] == "commitment" and invoice["year"] == 1 and paid_at:
                row["active_at"] = paid_at
        # Memberships whose first invoice is not paid yet are still pending.
        for m in self.memberships:
            row = m["row"]
            if row["status"] == "active" and row["active_at"] is None:
                row["status"] = "pending"
        for grant in grant_rows:
            grant["reason"] = grant.pop("invoice")["grant_reason"]

        with self.timer("invoices") as counter:
            counter["n"] = copy_rows(Invoice, invoice_rows)
        with self.timer("invoice lines") as counter:
            counter["n"] = copy_rows(InvoiceLine, line_rows)
        with self.timer("payments") as counter:
            counter["n"] = copy_rows(Payment, payment_rows)
        with self.timer("seat grants") as counter:
            counter["n"] = copy_rows(SeatGrant, grant_rows)
        with self.timer("invoice number counters") as counter:
            counter["n"] = copy_rows(InvoiceNumberCounter, (
                {"fiscal_year": year, "last_number": last} for year, last in counters.items()))
        # A membership turns active with its first payment; one not paid yet stays pending.
        with self.timer("memberships: status from payments") as counter, \
                connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_membership_status (id bigint, status text, "
                           "active_at timestamptz) ON COMMIT DROP")
            with cursor.cursor.copy("COPY bench_membership_status FROM STDIN") as copy:
                for m in self.memberships:
                    copy.write_row([m["row"]["id"], m["row"]["status"], m["row"]["active_at"]])
            cursor.execute("UPDATE members_membership m SET status = s.status, "
                           "active_at = s.active_at FROM bench_membership_status s "
                           "WHERE m.id = s.id")
            counter["n"] = cursor.rowcount

    def _renewals(self):
        """Renewals as the daily job and the members would have left them by today: an offer
        for every membership whose commitment ends within the offer window or ended in the last
        60 days. Of those still ahead, most are unanswered and some declined; of those behind,
        unanswered ones are in grace (up to 30 days) or lapsed, declined ones ended. (Accepted
        renewals are not seeded: each issues an invoice through the billing services.)"""
        rng, today = self.rng, self.today
        window = settings.RENEWAL_OFFER_DAYS
        rows, statuses = [], []
        self.renewal_ids = iter(self.ids.take(Renewal, len(self.memberships)))
        reasons = [choice for choice, _label in Renewal.DeclineReason.choices]
        for m in self.memberships:
            row = m["row"]
            anniversary = row["term_end"] + timedelta(days=1)
            days_left = (anniversary - today).days
            if m["big"] or row["status"] == "left_early" or not -60 <= days_left <= window:
                continue
            partnership = m["application"]["kind"] == MembershipApplication.Kind.PARTNERSHIP
            offered = _at(anniversary - timedelta(days=window), 6)
            renewal = {
                "id": next(self.renewal_ids), "membership_id": row["id"],
                "anniversary": anniversary, "status": "offered",
                "annual_fee": (self.fees.partnership_fee if partnership
                               else self.fees.institution_fee),
                "commitment_years": self.fees.commitment_years, "offered_at": offered,
                "created_at": offered, "updated_at": offered, "decline_reason": "",
                "decline_details": "",
            }
            if rng.random() < 0.15 and offered < self.now:
                answered = offered + timedelta(days=rng.randrange(1, 60))
                renewal.update(status="declined", declined_at=min(answered, self.now),
                               decline_reason=rng.choice(reasons), answered_by_id=m["lead_id"],
                               decline_details=rng.choice(["", "Our board cut the budget."]))
            elif days_left < 0:
                statuses.append((row["id"], "in_grace" if days_left >= -30 else "lapsed"))
            rows.append(renewal)
        with self.timer("renewal offers and answers") as counter:
            counter["n"] = copy_rows(Renewal, rows)
        with self.timer("memberships in grace or lapsed") as counter, \
                connection.cursor() as cursor:
            for membership_id, status in statuses:
                cursor.execute("UPDATE members_membership SET status = %s, ended_at = NULL "
                               "WHERE id = %s", [status, membership_id])
            counter["n"] = len(statuses)

    def _membership(self, m) -> Membership:
        """The membership as billing's rules read it (unsaved: the row goes in by COPY)."""
        if "membership" not in m:
            row = m["row"]
            m["membership"] = Membership(
                id=row["id"], term_start=row["term_start"], term_end=row["term_end"],
                tier=m["tier"], application=MembershipApplication(kind=m["application"]["kind"]))
        return m["membership"]

    def _invoice_fate(self, invoice, m):
        """(status, paid_at, void_at, uncollectible_at, void reason) as the services would have
        left them by today."""
        rng, row = self.rng, m["row"]
        issue = invoice["issue_date"]
        age = (self.today - issue).days
        left = row["left_early_at"]
        none = (None, None, None, "")
        if left is not None and invoice["kind"] == "commitment" and invoice["year"] == 2:
            return "void", None, left, None, "The member left early (staff decision)."
        if m["big"] and invoice["kind"] == "commitment":
            pass  # the large team pays its commitment years
        elif invoice["kind"] == "commitment" and invoice["year"] == 1:
            # Most pay the first year within weeks; a few recent ones have not yet.
            unpaid = 0.5 if age < 45 else 0.04 if row["term_end"] > self.today else 0.0
            if rng.random() < unpaid:
                return "open", *none
        elif rng.random() < (0.6 if age < 45 else 0.12):
            return "open", *none
        if age > 200 and rng.random() < 0.015:
            return ("uncollectible", None, None,
                    _at(issue + timedelta(days=180), 15), "")
        if age > 60 and rng.random() < 0.01:
            return "void", None, _at(issue + timedelta(days=rng.randrange(2, 40)), 14), None, \
                "Issued to the wrong billing contact; reissued."
        paid_on = issue + timedelta(days=rng.randrange(3, 45))
        if paid_on > self.today:
            return "open", *none
        return "paid", _at(paid_on, 12, 30), None, None, ""

    def _payments(self, invoice_id, total, status, paid_at, issue_date, stripe_invoice_id,
                  application):
        rng = self.rng
        rows = []

        def payment(amount, day, method, reference=""):
            row = {"invoice_id": invoice_id, "amount": amount, "received_on": day,
                   "method": method, "reference": reference, "stripe_invoice_id": "",
                   "stripe_payment_id": "", "recorded_by_id": None,
                   "recorded_at": _at(day, 12, 30)}
            if method == "stripe":
                row.update(stripe_invoice_id=stripe_invoice_id,
                           stripe_payment_id=stripe_invoice_id.replace("in_", "pi_"))
            else:
                row["recorded_by_id"] = rng.choice(self.staff_ids)
            rows.append(row)

        if status == "paid":
            if stripe_invoice_id:
                payment(total, paid_at.date(), "stripe")
            else:
                method = "po" if application["pays_by_po"] else rng.choices(
                    ["check", "ach", "wire"], [55, 38, 7])[0]
                reference = (application["po_number"] if method == "po"
                             else f"{rng.randrange(1000, 99999)}")
                if rng.random() < 0.1 and total >= Decimal("1000.00"):
                    first = (total / 2).quantize(Decimal("0.01"))
                    earlier = max(issue_date, paid_at.date() - timedelta(days=20))
                    payment(first, earlier, method, reference)
                    payment(total - first, paid_at.date(), method, reference)
                else:
                    payment(total, paid_at.date(), method, reference)
        elif status == "open" and rng.random() < 0.2 and total >= Decimal("1000.00"):
            day = min(self.today, issue_date + timedelta(days=rng.randrange(5, 30)))
            payment((total / 2).quantize(Decimal("0.01")), day, "check",
                    f"{rng.randrange(1000, 99999)}")
        return rows

    # --- Collaboratives ------------------------------------------------------------------------
    def _collaboratives(self):
        rng, today = self.rng, self.today
        per = self._teams_per_collaborative()
        eligible = [m for m in self.memberships
                    if m["tier"] == self.tier2 and m["row"]["status"] in Membership.CURRENT
                    and not m["big"]]
        rng.shuffle(eligible)
        big = next(m for m in self.memberships if m["big"])
        self.collaboratives = []
        collab_ids = iter(self.ids.take(Collaborative, len(COLLABORATIVES)))
        rows = {k: [] for k in ("collab", "phase", "convening", "period", "driver", "idea",
                                "enrollment", "aim", "call", "attendee", "rsvp")}
        convening_ids = iter(self.ids.take(Convening, len(COLLABORATIVES) * len(CONVENING_DAYS)))
        period_ids = iter(self.ids.take(ActionPeriod, len(COLLABORATIVES) * (
            len(CONVENING_DAYS) - 1)))
        n_ideas = sum(len(ideas) for c in COLLABORATIVES for ideas in c[5].values())
        idea_ids = iter(self.ids.take(ChangeIdea, n_ideas))
        driver_ids = iter(self.ids.take(PrimaryDriver, sum(len(c[5]) for c in COLLABORATIVES)))
        enrollment_ids = iter(self.ids.take(Enrollment, sum(per)))
        call_ids = iter(self.ids.take(CoachingCall, sum(per) * 20))
        grade_bands = ["elementary", "middle", "high", "k12", "postsec"]
        locales = ["urban", "suburban", "town", "rural"]
        for index, (slug, name, problem, age, aim, drivers) in enumerate(COLLABORATIVES):
            start = today - timedelta(days=age)
            end = add_years(start, 1) - timedelta(days=1)
            collab_id = next(collab_ids)
            created = _at(start - timedelta(days=60), 9)
            rows["collab"].append({
                "id": collab_id, "name": f"{name} {start.year}-{(start.year + 1) % 100:02d}",
                "slug": f"{slug}-{start.year}", "problem_of_practice": problem, "start": start,
                "end": end, "aim": aim, "enrollment_open": False, "created_at": created,
                "updated_at": created})
            for kind, first, last in PHASE_DAYS:
                rows["phase"].append({
                    "collaborative_id": collab_id, "kind": kind,
                    "start": start + timedelta(days=first),
                    "end": min(end, start + timedelta(days=last)),
                    "summary": f"{kind.capitalize()}: what teams do in this phase.",
                    "created_at": created, "updated_at": created})
            convenings = []
            for number, offset in enumerate(CONVENING_DAYS, start=1):
                day = start + timedelta(days=offset)
                online = number % 2 == 0
                convening_id = next(convening_ids)
                convenings.append((convening_id, day))
                rows["convening"].append({
                    "id": convening_id, "collaborative_id": collab_id,
                    "title": f"Convening {number}: " + ("learning session" if not online
                                                         else "online check-in"),
                    "format": "online" if online else "in_person",
                    "starts_at": _at(day, 9), "ends_at": _at(day, 16),
                    "venue": "" if online else "University of Mississippi, Jackson Avenue Center",
                    "address": "" if online else "1111 Jackson Ave W\nOxford, MS 38655",
                    "meeting_link": f"https://meet.example.org/ncsup-{slug}-{number}"
                    if online else "",
                    "agenda": "Welcome; team storyboards; PDSA planning; coaching breakouts.",
                    "status": "scheduled", "cancelled_at": None, "cancellation_reason": "",
                    "revision": 0, "created_at": created, "updated_at": created})
            periods = []
            for (opening, opening_day), (closing, closing_day) in pairwise(convenings):
                period_id = next(period_ids)
                periods.append({"id": period_id, "start": opening_day, "end": closing_day})
                rows["period"].append({
                    "id": period_id, "collaborative_id": collab_id,
                    "opening_convening_id": opening, "closing_convening_id": closing,
                    "expected_cycles": CYCLES_PER_PERIOD_EXPECTED, "created_at": created,
                    "updated_at": created})
            ideas = []
            for position, (driver, titles) in enumerate(drivers.items()):
                driver_id = next(driver_ids)
                rows["driver"].append({"id": driver_id, "collaborative_id": collab_id,
                                       "title": driver, "description": "",
                                       "position": position, "created_at": created,
                                       "updated_at": created})
                for idea_position, title in enumerate(titles):
                    idea_id = next(idea_ids)
                    ideas.append((idea_id, title))
                    rows["idea"].append({"id": idea_id, "primary_driver_id": driver_id,
                                         "title": title, "description": "",
                                         "position": idea_position,
                                         "added_by_id": self.staff_ids[0],
                                         "created_at": created, "updated_at": created})
            first = sum(per[:index])
            teams = [big, *eligible][first:first + per[index]]
            enrollments = []
            for k, m in enumerate(teams):
                enrollment_id = next(enrollment_ids)
                coach = self.coach_ids[(k + index * 4) % len(self.coach_ids)]
                enrolled = _at(start - timedelta(days=rng.randrange(5, 40)), 11)
                enrollments.append({"id": enrollment_id, "team_id": m["team_id"],
                                    "coach_id": coach, "m": m})
                rows["enrollment"].append({
                    "id": enrollment_id, "collaborative_id": collab_id, "team_id": m["team_id"],
                    "coach_id": coach, "enrolled_by_id": self.staff_ids[0],
                    "grade_band": rng.choice(grade_bands), "locale": rng.choice(locales),
                    "created_at": enrolled, "updated_at": enrolled})
                if rng.random() < 0.9:
                    rows["aim"].append({
                        "enrollment_id": enrollment_id,
                        "what": f"reduce {problem.lower()} in grades "
                                f"{rng.choice(['K-5', '6-8', '9-12'])}",
                        "how_much": f"from {rng.randrange(18, 35)}% to {rng.randrange(8, 17)}%",
                        "by_when": end, "set_by_id": m["lead_id"],
                        "created_at": _at(start + timedelta(days=10), 15),
                        "updated_at": _at(start + timedelta(days=10), 15)})
                day = start + timedelta(days=7)
                while day < today and day <= end:
                    call_id = next(call_ids)
                    rows["call"].append({
                        "id": call_id, "enrollment_id": enrollment_id, "held_on": day,
                        "other_attendees": "",
                        "notes": "Reviewed the run chart and last week's PDSA cycles.",
                        "next_steps": "Run the next test with two more classrooms.",
                        "logged_by_id": coach, "created_at": _at(day, 15),
                        "updated_at": _at(day, 15)})
                    rows["attendee"].append({"coachingcall_id": call_id,
                                             "user_id": m["lead_id"]})
                    day += timedelta(days=21)
            upcoming = next(((cid, day) for cid, day in convenings if day > today), None)
            if upcoming:
                for e in enrollments[: max(1, len(enrollments) // 2)]:
                    for user_id in self.team_users[e["team_id"]][:3]:
                        rows["rsvp"].append({"convening_id": upcoming[0], "user_id": user_id,
                                             "response": rng.choice(["yes", "yes", "maybe",
                                                                     "no"]),
                                             "created_at": self.now, "updated_at": self.now})
            self.collaboratives.append({"id": collab_id, "start": start, "end": end,
                                        "age": age, "periods": periods, "ideas": ideas,
                                        "enrollments": enrollments, "problem": problem})

        with self.timer("collaboratives, phases, convenings") as counter:
            counter["n"] = (copy_rows(Collaborative, rows["collab"])
                            + copy_rows(Phase, rows["phase"])
                            + copy_rows(Convening, rows["convening"])
                            + copy_rows(ActionPeriod, rows["period"]))
        with self.timer("drivers and change ideas") as counter:
            counter["n"] = (copy_rows(PrimaryDriver, rows["driver"])
                            + copy_rows(ChangeIdea, rows["idea"]))
        with self.timer("enrollments and aims") as counter:
            counter["n"] = (copy_rows(Enrollment, rows["enrollment"])
                            + copy_rows(TeamAim, rows["aim"]))
        with self.timer("coaching calls, RSVPs") as counter:
            counter["n"] = (copy_rows(CoachingCall, rows["call"])
                            + copy_rows(CoachingCall.attendees.through, rows["attendee"])
                            + copy_rows(RSVP, rows["rsvp"]))

    def _cycles(self):
        rng, today = self.rng, self.today
        target = self.n(100000, 50)
        total_age = sum(c["age"] for c in self.collaboratives)
        cycle_rows, comment_rows = [], []
        cycle_ids = iter(self.ids.take(PDSACycle, target * 2))
        self.cycle_index = []  # (cycle id, team id, collaborative index) for measures
        remaining = target
        for index, collab in enumerate(self.collaboratives):
            share = (remaining if index == len(self.collaboratives) - 1
                     else round(target * collab["age"] / total_age))
            remaining -= share
            started = [p for p in collab["periods"] if p["start"] <= today]
            current = next((p for p in started if p["end"] > today), None)
            past = [p for p in started if p is not current] or started
            enrollments = collab["enrollments"]
            per_team = [share // len(enrollments)] * len(enrollments)
            for k in range(share - sum(per_team)):
                per_team[k] += 1
            for enrollment, count in zip(enrollments, per_team, strict=True):
                users = self.team_users[enrollment["team_id"]]
                in_current = min(count, rng.randint(0, 6)) if current else 0
                plan = [current] * in_current + [past[i % len(past)]
                                                 for i in range(count - in_current)]
                for n, period in enumerate(plan, start=1):
                    cycle_id = next(cycle_ids)
                    idea_id, idea = rng.choice(collab["ideas"])
                    span = max(1, (min(period["end"], today) - period["start"]).days)
                    created = _at(period["start"] + timedelta(days=rng.randrange(span)),
                                  rng.randrange(8, 17), rng.randrange(60))
                    is_current = period is current
                    status = rng.choices(["completed", "in_progress", "planned"],
                                         [40, 35, 25] if is_current else [88, 8, 4])[0]
                    row = self._cycle_row(cycle_id, enrollment["team_id"], period["id"], idea_id,
                                          idea, n, status, created, rng.choice(users),
                                          collab["problem"])
                    status = row["status"]
                    cycle_rows.append(row)
                    self.cycle_index.append((cycle_id, enrollment["team_id"], index, status))
                    if status == "completed" and rng.random() < 0.05:
                        comment_rows.append({
                            "cycle_id": cycle_id, "author_id": enrollment["coach_id"],
                            "body": "Nice test. What would it take to try it in two more "
                                    "classrooms?",
                            "created_at": row["completed_at"] + timedelta(hours=20)})
        with self.timer("PDSA cycles") as counter:
            counter["n"] = copy_rows(PDSACycle, cycle_rows)
        with self.timer("cycle comments") as counter:
            counter["n"] = copy_rows(CycleComment, comment_rows)

    def _cycle_row(self, cycle_id, team_id, period_id, idea_id, idea, n, status, created,
                   user_id, problem):
        rng = self.rng
        duration = timedelta(days=rng.randrange(7, 21))
        if status == "completed" and created + duration > self.now:
            status = "in_progress"  # a test takes a week or more: this one is still running
        grade = rng.choice(["grade 3", "grade 5", "grade 7", "grade 9", "two homerooms",
                            "one classroom", "the sixth-grade team"])
        row = {
            "id": cycle_id, "team_id": team_id, "action_period_id": period_id,
            "change_idea_id": idea_id, "title": f"{idea} ({grade}, test {n})",
            "question": f"Will “{idea.lower()}” with {grade} move {problem.lower()} within two "
                        "weeks?",
            "prediction": f"We expect a visible change for {grade} within two weeks, because "
                          "students and families told us this is what gets in the way.",
            "plan_who": f"The {grade} teacher and the data analyst",
            "plan_what": f"Try “{idea.lower()}” every day for two weeks and keep a tally.",
            "plan_when": "Next two weeks", "plan_where": grade.capitalize(),
            "data_to_collect": "Daily tally, and a short exit survey on Friday.",
            "what_happened": "", "surprises": "", "results": "", "learning": "",
            "decision": "", "next_step": "", "status": status, "in_progress_at": None,
            "completed_at": None, "created_by_id": user_id, "created_at": created,
            "updated_at": created}
        if status in ("in_progress", "completed"):
            row["in_progress_at"] = min(created + timedelta(days=2), self.now)
            row["what_happened"] = ("We ran the test as planned on eight of ten days; two days "
                                    "were lost to testing.")
        if status == "completed":
            completed = created + duration
            decision = rng.choices(["adopt", "adapt", "abandon"], [45, 40, 15])[0]
            row.update(
                completed_at=completed, updated_at=completed, decision=decision,
                surprises="Families answered texts more than calls.",
                results=f"The tally moved by {rng.randrange(1, 12)} points against a predicted "
                        f"{rng.randrange(3, 10)}.",
                learning="It works when the message is personal and comes the same day.",
                next_step={"adopt": "Make it routine in every homeroom.",
                           "adapt": "Change the timing and test again.",
                           "abandon": "Stop, and try another idea from the driver diagram."}[
                    decision])
        return row

    # --- Measures ------------------------------------------------------------------------------
    def _measures(self):
        """Measures and their values, when the collaboratives app has them."""
        try:
            apps.get_model("collaboratives", "MeasureValue")
        except LookupError:
            self.stdout.write("  (no Measure model: measures not seeded)")
            return
        rows = self._measure_rows()
        models = apps.get_app_config("collaboratives")
        measure_model = models.get_model("Measure")
        with self.timer("measures") as counter:
            counter["n"] = copy_rows(measure_model, rows["measure"])
        with self.timer("measure values") as counter:
            counter["n"] = copy_rows(models.get_model("MeasureValue"), rows["value"])
        with self.timer("chart settings, phases, marks") as counter:
            counter["n"] = (copy_rows(models.get_model("TeamMeasure"), rows["setting"])
                            + copy_rows(models.get_model("MeasurePhase"), rows["phase"])
                            + copy_rows(models.get_model("AstronomicalPoint"),
                                        rows["astronomical"]))
        with self.timer("PDSA cycles marked on measures") as counter:
            counter["n"] = copy_rows(PDSACycle.measures.through, rows["link"])

    def _measure_rows(self):
        """Weekly values of eight measures per collaborative for every enrolled team, from
        about two and a half years before today (teams load their history by CSV, then enter a
        value a week), so that the values add up to the target. Most teams improve after the
        collaborative starts, so their charts show shifts."""
        rng, today = self.rng, self.today
        measure_model = apps.get_model("collaboratives", "Measure")
        value_model = apps.get_model("collaboratives", "MeasureValue")
        # 200,000 values for 180 enrolled teams; as many weeks a team with 100 in the first.
        target = self.n(round(200000 * sum(self._teams_per_collaborative()) / 180), 100)
        family = len(MEASURES)
        series = sum(len(c["enrollments"]) for c in self.collaboratives) * family
        latest = today - timedelta(days=today.weekday() + 7)  # last week's Monday
        lengths = [target // series + (1 if i < target % series else 0) for i in range(series)]
        for i in range(0, series - 1, 2):  # vary the history's length, keeping the sum
            shift = rng.randint(0, min(8, lengths[i + 1] - 2))
            lengths[i] += shift
            lengths[i + 1] -= shift
        lengths = iter(lengths)
        rows = {k: [] for k in ("measure", "value", "setting", "phase", "astronomical",
                                "link")}
        measure_ids = iter(self.ids.take(measure_model, len(self.collaboratives) * family))
        value_ids = iter(self.ids.take(value_model, target))
        measures_of = {}
        for index, collab in enumerate(self.collaboratives):
            created = _at(collab["start"] - timedelta(days=30), 9)
            measures_of[index] = []
            for position, (name, kind, unit, basis, better, level, goal, definition) in (
                    enumerate(MEASURES)):
                measure_id = next(measure_ids)
                name = name.format(problem=collab["problem"].lower())
                measures_of[index].append((measure_id, kind, unit, better, level))
                rows["measure"].append({
                    "id": measure_id, "collaborative_id": collab["id"], "name": name,
                    "kind": kind, "operational_definition": definition, "unit": unit,
                    "rate_basis": basis, "better": better, "sampling": "weekly",
                    "goal": None if goal is None else Decimal(goal), "position": position,
                    "created_by_id": self.staff_ids[0], "created_at": created,
                    "updated_at": created})
            for enrollment in collab["enrollments"]:
                team_id, lead = enrollment["team_id"], self.team_users[enrollment["team_id"]][0]
                improves = rng.random() < 0.65
                for measure_id, kind, unit, better, level in measures_of[index]:
                    length = next(lengths)
                    level = float(level) * rng.uniform(0.7, 1.3)
                    step = (-1 if better == "down" else 1) * level * rng.uniform(0.08, 0.2)
                    first = latest - timedelta(weeks=length - 1)
                    change = collab["start"] + timedelta(weeks=rng.randint(4, 10))
                    for week in range(length):
                        period = first + timedelta(weeks=week)
                        value = level + (step if improves and period >= change else 0)
                        value += rng.gauss(0, level * 0.06)
                        value = max(0.0, min(100.0, value) if unit == "percent" else value)
                        value = (Decimal(round(value)) if unit == "count"
                                 else Decimal(f"{value:.1f}"))
                        entered = min(_at(period + timedelta(days=7), 16), self.now)
                        value_id = next(value_ids)
                        rows["value"].append({
                            "id": value_id, "team_id": team_id, "measure_id": measure_id,
                            "period": period, "value": value, "note": "",
                            "source": "csv" if period < collab["start"] else "form",
                            "entered_by_id": lead, "created_at": entered,
                            "updated_at": entered})
                        if rng.random() < 0.003:
                            rows["astronomical"].append({
                                "value_id": value_id, "marked_by_id": enrollment["coach_id"],
                                "reason": "A snow day closed the schools for most of the week.",
                                "marked_at": entered + timedelta(days=2)})
                    if kind == "outcome":
                        rows["setting"].append({
                            "team_id": team_id, "measure_id": measure_id, "baseline_points": 12,
                            "baseline_median": None, "goal": None, "updated_by_id": lead,
                            "created_at": _at(collab["start"], 12),
                            "updated_at": _at(collab["start"], 12)})
                        if improves and change <= latest:
                            rows["phase"].append({
                                "team_id": team_id, "measure_id": measure_id,
                                "starts_on": change, "label": "First changes tested",
                                "added_by_id": lead, "created_at": _at(change, 12),
                                "updated_at": _at(change, 12)})
        # One completed cycle in ten is marked on one of the collaborative's measures.
        for cycle_id, _team_id, index, status in self.cycle_index:
            if status == "completed" and rng.random() < 0.1:
                measure_id = rng.choice(measures_of[index][:4])[0]
                rows["link"].append({"pdsacycle_id": cycle_id, "measure_id": measure_id})
        return rows
