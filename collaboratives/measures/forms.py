"""Forms about measures: defining one, entering and removing values, uploading a CSV, a team's
chart settings and phases, astronomical points."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from collaboratives.measures.models import AstronomicalPoint, Measure
from collaboratives.programme.forms import text
from collaboratives.programme.models import ChartChoice, RunRules
from core.once import OnceForm  # creating forms: posted twice, they save once

DECIMAL = {"max_digits": 12, "decimal_places": 4}


class MeasureForm(OnceForm):
    name = forms.CharField(max_length=120, help_text=Measure._meta.get_field("name").help_text)
    kind = forms.ChoiceField(choices=Measure.Kind.choices, widget=forms.RadioSelect,
                             label="Type")
    operational_definition = text(
        Measure, "operational_definition", widget=forms.Textarea(attrs={"rows": 4}),
        label="Operational definition",
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
    counted = forms.BooleanField(required=False, label="Teams enter a numerator and denominator",
                                 help_text=Measure._meta.get_field("counted").help_text)
    rate_scale = forms.IntegerField(required=False, min_value=1, max_value=1_000_000,
                                    label="Rate multiplier",
                                    help_text="Counted rates only: e.g. 100 for “per 100 "
                                              "students”. Leave empty for 1.")
    chart = forms.ChoiceField(
        choices=[("", "The collaborative's default"), *ChartChoice.choices], required=False,
        label="Chart", help_text="p and u charts (and Laney's p' and u' for large "
                                 "denominators) need numerators and denominators. Control "
                                 "charts need 20 points: until then the run chart is drawn.")
    run_rules = forms.ChoiceField(
        choices=[("", "The collaborative's default"), *RunRules.choices], required=False,
        label="Run-chart rules")


class ValueForm(OnceForm):
    """One value. The value is read like a CSV cell (``12.5``, ``12.5%``), so the same value is
    refused in the same words either way."""

    day = forms.DateField(label="Week or month", widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="Any day in the week (or month) the value is for.")
    value = forms.CharField(max_length=40, label="Value", required=False)
    numerator = forms.CharField(max_length=40, label="Numerator", required=False,
                                help_text="The count, e.g. students chronically absent.")
    denominator = forms.CharField(max_length=40, label="Denominator", required=False,
                                  help_text="What it is out of, e.g. students enrolled.")
    note = forms.CharField(max_length=500, required=False, label="Note",
                           help_text="Anything unusual about this period.")

    def __init__(self, *args, measure=None, **kwargs):
        super().__init__(*args, **kwargs)
        counted = bool(measure and measure.counted)
        self.fields["value"].required = not counted
        self.fields["numerator"].required = self.fields["denominator"].required = counted


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
    baseline_points = forms.IntegerField(
        required=False, min_value=2, max_value=260, label="Freeze its centre line from its first",
        help_text="Optional, a number of points: the new phase's median (or mean and limits) "
                  "is set from them and extended; else it follows all the phase's points.")


class _ChooseValueForm(forms.Form):
    """One of the team's values, offered as "week of Mon 12 Oct 2026: 18.5%"."""

    value = forms.ModelChoiceField(queryset=None, label="Point",
                                   empty_label="Choose the period")

    def __init__(self, *args, values, measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].queryset = values
        self.fields["value"].label_from_instance = measure.point_label


class AstronomicalForm(_ChooseValueForm):
    reason = text(AstronomicalPoint, "reason", widget=forms.Textarea(attrs={"rows": 2}),
                  label="Why is it astronomical?",
                             help_text="e.g. “A snow week: school closed three days.”")


class ValueRemoveForm(_ChooseValueForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].label = "Value to remove"
        self.fields["value"].help_text = ("A value in the wrong period or entered by mistake. "
                                          "To correct a number, enter it again for its period.")
