"""The resource library: what the Center curates for its members (files, links, change packages,
recordings), tagged by problem of practice, method and audience, each with a rule for who sees
it (``Resource.Visibility``; ``resources.selectors.resources_visible_to`` applies it)."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import TimeStampedModel

SEARCH_CONFIG = "english"


def search_vector() -> SearchVector:
    """The one expression PostgreSQL full-text search reads (resources.selectors) and the GIN
    index covers: the same expression, or PostgreSQL would not use the index."""
    return SearchVector("search_document", config=SEARCH_CONFIG)


def search_index() -> GinIndex:
    """Created by migration 0002 on PostgreSQL only (SQLite has no GIN indexes), so it is not
    in ``Meta.indexes``."""
    return GinIndex(search_vector(), name="resource_search_gin")


class Tag(models.Model):
    """A label staff manage: a problem of practice, a method or an audience."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", "problem of practice"
        METHOD = "method", "method"
        AUDIENCE = "audience", "audience"

    kind = models.CharField(max_length=10, choices=Kind)
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug"], name="resource_tag_slug_once",
                                    violation_error_message="A tag of this kind already has "
                                                            "this slug."),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ResourceQuerySet(models.QuerySet):
    def for_list(self):
        """What a list or card shows, without a query per row."""
        return (self.select_related("change_package__collaborative", "collaborative")
                .prefetch_related("tags"))


class Resource(TimeStampedModel):
    class Kind(models.TextChoices):
        FILE = "file", "file"
        LINK = "link", "link"
        CHANGE_PACKAGE = "change_package", "change package"
        RECORDING = "recording", "recording"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "everyone, signed in or not"
        MEMBERS = "members", "every member of the network (Tier 1 and up)"
        TIER2 = "tier2", "Tier 2 members (Breakthrough Collaborative tier)"
        COLLABORATIVE = "collaborative", "the participants of one collaborative"

    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=2000, help_text="Two or three sentences: what it is "
                                                          "and who it helps.")
    kind = models.CharField(max_length=16, choices=Kind)
    url = models.URLField("link", max_length=500, blank=True,
                          help_text="For a link or a recording.")
    change_package = models.ForeignKey(
        "collaboratives.ChangePackage", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="For a change package: a published version.")
    # A file: stored under an unguessable name, served only after the visibility check.
    file_path = models.CharField(max_length=300, blank=True, editable=False)
    original_name = models.CharField(max_length=200, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    visibility = models.CharField("who sees it", max_length=14, choices=Visibility,
                                  default=Visibility.MEMBERS)
    collaborative = models.ForeignKey(
        "collaboratives.Collaborative", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Whose participants see it, when it is for one "
                                    "collaborative.")
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources")
    listed = models.BooleanField("listed in the library", default=True,
                                 help_text="Untick to take it out of the library (kept).")
    published_at = models.DateTimeField(default=timezone.now, db_index=True,
                                        help_text="Newest first; “new this month” counts from "
                                                  "here.")
    # Title, summary, tags and file name as one text: what search reads (services keep it).
    search_document = models.TextField(blank=True, editable=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["link", "recording"]) | ~Q(url=""),
                name="resource_link_has_url",
                violation_error_message="A link or a recording needs its address."),
            models.CheckConstraint(
                condition=~Q(kind="change_package") | Q(change_package__isnull=False),
                name="resource_package_named",
                violation_error_message="Choose the change package."),
            models.CheckConstraint(
                condition=~Q(visibility="collaborative") | Q(collaborative__isnull=False),
                name="resource_collaborative_named",
                violation_error_message="Choose the collaborative whose participants see it."),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("resources:detail", args=[self.pk])

    @property
    def target_url(self) -> str:
        """Where "Open" goes: the download, the link, or the change package's page."""
        if self.kind == self.Kind.FILE:
            return reverse("resources:download", args=[self.pk])
        if self.kind == self.Kind.CHANGE_PACKAGE and self.change_package_id:
            return reverse("collaboratives:library_package", args=[self.change_package_id])
        return self.url

    @property
    def audience_label(self) -> str:
        """Who sees it, as a card says it briefly; "" for every member (the usual case)."""
        if self.visibility == self.Visibility.PUBLIC:
            return "Open to everyone"
        if self.visibility == self.Visibility.TIER2:
            return "Tier 2 members"
        if self.visibility == self.Visibility.COLLABORATIVE and self.collaborative_id:
            return f"{self.collaborative.name} only"
        return ""

    @property
    def tags_by_kind(self) -> dict[str, list[Tag]]:
        """Needs ``tags`` prefetched (``for_list``)."""
        grouped: dict[str, list[Tag]] = {}
        for tag in self.tags.all():
            grouped.setdefault(tag.kind, []).append(tag)
        return grouped
