from django import forms

from core.once import OnceForm
from rhythm.models import Evaluation, MonthlyReport, ProgressLevel, ReportAmendment

OFF_SCALE = "“%(value)s” is not on the scale: choose 1.0 to 5.0 in half steps."


def level_choices(levels: list[ProgressLevel] | None = None) -> list[tuple[str, str]]:
    """The scale as choices; ``levels`` when the page has read them already."""
    return [(str(level.score), f"{level.score} {level.title}")
            for level in (ProgressLevel.objects.all() if levels is None else levels)]


class ScoreField(forms.ChoiceField):
    widget = forms.RadioSelect
    default_error_messages = {"invalid_choice": OFF_SCALE}

    def __init__(self, **kwargs):
        super().__init__(choices=level_choices, **kwargs)


def _area(rows: int = 4):
    return forms.Textarea(attrs={"rows": rows})


class ReportForm(forms.Form):
    """The team's own words and score; saving keeps a draft, submitting freezes it."""

    learned = forms.CharField(label="What we learned", required=False, widget=_area(5),
                              max_length=MonthlyReport._meta.get_field("learned").max_length,
                              help_text="From this month's cycles and data: what surprised "
                                        "you, what you now believe.")
    barriers = forms.CharField(label="Barriers", required=False, widget=_area(),
                               max_length=MonthlyReport._meta.get_field("barriers").max_length,
                               help_text="What got in the way.")
    help_needed = forms.CharField(label="Where we need help", required=False, widget=_area(),
                                  max_length=MonthlyReport._meta.get_field(
                                      "help_needed").max_length,
                                  help_text="From your coach, the Center or other teams.")
    self_score = ScoreField(label="Our progress on the IHI assessment scale", required=False)


class AmendmentForm(OnceForm):
    body = forms.CharField(label="Correction", widget=_area(),
                           max_length=ReportAmendment._meta.get_field("body").max_length,
                           help_text="What was wrong or missing in the submitted report. It "
                                     "is kept on record beside the report.")


class ReviewForm(forms.Form):
    score = ScoreField(label="Confirmed score")
    comment = forms.CharField(label="Comment to the team", required=False, widget=_area(),
                              max_length=MonthlyReport._meta.get_field(
                                  "coach_comment").max_length)


class CheckInForm(forms.Form):
    code = forms.CharField(label="Check-in code", max_length=12,
                           help_text="Shown in the room or in the meeting's chat.",
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "autocapitalize": "characters"}))


class EvaluationForm(forms.Form):
    overall = forms.TypedChoiceField(
        label="Overall, how was the convening?", coerce=int, widget=forms.RadioSelect,
        choices=[(5, "5 excellent"), (4, "4 good"), (3, "3 fair"), (2, "2 poor"),
                 (1, "1 very poor")],
        error_messages={"invalid_choice": "Choose 1 (very poor) to 5 (excellent).",
                        "required": "Choose 1 (very poor) to 5 (excellent)."})
    most_useful = forms.CharField(
        label="What was most useful?", required=False, widget=_area(3),
        max_length=Evaluation._meta.get_field("most_useful").max_length)
    suggestions = forms.CharField(
        label="What would make the next one better?", required=False, widget=_area(3),
        max_length=Evaluation._meta.get_field("suggestions").max_length)
    anonymous = forms.BooleanField(label="Answer anonymously", required=False,
                                   help_text="Staff see your answers without your name.")
