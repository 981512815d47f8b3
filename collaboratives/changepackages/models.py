"""The change package: numbered versions (draft, then published and frozen) and their entries,
one per change idea with the PDSA evidence behind it."""


from django.conf import settings
from django.db import models
from django.urls import reverse

from collaboratives.cycles.models import ChangeIdea
from collaboratives.programme.models import NARRATIVE, SHORT_TEXT, Collaborative, limited_text
from core.models import TimeStampedModel


class ChangePackage(TimeStampedModel):
    """A versioned collection of the change ideas teams adopted, with their evidence. Published,
    a version is a frozen record: its entries keep the texts and data of the day it went out."""

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"

    TRANSITIONS = {Status.DRAFT: {Status.PUBLISHED}}

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT,
                                      related_name="change_packages")
    version = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    introduction = limited_text(NARRATIVE, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT,
                              db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    # The PDF, stored under an unguessable name once rendered after publication.
    pdf_path = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["collaborative_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "version"],
                                    name="collab_change_package_version_once"),
            models.UniqueConstraint(fields=["collaborative"],
                                    condition=models.Q(status="draft"),
                                    name="collab_one_draft_change_package",
                                    violation_error_message="The collaborative already has a "
                                                            "draft change package."),
        ]

    def __str__(self):
        return f"{self.title} (version {self.version})"

    def get_absolute_url(self):
        return reverse("collaboratives:change_package",
                       args=[self.collaborative.slug, self.version])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def pdf_filename(self) -> str:
        return f"{self.collaborative.slug}-change-package-v{self.version}.pdf"


class ChangePackageEntry(TimeStampedModel):
    """One change idea in a change package. While the package is a draft its evidence is read
    live from the cycles; publication copies the texts and the evidence (the cycles, the teams
    and their settings, the run charts' data) into the entry, where they stay."""

    package = models.ForeignKey(ChangePackage, on_delete=models.CASCADE, related_name="entries")
    change_idea = models.ForeignKey(ChangeIdea, on_delete=models.PROTECT,
                                    related_name="package_entries")
    position = models.PositiveSmallIntegerField(default=0)
    commentary = limited_text(
        NARRATIVE,        "for whom and under what conditions", blank=True,
        help_text="What the evidence says about where this change works, and what to watch.")
    # Frozen at publication.
    title = models.CharField(max_length=200, blank=True, editable=False)
    description = limited_text(SHORT_TEXT, blank=True, editable=False)
    driver_title = models.CharField(max_length=200, blank=True, editable=False)
    evidence = models.JSONField(default=dict, blank=True, editable=False)
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "change package entries"
        ordering = ["package_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["package", "change_idea"],
                                    name="collab_idea_once_per_package",
                                    violation_error_message="This change idea is already in "
                                                            "the package."),
        ]

    def __str__(self):
        return self.title or str(self.change_idea)
