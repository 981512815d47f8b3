"""The course's authoring tool (Course → Modules → Lessons and quizzes, ordered by position),
who is enrolled and who finished, and each collaborative's onboarding checklist."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin
from core.once import OnceAdmin
from learning import services
from learning.models import (
    ChecklistItem,
    ChecklistTick,
    Choice,
    Completion,
    Course,
    CourseEnrollment,
    Lesson,
    LessonFile,
    Module,
    Question,
)


class ModuleInline(admin.TabularInline):
    model = Module
    fields = ["position", "title", "introduction", "edit"]
    readonly_fields = ["edit"]
    extra = 0
    show_change_link = True

    @admin.display(description="Lessons and quiz")
    def edit(self, obj):
        if not obj.pk:
            return "Save first"
        return format_html('<a href="{}">Edit lessons and quiz</a>',
                           reverse("admin:learning_module_change", args=[obj.pk]))


@admin.register(Course)
class CourseAdmin(OnceAdmin):
    list_display = ["title", "published", "enrol_new_team_members", "module_count",
                    "enrolled", "completed"]
    list_filter = ["published", "enrol_new_team_members"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_modules=Count("modules", distinct=True),
            n_enrolled=Count("enrollments", distinct=True),
            n_completed=Count("enrollments", distinct=True, filter=Q(
                enrollments__status=CourseEnrollment.Status.COMPLETED)),
        )

    @admin.display(description="modules", ordering="n_modules")
    def module_count(self, obj):
        return obj.n_modules

    @admin.display(description="enrolled", ordering="n_enrolled")
    def enrolled(self, obj):
        return obj.n_enrolled

    @admin.display(description="completed", ordering="n_completed")
    def completed(self, obj):
        return obj.n_completed


class LessonInline(admin.StackedInline):
    model = Lesson
    fields = ["position", "title", "minutes", "body", "video_url", "video_title"]
    extra = 0
    show_change_link = True


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "text", "explanation", "answers"]
    readonly_fields = ["answers"]
    extra = 0
    show_change_link = True

    @admin.display(description="Answers")
    def answers(self, obj):
        if not obj.pk:
            return "Save, then add answers"
        return format_html('<a href="{}">Edit answers</a>',
                           reverse("admin:learning_question_change", args=[obj.pk]))


@admin.register(Module)
class ModuleAdmin(OnceAdmin):
    list_display = ["title", "course", "position"]
    list_filter = ["course"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    inlines = [LessonInline, QuestionInline]


class LessonFileForm(forms.ModelForm):
    class Meta:
        model = LessonFile
        fields = ["title", "file"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and hasattr(upload, "content_type"):  # a new upload
            try:
                self.instance.size = services.lesson_file_check(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict["file"]) from None
        return upload


class LessonFileInline(admin.TabularInline):
    model = LessonFile
    form = LessonFileForm
    fields = ["title", "file", "size"]
    readonly_fields = ["size"]
    extra = 0


@admin.register(Lesson)
class LessonAdmin(OnceAdmin):
    list_display = ["title", "module", "position", "minutes"]
    list_filter = ["module__course", "module"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["module"]
    inlines = [LessonFileInline]


class ChoiceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(kept) < 2:
            raise ValidationError("Give at least two answers to choose from.")
        if sum(bool(f.cleaned_data.get("correct")) for f in kept) != 1:
            raise ValidationError("Mark exactly one answer as the right one.")


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ["position", "text", "correct"]
    extra = 3


@admin.register(Question)
class QuestionAdmin(OnceAdmin):
    list_display = ["text", "module", "position"]
    list_filter = ["module__course", "module"]
    search_fields = ["text"]
    autocomplete_fields = ["module"]
    inlines = [ChoiceInline]


@admin.register(CourseEnrollment)
class CourseEnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "course", "status", "source", "created_at", "completed_at"]
    list_filter = ["course", "status", "source"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "course"]


@admin.register(Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ["name", "course_title", "completed_on", "code", "certificate"]
    list_filter = ["course_title", "completed_on"]
    search_fields = ["name", "code", "enrollment__user__email"]

    @admin.display(description="Certificate")
    def certificate(self, obj):
        if not obj.certificate_path:
            return "being prepared"
        return format_html('<a href="{}">PDF</a>', reverse("learning:certificate", args=[obj.pk]))


@admin.register(ChecklistItem)
class ChecklistItemAdmin(OnceAdmin):
    list_display = ["title", "collaborative", "kind", "position"]
    list_filter = ["collaborative", "kind"]
    search_fields = ["title", "collaborative__name"]
    autocomplete_fields = ["collaborative", "course"]


@admin.register(ChecklistTick)
class ChecklistTickAdmin(ReadOnlyAdmin):
    list_display = ["item", "team", "ticked_by", "ticked_at"]
    list_filter = ["item__collaborative"]
    search_fields = ["team__name", "item__title"]
    list_select_related = ["item", "team", "ticked_by"]
