"""Form helpers every domain shares: a text field held to its model field's limit, and
``show_service_errors``, which puts a service's ``ValidationError`` next to the fields it names."""

from django import forms
from django.core.exceptions import ValidationError

from collaboratives.programme.models import TextLimit

TEXTAREA = {"rows": 3}


def text(model, name: str, **kwargs) -> forms.CharField:
    """A textarea held to the model field's maximum, refused in the model's words."""
    limit = model._meta.get_field(name).max_length
    kwargs.setdefault("widget", forms.Textarea(attrs=TEXTAREA))
    field = forms.CharField(validators=[TextLimit(limit)], **kwargs)
    field.widget.attrs["maxlength"] = str(limit)
    return field


def show_service_errors(error: ValidationError, form: forms.Form) -> None:
    """Put a service's errors next to the fields they name; the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)

