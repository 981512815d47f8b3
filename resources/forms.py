from django import forms

from collaboratives.programme.models import Collaborative
from core.once import OnceForm
from resources.models import Resource, Tag
from resources.services import ACCEPTED

NO_STUDENT_DATA = ("No student-level data: the library holds guides, tools and aggregate "
                   "examples. Never a file with students' names, ID numbers or dates of birth.")


def _tag_choices(tags: list[Tag]):
    return [("", "Any")] + [(tag.slug, tag.name) for tag in tags]


class LibrarySearchForm(forms.Form):
    """The library's search and filters (GET). Unknown values are ignored, not errors: a stale
    bookmark still shows the library."""

    q = forms.CharField(label="Search", required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "e.g. attendance PDSA"}))
    problem = forms.ChoiceField(label="Problem of practice", required=False)
    method = forms.ChoiceField(label="Method", required=False)
    audience = forms.ChoiceField(label="Audience", required=False)
    kind = forms.ChoiceField(label="Kind", required=False,
                             choices=[("", "Any"), *Resource.Kind.choices])

    def __init__(self, *args, tags: dict[str, list[Tag]], **kwargs):
        super().__init__(*args, **kwargs)
        self.tags = tags
        for field in self.fields.values():
            field.conditional = True  # a filter, not "(optional)"
        for kind in Tag.Kind.values:
            self.fields[kind].choices = _tag_choices(tags[kind])

    def full_clean(self):
        super().full_clean()
        for name in list(self._errors):  # drop what does not match instead of refusing
            self._errors.pop(name)
            self.cleaned_data[name] = ""

    def chosen_tags(self) -> list[Tag]:
        data = self.cleaned_data if self.is_bound else {}
        chosen = []
        for kind in Tag.Kind.values:
            slug = data.get(kind)
            chosen += [tag for tag in self.tags[kind] if tag.slug == slug]
        return chosen

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.cleaned_data.get(name) for name in self.fields)


class ResourceFileForm(OnceForm):
    """Staff add a file. A file the identifier scan warns about is held (``held``) while the
    uploader confirms, so it need not be chosen again."""

    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              help_text="Two or three sentences: what it is and who it helps.")
    file = forms.FileField(required=False, help_text=f"{ACCEPTED}. {NO_STUDENT_DATA}")
    held = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    no_student_data_confirmed = forms.BooleanField(
        required=False,
        label="I have checked this file: it holds no student-level data (no names, student "
              "IDs, dates of birth or Social Security numbers).")
    visibility = forms.ChoiceField(label="Who sees it", choices=Resource.Visibility.choices,
                                   initial=Resource.Visibility.MEMBERS,
                                   widget=forms.RadioSelect)
    collaborative = forms.ModelChoiceField(
        queryset=Collaborative.objects.all(), required=False,
        help_text="Only when it is for the participants of one collaborative.")
    tags = forms.ModelMultipleChoiceField(queryset=Tag.objects.all(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    listed = forms.BooleanField(label="List it in the library now", required=False,
                                initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].conditional = True  # required unless a held file is confirmed
        self.fields["tags"].label_from_instance = (
            lambda tag: f"{tag.name} ({tag.get_kind_display()})")
