"""Forms of the improvement work: the PDSA cycle's plan and its do-study-act, attachments,
comments, coaching calls, the aim and the driver diagram."""

from django import forms

from collaboratives.cycles.models import (
    ChangeIdea,
    CoachingCall,
    CycleComment,
    PDSACycle,
    PrimaryDriver,
)
from collaboratives.programme.forms import text
from core.once import OnceForm  # creating forms: posted twice, they save once
from core.uploads import NO_STUDENT_DATA


class ChangeIdeaChoiceField(forms.ChoiceField):
    """The collaborative's change ideas, grouped by primary driver (the driver diagram)."""

    def __init__(self, ideas, **kwargs):
        self.ideas = {idea.pk: idea for idea in ideas}
        groups: dict[str, list] = {}
        for idea in ideas:
            groups.setdefault(idea.primary_driver.title, []).append((idea.pk, idea.title))
        super().__init__(choices=[("", "Choose a change idea"), *groups.items()], **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.ideas.get(int(value)) if value else None


def add_measures_field(form: forms.Form, measures) -> None:
    """The measures a cycle should move: the cycle is marked on the team's run charts."""
    if measures is not None and measures.exists():
        form.fields["measures"] = forms.ModelMultipleChoiceField(
            queryset=measures, required=False, widget=forms.CheckboxSelectMultiple,
            label="Measures this change should move",
            help_text="The cycle is marked on your run charts of these measures.")


class PlanForm(OnceForm):
    """Plan: the question, the prediction and who/what/when/where, and the data to collect."""

    title = forms.CharField(max_length=200, label="Name of the cycle",
                            help_text="A short name, e.g. “Texting families after a first "
                                      "absence”.")
    question = text(PDSACycle, "question",
                               label="What question will this cycle answer?")
    prediction = text(PDSACycle, "prediction",
                                 label="What do you predict will happen, and why?")
    plan_who = forms.CharField(max_length=250, required=False, label="Who")
    plan_what = text(PDSACycle, "plan_what", required=False,
                                label="What")
    plan_when = forms.CharField(max_length=250, required=False, label="When")
    plan_where = forms.CharField(max_length=250, required=False, label="Where")
    data_to_collect = text(PDSACycle, "data_to_collect", required=False,
                                      label="Data to collect")

    def __init__(self, *args, ideas=None, starting=False, measures=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ideas is not None:
            self.fields["change_idea"] = ChangeIdeaChoiceField(
                list(ideas), label="Change idea being tested")
            self.order_fields(["title", "change_idea"])
        add_measures_field(self, measures)
        if starting:
            # Starting the cycle needs the whole plan; shown as required, checked by the service.
            for name in ("plan_who", "plan_what", "plan_when", "plan_where", "data_to_collect"):
                self.fields[name].conditional = True

    def sections(self):
        return None  # one Plan section, laid out by the template


class DoStudyActForm(forms.Form):
    what_happened = text(PDSACycle, "what_happened", required=False,
                                    label="What happened?")
    surprises = text(PDSACycle, "surprises", required=False,
                                label="Surprises")
    results = text(PDSACycle, "results", required=False,
                              label="Results against the prediction")
    learning = text(PDSACycle, "learning", required=False,
                               label="What did you learn?")
    decision = forms.ChoiceField(choices=PDSACycle.Decision.choices, required=False,
                                 widget=forms.RadioSelect, label="Adopt, adapt or abandon?")
    next_step = text(PDSACycle, "next_step", required=False,
                                label="Next step")

    SECTIONS = [("Do", ["what_happened", "surprises"]), ("Study", ["results", "learning"]),
                ("Act", ["decision", "next_step"])]

    def __init__(self, *args, completing=False, measures=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_measures_field(self, measures)
        if completing:
            for name in ("what_happened", "results", "learning", "decision", "next_step"):
                self.fields[name].conditional = True

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]


class AttachmentForm(OnceForm):
    file = forms.FileField(label="Attach a file", required=False,
                           help_text="An image (PNG, JPEG, GIF, WebP), a PDF or a CSV of your "
                                     f"data; at most 5 MB. {NO_STUDENT_DATA}",
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".png,.jpg,.jpeg,.gif,.webp,.pdf,.csv"}))
    # A file the identifier scan warns about is held while its uploader confirms (core.uploads).
    held = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    no_student_data_confirmed = forms.BooleanField(
        required=False,
        label="I have checked this file: it holds no student-level data (no names, student "
              "IDs, dates of birth or Social Security numbers).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].conditional = True  # required unless a held file is confirmed


class CommentForm(OnceForm):
    body = text(CycleComment, "body", label="Your comment")


class CoachingCallForm(OnceForm):
    held_on = forms.DateField(label="Date of the call", widget=forms.DateInput(
        attrs={"type": "date"}))
    attendees = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                               widget=forms.CheckboxSelectMultiple,
                                               label="Team members on the call")
    other_attendees = forms.CharField(max_length=250, required=False, label="Anyone else",
                                      help_text="Names, separated by commas.")
    notes = text(CoachingCall, "notes", widget=forms.Textarea(attrs={"rows": 5}))
    next_steps = text(CoachingCall, "next_steps", label="Agreed next steps")

    def __init__(self, *args, team_users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = team_users


class AimForm(OnceForm):
    what = forms.CharField(max_length=250, label="What will you improve?",
                           help_text="e.g. reduce chronic absenteeism in grades 6-8")
    how_much = forms.CharField(max_length=120, label="How much?",
                               help_text="e.g. from 24% to 18%")
    by_when = forms.DateField(label="By when?", widget=forms.DateInput(attrs={"type": "date"}))


class PrimaryDriverForm(OnceForm):
    title = forms.CharField(max_length=200, label="Primary driver")
    description = text(PrimaryDriver, "description", widget=forms.Textarea(attrs={"rows": 2}),
                       required=False)


class ChangeIdeaForm(OnceForm):
    primary_driver = forms.ModelChoiceField(queryset=PrimaryDriver.objects.none(),
                                            empty_label="Choose a driver")
    title = forms.CharField(max_length=200, label="Change idea")
    description = text(ChangeIdea, "description", widget=forms.Textarea(attrs={"rows": 2}),
                       required=False)

    def __init__(self, *args, drivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_driver"].queryset = drivers
