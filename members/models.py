from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone

from core.dates import date_range
from core.models import TimeStampedModel
from core.usstates import US_STATES
from members.names import NAME_KEY_LENGTH


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. The email address is the login."""

    username = None
    email = models.EmailField("email address", unique=True)
    # AbstractUser's first_name and last_name are the given and family name (forms require them).
    job_title = models.CharField("job title", max_length=150, blank=True)
    # Email preferences: only non-essential mail (core.emails.OPTIONAL_CATEGORIES) can be
    # turned off; invoices, invitations, security mail and convening changes always go.
    email_nudges = models.BooleanField(
        "action-period nudges and digests", default=True,
        help_text="Reminders that your team has PDSA cycles to log, and activity digests.")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.display_name

    @property
    def has_name(self) -> bool:
        return bool(self.first_name.strip() and self.last_name.strip())

    @property
    def display_name(self) -> str:
        """"Zoë O'Brien-Smith"; the email address for an account that has no name yet."""
        return " ".join(part for part in (self.first_name.strip(), self.last_name.strip())
                        if part) or self.email

    def wants_email(self, category: str) -> bool:
        """Whether this person takes mail of ``category`` (see core.emails.email_queue)."""
        return category != "nudge" or self.email_nudges


class Tier(models.Model):
    """A level of membership, as offered on the public pages. The offer lives here, not in code."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    summary = models.CharField(max_length=250)
    benefits = models.TextField(help_text="One benefit a line, shown as a list.")
    includes_collaborative = models.BooleanField(
        default=False, help_text="Includes a seat in a Breakthrough Collaborative."
    )
    enrollment_open = models.BooleanField(
        default=True,
        help_text="When closed, applicants are offered the waitlist or another tier.",
    )
    covered_seats_per_institution = models.PositiveSmallIntegerField(
        default=5, help_text="Improvement-team members the fee covers, per institution."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def benefit_list(self):
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]


class Institution(TimeStampedModel):
    class Kind(models.TextChoices):
        LEA = "lea", "K-12 school or district (LEA)"
        IHE = "ihe", "College or university (IHE)"
        YSO = "yso", "Youth-serving organization"

    name = models.CharField(max_length=200)
    # The name as members.names.institution_name_key reads it, for catching the same institution
    # applying twice. Computed in Python (never by the database, whose case folding differs) by
    # the services that create or rename an institution.
    name_key = models.CharField(max_length=NAME_KEY_LENGTH, editable=False)
    kind = models.CharField(max_length=3, choices=Kind)
    city = models.CharField(max_length=100)
    state = models.CharField("US state", max_length=2, choices=US_STATES)
    website = models.URLField(blank=True)
    nces_id = models.CharField(
        "NCES or IPEDS id", max_length=12, blank=True,
        help_text="NCES district id for schools and districts, IPEDS unit id for colleges.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name_key", "state"], name="institution_name_key_state")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name_key=""), name="institution_has_name_key",
                violation_error_message="The institution's name needs letters or digits.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.state})"


class MembershipApplication(TimeStampedModel):
    class Kind(models.TextChoices):
        SINGLE = "single", "One institution"
        PARTNERSHIP = "partnership", "LEA-IHE partnership"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "submitted"
        WAITLISTED = "waitlisted", "waitlisted"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        WITHDRAWN = "withdrawn", "withdrawn"

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED, Status.WAITLISTED, Status.WITHDRAWN},
        Status.WAITLISTED: {Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
    }
    PENDING = (Status.SUBMITTED, Status.WAITLISTED)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    kind = models.CharField("applying as", max_length=12, choices=Kind, default=Kind.SINGLE)
    institutions = models.ManyToManyField(Institution, related_name="applications")
    requested_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    problem_of_practice = models.TextField(
        help_text="The problem your team wants to work on, e.g. chronic absenteeism."
    )
    contact_name = models.CharField("primary contact name", max_length=120)
    contact_title = models.CharField("title", max_length=120, blank=True)
    contact_email = models.EmailField("primary contact email")
    contact_phone = models.CharField("phone", max_length=30, blank=True)
    billing_name = models.CharField("billing contact name", max_length=120)
    billing_email = models.EmailField("billing contact email")
    billing_address = models.TextField("billing address")
    pays_by_po = models.BooleanField("we pay by purchase order", default=False)
    po_number = models.CharField("purchase order number", max_length=60, blank=True)
    commitment_accepted = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status, default=Status.SUBMITTED,
                              db_index=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        # Staff's application list pages through every application in this order.
        indexes = [models.Index(fields=["-submitted_at", "-id"], name="application_newest_first")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(commitment_accepted=True),
                name="application_commitment_accepted",
                violation_error_message="The membership's commitment must be accepted.",
            ),
        ]

    def __str__(self):
        return f"Application #{self.pk}"

    def get_absolute_url(self):
        return reverse("members:application_detail", args=[self.pk])

    @property
    def is_pending(self):
        return self.status in self.PENDING

    def display_name(self):
        """Institution names; needs ``institutions`` prefetched to stay query-free in lists."""
        return " + ".join(i.name for i in self.institutions.all())


def covered_seats(*, per_institution, institutions, granted):
    """The one seat formula: the tier's seats per institution for each institution, plus the
    seats staff granted. Works on numbers and on query expressions alike, so Python
    (``bench``, the home page) and SQL (``with_seats``) share it."""
    return per_institution * institutions + granted


def _count(queryset, field="pk"):
    """A correlated subquery counting ``queryset``'s rows (0 when there are none)."""
    return Coalesce(Subquery(queryset.order_by().values(field).annotate(n=Count("pk"))
                             .values("n")[:1]), 0)


class MembershipQuerySet(models.QuerySet):
    def with_seats(self, *, now=None):
        """Annotate ``seats_covered`` (``covered_seats``) and ``seats_used`` (active members and
        pending, unexpired invitations): one query for a whole list. Every page, the roster's
        rules and the admin read seats from here (or ``members.services``, which reads here)."""
        now = now or timezone.now()
        membership = OuterRef("pk")
        granted = Coalesce(Subquery(
            SeatGrant.objects.filter(membership=membership).order_by().values("membership")
            .annotate(total=Sum("seats")).values("total")[:1]), 0)
        institutions = _count(Membership.institutions.through.objects.filter(
            membership_id=membership), "membership_id")
        members = _count(TeamMember.objects.filter(team__membership=membership,
                                                   status=TeamMember.Status.ACTIVE), "team_id")
        pending = _count(Invitation.objects.filter(team__membership=membership,
                                                   status=Invitation.Status.PENDING,
                                                   expires_at__gt=now), "team_id")
        return self.annotate(
            seats_covered=covered_seats(per_institution=F("tier__covered_seats_per_institution"),
                                        institutions=institutions, granted=granted),
            seats_used=members + pending,
        )


class Membership(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "awaiting first payment"
        ACTIVE = "active", "active"
        ENDED = "ended", "ended"
        LEFT_EARLY = "left_early", "left early"
        # The renewal (renewals app): the commitment ended unpaid, then the grace period ran out.
        IN_GRACE = "in_grace", "in its grace period"
        LAPSED = "lapsed", "lapsed"

    TRANSITIONS = {
        Status.PENDING: {Status.ACTIVE, Status.LEFT_EARLY},
        Status.ACTIVE: {Status.ENDED, Status.LEFT_EARLY, Status.IN_GRACE},
        # Paying the renewal invoice brings a membership in grace or lapsed back at once.
        Status.IN_GRACE: {Status.ACTIVE, Status.LAPSED, Status.ENDED, Status.LEFT_EARLY},
        Status.LAPSED: {Status.ACTIVE, Status.ENDED, Status.LEFT_EARLY},
    }
    # Current: the team keeps its places and reads everything. A lapsed membership is still
    # current (paying reinstates it) but read-only: see ``is_read_only``.
    CURRENT = (Status.PENDING, Status.ACTIVE, Status.IN_GRACE, Status.LAPSED)

    application = models.OneToOneField(
        MembershipApplication, on_delete=models.PROTECT, related_name="membership"
    )
    institutions = models.ManyToManyField(Institution, related_name="memberships")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="memberships")
    term_start = models.DateField()
    # Inclusive, as every period in the portal (core.dates): a term from 1 Dec 2026 ends on
    # 30 Nov 2028, a member day; 1 Dec 2028 is not.
    term_end = models.DateField(
        "last day of the term",
        help_text="Inclusive: the last day the membership covers. The term is the commitment of "
                  "the fee schedule in force at approval: two years from 1 Dec 2026 end on "
                  "30 Nov 2028.",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING,
                              db_index=True)
    active_at = models.DateTimeField(null=True, blank=True)
    left_early_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    in_grace_at = models.DateTimeField("grace period started at", null=True, blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-term_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__gt=models.F("term_start")),
                name="membership_term_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"Membership #{self.pk}"

    @property
    def is_partnership(self):
        return self.application.kind == MembershipApplication.Kind.PARTNERSHIP

    @property
    def term_display(self) -> str:
        """The term as every page prints it, both days included: "1 Dec 2026 to 30 Nov 2028"."""
        return date_range(self.term_start, self.term_end)

    @property
    def is_read_only(self) -> bool:
        """Lapsed: the roster, invitations, PDSA cycles and measure data are read-only until
        the renewal invoice is paid."""
        return self.status == self.Status.LAPSED

    def covers(self, day) -> bool:
        """Is ``day`` inside the term? The last day is; the day after is not."""
        return self.term_start <= day <= self.term_end


class Role(models.TextChoices):
    SPONSOR = "sponsor", "sponsor"
    LEAD = "lead", "team lead"
    COACH = "coach", "improvement coach"
    DATA_ANALYST = "data_analyst", "data analyst"
    MEMBER = "member", "team member"


class TeamQuerySet(models.QuerySet):
    def with_seats(self, *, now=None):
        """``seats_covered`` and ``seats_used`` of each team's membership (``with_seats``)."""
        seats = Membership.objects.with_seats(now=now).filter(pk=OuterRef("membership_id"))
        return self.annotate(seats_covered=Subquery(seats.values("seats_covered")[:1]),
                             seats_used=Subquery(seats.values("seats_used")[:1]))


class Team(TimeStampedModel):
    """A membership's improvement team. Seats used are counted from rows, never stored."""

    membership = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="team")
    name = models.CharField(max_length=200)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("members:roster", args=[self.pk])


class TeamMember(TimeStampedModel):
    """A person's place on a team. Removing someone keeps the row (history) and frees the seat."""

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        REMOVED = "removed", "removed"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="team_memberships")
    role = models.CharField(max_length=12, choices=Role, default=Role.MEMBER)
    status = models.CharField(max_length=8, choices=Status, default=Status.ACTIVE)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["team", "user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], condition=models.Q(status="active"),
                                    name="one_active_place_per_person_per_team"),
            models.UniqueConstraint(fields=["team"],
                                    condition=models.Q(status="active", role="lead"),
                                    name="at_most_one_team_lead"),
        ]
        indexes = [models.Index(fields=["team", "status"])]

    @property
    def roster_label(self) -> str:
        """"Zoë O'Brien-Smith (Lead)": the person and their role, as rosters name them."""
        role = "Lead" if self.role == Role.LEAD else self.get_role_display().capitalize()
        return f"{self.user.display_name} ({role})"

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class Invitation(TimeStampedModel):
    """An emailed invitation to a team. A pending, unexpired invitation holds a seat."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        ACCEPTED = "accepted", "accepted"
        REVOKED = "revoked", "revoked"

    TRANSITIONS = {Status.PENDING: {Status.ACCEPTED, Status.REVOKED}}

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="invitations")
    name = models.CharField(max_length=120)
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role, default=Role.MEMBER)
    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "team", condition=models.Q(status="pending"),
                                    name="one_pending_invitation_per_email_per_team"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class SeatGrant(TimeStampedModel):
    """Extra seats granted by staff beyond the covered ones (billed through billing)."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT,
                                   related_name="seat_grants")
    seats = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=250, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(seats__gte=1),
                                              name="seat_grant_at_least_one")]

    def __str__(self):
        return f"+{self.seats} seats for {self.membership}"


class BillingContact(TimeStampedModel):
    """Who may see a membership's bills and gets its invoice, reminder, payment and refund emails.

    A portal account (``user``) reads the invoices in the portal; an address alone (accounts
    payable) only gets the emails. Removing a contact deletes the row and writes an audit entry on
    the membership. Someone removed from the team stops being a contact, unless staff keep them.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE,
                                   related_name="billing_contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="billing_contacts",
                             help_text="A portal account: they see the invoices in the portal. "
                                       "Leave empty for an address that only gets the emails.")
    name = models.CharField(max_length=120)
    email = models.EmailField()
    kept_by_staff = models.BooleanField(
        "keep after leaving the team", default=False,
        help_text="Stays a billing contact when removed from the improvement team (for "
                  "example a business officer who pays but does not work on the team).")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["membership", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "membership",
                                    name="one_billing_contact_per_email_per_membership"),
            models.UniqueConstraint(fields=["membership", "user"],
                                    condition=models.Q(user__isnull=False),
                                    name="one_billing_contact_per_user_per_membership"),
        ]

    def __str__(self):
        return f"{self.name} <{self.address}>"

    @property
    def address(self) -> str:
        """Where the emails go: the account's current address, or the one typed in."""
        return self.user.email if self.user_id else self.email
