"""Form helpers every domain shares: a text field held to its model field's limit. A service's
``ValidationError`` goes next to the fields it names through ``core.forms.service_errors_show``."""

from django import forms

from collaboratives.programme.models import TextLimit

TEXTAREA = {"rows": 3}


def text(model, name: str, **kwargs) -> forms.CharField:
    """A textarea held to the model field's maximum, refused in the model's words."""
    limit = model._meta.get_field(name).max_length
    kwargs.setdefault("widget", forms.Textarea(attrs=TEXTAREA))
    field = forms.CharField(validators=[TextLimit(limit)], **kwargs)
    field.widget.attrs["maxlength"] = str(limit)
    return field
