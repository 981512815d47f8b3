"""Find a partner: an opt-in directory of member institutions and the introductions made through
it. A directory entry (``Listing``) says what an institution works on and what partner it seeks;
it names no person. An ``Introduction`` asks the other institution's team lead; only once they
accept do the two sides see each other's names and email addresses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel
from core.usstates import US_STATES
from members.models import Institution

# The Census Bureau's four regions: the directory's "region" filter reads them from the state.
REGIONS = {
    "northeast": ("Northeast", {"CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"}),
    "midwest": ("Midwest", {"IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND",
                            "SD"}),
    "south": ("South", {"DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS",
                        "TN", "AR", "LA", "OK", "TX", "PR", "VI"}),
    "west": ("West", {"AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR",
                      "WA", "GU", "AS", "MP"}),
}
REGION_CHOICES = [(code, label) for code, (label, _states) in REGIONS.items()]
STATE_NAMES = dict(US_STATES)


def region_of(state: str) -> str:
    for _code, (label, states) in REGIONS.items():
        if state in states:
            return label
    return ""


class Listing(TimeStampedModel):
    """An institution's entry in the directory, written by its team lead. Opt-in: an institution
    without one, or whose lead unticks "listed", is not in the directory."""

    class Seeking(models.TextChoices):
        LEA = Institution.Kind.LEA.value, "a K-12 school or district"
        IHE = Institution.Kind.IHE.value, "a college or university"
        YSO = Institution.Kind.YSO.value, "a youth-serving organization"
        ANY = "any", "any kind of partner"

    institution = models.OneToOneField(Institution, on_delete=models.PROTECT,
                                       related_name="partner_listing")
    listed = models.BooleanField("show us in the directory", default=True)
    about = models.TextField("about us", max_length=1000,
                             help_text="Who you are and who you serve, in two or three "
                                       "sentences.")
    problems = models.CharField(
        "problems of practice", max_length=300,
        help_text="What you work on, e.g. “Chronic absenteeism; math for students with "
                  "disabilities”.")
    seeking_kind = models.CharField("we are looking for", max_length=3, choices=Seeking,
                                    default=Seeking.ANY)
    seeking = models.CharField(
        "what partner, for what", max_length=300,
        help_text="e.g. “An IHE partner for chronic absenteeism in rural middle schools”.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["institution__name", "pk"]
        indexes = [models.Index(fields=["listed", "seeking_kind"])]

    def __str__(self):
        return str(self.institution)

    def get_absolute_url(self):
        return reverse("partners:listing", args=[self.pk])

    @property
    def region(self) -> str:
        return region_of(self.institution.state)


class Introduction(TimeStampedModel):
    """One institution asks to be introduced to another. The other institution's team lead
    accepts (both sides then see each other's contacts) or declines (nobody learns anything)."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        ACCEPTED = "accepted", "accepted"
        DECLINED = "declined", "declined"
        WITHDRAWN = "withdrawn", "withdrawn"

    TRANSITIONS = {Status.PENDING: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN}}
    OPEN = (Status.PENDING, Status.ACCEPTED)

    from_institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                         related_name="introductions_sent")
    to_institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                       related_name="introductions_received")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="introductions_requested")
    message = models.TextField(max_length=2000,
                               help_text="What you would like to work on together.")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING,
                              db_index=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_institution=models.F("to_institution")),
                                   name="introduction_between_two",
                                   violation_error_message="An institution cannot ask to be "
                                                           "introduced to itself."),
            # One open request between the same two institutions, whichever side asked.
            models.UniqueConstraint(
                models.functions.Least("from_institution", "to_institution"),
                models.functions.Greatest("from_institution", "to_institution"),
                condition=Q(status__in=["pending", "accepted"]),
                name="one_open_introduction_per_pair",
                violation_error_message="These two institutions already have an introduction "
                                        "under way."),
        ]

    def __str__(self):
        return f"{self.from_institution.name} → {self.to_institution.name}"

    def get_absolute_url(self):
        return reverse("partners:introduction", args=[self.pk])
