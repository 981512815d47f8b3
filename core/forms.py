"""Form helpers every app shares."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def service_errors_show(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on ``form``: each keyed error next to its field when the
    form has it, the rest at the top. Nothing the person typed is lost."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None,
                       messages)
