from django import forms

from core.once import OnceForm
from core.usstates import US_STATES
from members.models import Institution
from partners.models import REGION_CHOICES, Listing


class DirectorySearchForm(forms.Form):
    """The directory's search and filters (GET); an unknown value is ignored."""

    q = forms.CharField(label="Search", required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "e.g. absenteeism"}))
    kind = forms.ChoiceField(label="Kind", required=False,
                             choices=[("", "Any"), *Institution.Kind.choices])
    region = forms.ChoiceField(label="Region", required=False,
                               choices=[("", "Any"), *REGION_CHOICES])
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any"), *US_STATES])
    seeking = forms.ChoiceField(label="Looking for", required=False,
                                choices=[("", "Anyone"), *Institution.Kind.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.conditional = True  # a filter, not "(optional)"

    def full_clean(self):
        super().full_clean()
        for name in list(self._errors):
            self._errors.pop(name)
            self.cleaned_data[name] = ""

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.cleaned_data.get(name) for name in self.fields)


class ListingForm(forms.ModelForm):
    class Meta:
        model = Listing
        fields = ["listed", "about", "problems", "seeking_kind", "seeking"]
        widgets = {"about": forms.Textarea(attrs={"rows": 4}),
                   "seeking_kind": forms.RadioSelect}


class IntroductionForm(OnceForm):
    from_institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(), label="On behalf of", empty_label=None,
        widget=forms.RadioSelect)
    message = forms.CharField(
        label="What would you like to work on together?", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to their team lead. Your email address is shared only if they accept.",
        error_messages={"required": "Say what you would like to work on together."})

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_institution"].queryset = institutions
        self.fields["from_institution"].label_from_instance = lambda i: i.name


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
