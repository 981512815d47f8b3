"""Forms parse input; the services hold the rules and their errors land next to these fields."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from collaboratives.models import RSVP, Measure, PDSACycle, PrimaryDriver
from core.once import OnceForm  # creating forms: posted twice, they save once

TEXTAREA = {"rows": 3}


def show_service_errors(error: ValidationError, form: forms.Form) -> None:
    """Put a service's errors next to the fields they name; the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class RSVPForm(OnceForm):
    response = forms.ChoiceField(choices=RSVP.Response.choices, widget=forms.RadioSelect,
                                 label="Your answer")


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
    question = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA),
                               label="What question will this cycle answer?")
    prediction = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA),
                                 label="What do you predict will happen, and why?")
    plan_who = forms.CharField(max_length=250, required=False, label="Who")
    plan_what = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                label="What")
    plan_when = forms.CharField(max_length=250, required=False, label="When")
    plan_where = forms.CharField(max_length=250, required=False, label="Where")
    data_to_collect = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
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
    what_happened = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                    label="What happened?")
    surprises = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                label="Surprises")
    results = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                              label="Results against the prediction")
    learning = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                               label="What did you learn?")
    decision = forms.ChoiceField(choices=PDSACycle.Decision.choices, required=False,
                                 widget=forms.RadioSelect, label="Adopt, adapt or abandon?")
    next_step = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
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
    file = forms.FileField(label="Attach a file",
                           help_text="An image (PNG, JPEG, GIF, WebP), a PDF or a CSV of your "
                                     "data; at most 5 MB.",
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".png,.jpg,.jpeg,.gif,.webp,.pdf,.csv"}))


class CommentForm(OnceForm):
    body = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Your comment",
                           max_length=5000)


class CoachingCallForm(OnceForm):
    held_on = forms.DateField(label="Date of the call", widget=forms.DateInput(
        attrs={"type": "date"}))
    attendees = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                               widget=forms.CheckboxSelectMultiple,
                                               label="Team members on the call")
    other_attendees = forms.CharField(max_length=250, required=False, label="Anyone else",
                                      help_text="Names, separated by commas.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    next_steps = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Agreed next steps")

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
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ChangeIdeaForm(OnceForm):
    primary_driver = forms.ModelChoiceField(queryset=PrimaryDriver.objects.none(),
                                            empty_label="Choose a driver")
    title = forms.CharField(max_length=200, label="Change idea")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, drivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_driver"].queryset = drivers



class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), max_length=2000,
                             required=False, help_text="Included in the notice to members.")


# --- Measures ------------------------------------------------------------------------------------

DECIMAL = {"max_digits": 12, "decimal_places": 4}


class MeasureForm(OnceForm):
    name = forms.CharField(max_length=120, help_text=Measure._meta.get_field("name").help_text)
    kind = forms.ChoiceField(choices=Measure.Kind.choices, widget=forms.RadioSelect,
                             label="Type")
    operational_definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Operational definition",
        help_text=Measure._meta.get_field("operational_definition").help_text)
    unit = forms.ChoiceField(choices=Measure.Unit.choices, widget=forms.RadioSelect)
    rate_basis = forms.CharField(max_length=60, required=False, label="Rate per",
                                 help_text="For a rate only, e.g. “per 100 students”.")
    better = forms.ChoiceField(choices=Measure.Better.choices, widget=forms.RadioSelect,
                               label="Which direction is better?")
    sampling = forms.ChoiceField(choices=Measure.Sampling.choices, widget=forms.RadioSelect,
                                 label="Sampling period",
                                 help_text="Teams enter one value a week, or one a month.")
    goal = forms.DecimalField(required=False, label="Goal", **DECIMAL,
                              help_text="Optional: drawn as the goal line on every team's "
                                        "chart, unless the team sets its own.")


class ValueForm(OnceForm):
    """One value. The value is read like a CSV cell (``12.5``, ``12.5%``), so the same value is
    refused in the same words either way."""

    day = forms.DateField(label="Week or month", widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="Any day in the week (or month) the value is for.")
    value = forms.CharField(max_length=40, label="Value")
    note = forms.CharField(max_length=500, required=False, label="Note",
                           help_text="Anything unusual about this period.")


class UploadForm(OnceForm):
    file = forms.FileField(label="CSV file", widget=forms.ClearableFileInput(
        attrs={"accept": ".csv,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MEASURES_CSV_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(f"“{upload.name}” is {upload.size / 1024 / 1024:.1f} MB; files "
                                  f"can be at most {limit / 1024 / 1024:.0f} MB. Split it into "
                                  "smaller files.")
        return upload


class ChartSettingsForm(forms.Form):
    baseline_points = forms.IntegerField(
        required=False, min_value=1, max_value=260, label="Freeze the baseline at the first",
        help_text="Number of points. Their median is frozen and extended across the chart.")
    baseline_median = forms.DecimalField(required=False, label="Or a frozen baseline median",
                                         help_text="e.g. last year's median.", **DECIMAL)
    goal = forms.DecimalField(required=False, label="Our goal", **DECIMAL,
                              help_text="Leave empty to use the collaborative's goal.")


class PhaseForm(OnceForm):
    starts_on = forms.DateField(label="New phase from",
                                widget=forms.DateInput(attrs={"type": "date"}),
                                help_text="The first week (or month) after the change.")
    label = forms.CharField(max_length=120, label="What changed",
                            help_text="e.g. “Texts to families”.")


class _ChooseValueForm(forms.Form):
    """One of the team's values, offered as "week of Mon 12 Oct 2026: 18.5%"."""

    value = forms.ModelChoiceField(queryset=None, label="Point",
                                   empty_label="Choose the period")

    def __init__(self, *args, values, measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].queryset = values
        self.fields["value"].label_from_instance = measure.point_label


class AstronomicalForm(_ChooseValueForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is it "
                             "astronomical?", max_length=2000,
                             help_text="e.g. “A snow week: school closed three days.”")


class ValueRemoveForm(_ChooseValueForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].label = "Value to remove"
        self.fields["value"].help_text = ("A value in the wrong period or entered by mistake. "
                                          "To correct a number, enter it again for its period.")


# --- Change package ------------------------------------------------------------------------------

class ChangePackageForm(forms.Form):
    title = forms.CharField(max_length=200)
    introduction = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                   help_text="What the package is and how to read it.")


class EntryAddForm(OnceForm):
    change_idea = forms.ModelChoiceField(queryset=None, label="Adopted change idea",
                                         empty_label="Choose a change idea")
    commentary = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                 label="For whom and under what conditions")

    def __init__(self, *args, ideas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_idea"].queryset = ideas


class EntryCommentaryForm(forms.Form):
    commentary = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                 label="For whom and under what conditions")
