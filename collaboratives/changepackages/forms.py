"""Forms of the change package draft: its title and introduction, adding an idea, an entry's
commentary."""

from django import forms

from collaboratives.changepackages.models import ChangePackage, ChangePackageEntry
from collaboratives.programme.forms import text
from core.once import OnceForm  # creating forms: posted twice, they save once


class ChangePackageForm(forms.Form):
    title = forms.CharField(max_length=200)
    introduction = text(ChangePackage, "introduction", widget=forms.Textarea(attrs={"rows": 4}),
                        required=False,
                                   help_text="What the package is and how to read it.")


class EntryAddForm(OnceForm):
    change_idea = forms.ModelChoiceField(queryset=None, label="Adopted change idea",
                                         empty_label="Choose a change idea")
    commentary = text(ChangePackageEntry, "commentary", required=False,
                                 label="For whom and under what conditions")

    def __init__(self, *args, ideas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_idea"].queryset = ideas


class EntryCommentaryForm(forms.Form):
    commentary = text(ChangePackageEntry, "commentary", required=False,
                                 label="For whom and under what conditions")
