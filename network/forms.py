from django import forms

from core.once import OnceForm
from network.models import Event, EventMaterial, Group, Post

PLAIN_OR_MARKDOWN = ("Plain text shows as you type it. Markdown allows **bold**, *italics*, "
                     "lists and [links](https://example.org); nothing else (no HTML, no "
                     "images).")


class EventFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False,
                             choices=[("", "All kinds"), *Event.Kind.choices])
    group = forms.ChoiceField(label="Group", required=False, choices=[("", "All groups")])

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Any (and open to all)"),
                                        *((g.slug, g.name) for g in groups)]


class GroupFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False,
                             choices=[("", "All kinds"), *Group.Kind.choices])


class MaterialForm(OnceForm):
    kind = forms.ChoiceField(label="What it is", choices=EventMaterial.Kind.choices)
    title = forms.CharField(label="Title", max_length=200)
    url = forms.URLField(label="Link", required=False, max_length=500,
                         help_text="A recording or a document online, or attach a file below.")
    file = forms.FileField(label="Or attach a file", required=False,
                           help_text="A PDF, an image (PNG, JPEG, GIF, WebP) or a CSV; at most "
                                     "5 MB. No student-level data.",
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".png,.jpg,.jpeg,.gif,.webp,.pdf,.csv"}))


class TopicForm(OnceForm):
    title = forms.CharField(label="Topic", max_length=200)
    body = forms.CharField(label="First post", max_length=Post._meta.get_field("body").max_length,
                           widget=forms.Textarea(attrs={"rows": 6}))
    markup = forms.ChoiceField(label="Written as", choices=Post.Markup.choices,
                               initial=Post.Markup.TEXT, widget=forms.RadioSelect,
                               help_text=PLAIN_OR_MARKDOWN)


class PostForm(OnceForm):
    body = forms.CharField(label="Your reply",
                           max_length=Post._meta.get_field("body").max_length,
                           widget=forms.Textarea(attrs={"rows": 5}))
    markup = forms.ChoiceField(label="Written as", choices=Post.Markup.choices,
                               initial=Post.Markup.TEXT, widget=forms.RadioSelect,
                               help_text=PLAIN_OR_MARKDOWN)


class HideForm(forms.Form):
    reason = forms.CharField(label="Why hide it", max_length=500,
                             help_text="Kept in the record with your name and the time; the "
                                       "post then shows as hidden by a moderator.")


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    note = forms.CharField(required=False, max_length=500)


class NotificationsForm(forms.Form):
    notify = forms.BooleanField(label="Email me new posts in this group", required=False)
