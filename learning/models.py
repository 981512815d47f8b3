"""The introductory course (course → modules → lessons, a quiz per module), who takes it and
how far they are, their completion record, and each collaborative's onboarding checklist."""

import secrets
from pathlib import PurePath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from core.models import TimeStampedModel

RESERVED_SLUGS = {"onboarding", "certificates"}  # the app's own addresses under /learn/
VIDEO_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "vimeo.com",
               "www.vimeo.com", "player.vimeo.com"}


def validate_course_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is one of the portal's own addresses; choose another.")


class Course(TimeStampedModel):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, validators=[validate_course_slug],
                            help_text="Its web address, e.g. improvement-science.")
    summary = models.CharField(max_length=300, help_text="One or two sentences on the course "
                                                         "list and the certificate.")
    published = models.BooleanField(default=False,
                                    help_text="Members see only published courses.")
    enrol_new_team_members = models.BooleanField(
        "enrol new team members", default=False,
        help_text="Everyone who joins an improvement team is enrolled in this course.")
    pass_percent = models.PositiveSmallIntegerField(
        default=75, help_text="Share of a module's quiz to answer correctly to pass it (1-100).")

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pass_percent__gte=1, pass_percent__lte=100),
                                   name="learning_pass_percent_1_100",
                                   violation_error_message="The pass mark is between 1 and 100."),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("learning:course", args=[self.slug])


class Module(TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=1, help_text="1 comes first.")
    introduction = models.TextField(blank=True, help_text="A sentence or two on the course page.")

    class Meta:
        ordering = ["course", "position", "pk"]

    def __str__(self):
        return f"{self.course}: {self.title}"


class Lesson(TimeStampedModel):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=1, help_text="1 comes first.")
    body = models.TextField(
        help_text="Markdown: ## headings, - lists, 1. numbered lists, **bold**, *italic*, "
                  "[links](https://...). Other markup is shown as text.")
    video_url = models.URLField("video link", blank=True, max_length=500,
                                help_text="A YouTube or Vimeo address; shown as a link.")
    video_title = models.CharField(max_length=200, blank=True,
                                   help_text="What the video is, e.g. “Run charts in 6 minutes”.")
    minutes = models.PositiveSmallIntegerField("reading time (minutes)", default=5)

    class Meta:
        ordering = ["module__position", "module_id", "position", "pk"]

    def __str__(self):
        return self.title

    def clean(self):
        if self.video_url and urlsplit(self.video_url).hostname not in VIDEO_HOSTS:
            raise ValidationError({"video_url": "Link a YouTube or Vimeo video."})
        if self.video_url and not self.video_title.strip():
            raise ValidationError({"video_title": "Give the video a title: members see it as "
                                                  "the link's text."})

    @property
    def video_site(self) -> str:
        host = urlsplit(self.video_url).hostname or ""
        return "Vimeo" if "vimeo" in host else "YouTube"


def lesson_file_path(instance, filename: str) -> str:
    """Under an unguessable folder: files are served only through the portal's check."""
    return f"learning/files/{secrets.token_urlsafe(18)}/{PurePath(filename).name}"


class LessonFile(TimeStampedModel):
    """A download beside a lesson (a worksheet, a template). Checked on upload."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=lesson_file_path, max_length=300)
    size = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["lesson", "title"]

    def __str__(self):
        return self.title


class Question(TimeStampedModel):
    """A multiple-choice question of a module's check-your-understanding quiz."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=500)
    position = models.PositiveSmallIntegerField(default=1)
    explanation = models.TextField(blank=True, help_text="Shown after answering: why the right "
                                                         "answer is right.")

    class Meta:
        ordering = ["module", "position", "pk"]

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=300)
    correct = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return self.text


class CourseEnrollment(TimeStampedModel):
    """A person taking a course. Started automatically on joining a team, or by themselves."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"

    class Source(models.TextChoices):
        JOINED_TEAM = "joined_team", "joined an improvement team"
        SELF = "self", "started it themselves"
        STAFF = "staff", "enrolled by staff"

    TRANSITIONS = {Status.IN_PROGRESS: {Status.COMPLETED}}

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="course_enrollments")
    source = models.CharField(max_length=12, choices=Source, default=Source.SELF)
    status = models.CharField(max_length=12, choices=Status, default=Status.IN_PROGRESS,
                              db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course", "user"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="learning_enrolled_once",
                                    violation_error_message="Already enrolled in this course."),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user} in {self.course}"


class LessonProgress(models.Model):
    enrollment = models.ForeignKey(CourseEnrollment, on_delete=models.CASCADE,
                                   related_name="lessons_done")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="learning_lesson_once"),
        ]

    def __str__(self):
        return f"{self.lesson} read"


class QuizAttempt(models.Model):
    """One go at a module's quiz: the answers given and the score, kept (retries add rows)."""

    enrollment = models.ForeignKey(CourseEnrollment, on_delete=models.CASCADE,
                                   related_name="attempts")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="attempts")
    answers = models.JSONField(default=dict, help_text="question id → chosen choice id")
    score = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["enrollment", "module", "passed"])]

    def __str__(self):
        return f"{self.score}/{self.total} on {self.module}"

    def get_absolute_url(self):
        return reverse("learning:attempt", args=[self.enrollment.course.slug, self.pk])


def certificate_code() -> str:
    return secrets.token_hex(5).upper()


class Completion(models.Model):
    """The record that a person finished a course: frozen at completion (name and course title as
    they were), with the certificate PDF rendered after commit."""

    enrollment = models.OneToOneField(CourseEnrollment, on_delete=models.PROTECT,
                                      related_name="completion")
    name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=200)
    completed_on = models.DateField()
    code = models.CharField("certificate number", max_length=12, unique=True,
                            default=certificate_code, editable=False)
    certificate_path = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["-completed_on", "-pk"]

    def __str__(self):
        return f"{self.name}: {self.course_title}"


class ChecklistItem(TimeStampedModel):
    """One step of a collaborative's onboarding. Automatic kinds tick themselves from what the
    portal knows; "team ticks" items are ticked by the team."""

    class Kind(models.TextChoices):
        COURSE_LEAD = "course_lead", "the team lead finished the course"
        COURSE_MEMBERS = "course_members", "N team members finished the course"
        AIM = "aim", "the team's aim is drafted"
        BASELINE = "baseline", "baseline data uploaded"
        COACHING_CALL = "coaching_call", "first coaching call held"
        MANUAL = "manual", "the team ticks it"

    AUTOMATIC = (Kind.COURSE_LEAD, Kind.COURSE_MEMBERS, Kind.AIM, Kind.BASELINE,
                 Kind.COACHING_CALL)
    COURSE_KINDS = (Kind.COURSE_LEAD, Kind.COURSE_MEMBERS)

    collaborative = models.ForeignKey("collaboratives.Collaborative", on_delete=models.CASCADE,
                                      related_name="checklist_items")
    title = models.CharField(max_length=200, help_text="e.g. Charter signed by the sponsor")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.MANUAL)
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="For the course items: which course.")
    members_needed = models.PositiveSmallIntegerField(
        "members needed", default=0, help_text="For “N team members finished the course”: N.")
    help_text = models.CharField("what to do", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["collaborative", "position", "pk"]

    def __str__(self):
        return self.title

    @property
    def automatic(self) -> bool:
        return self.kind in self.AUTOMATIC

    def clean(self):
        errors = {}
        if self.kind in self.COURSE_KINDS and not self.course_id:
            errors["course"] = "Choose the course this item counts."
        if self.kind == self.Kind.COURSE_MEMBERS and not self.members_needed:
            errors["members_needed"] = "How many team members must finish the course?"
        if errors:
            raise ValidationError(errors)


class ChecklistTick(models.Model):
    """A team ticked a "team ticks" item."""

    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="ticks")
    team = models.ForeignKey("members.Team", on_delete=models.CASCADE, related_name="+")
    ticked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    ticked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "team"]
        constraints = [
            models.UniqueConstraint(fields=["item", "team"], name="learning_ticked_once"),
        ]

    def __str__(self):
        return f"{self.item} ({self.team})"
