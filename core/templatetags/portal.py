from django import template

from core.money import format_usd
from core.text import sentence as _sentence

register = template.Library()


@register.filter
def usd(value):
    """$2,500.00"""
    if value in (None, ""):
        return ""
    return format_usd(value)


@register.filter
def is_optional(bound_field):
    """Mark a field "(optional)" unless it is required, or required once its group is used."""
    field = bound_field.field
    return not field.required and not getattr(field, "conditional", False)


@register.filter
def sentence(value):
    """End a message built from parts with one full stop: "mistyped?" stays "mistyped?"."""
    return _sentence(value)


@register.filter
def fields_in_error(forms):
    """Every field with an error, in page order, for an error summary: its id (to link to),
    its label (prefixed by the form's ``section`` where two forms share labels) and the first
    message; errors of a whole form come first, with no label. Takes one form or a list."""
    rows = []
    for form in forms if isinstance(forms, list | tuple) else [forms]:
        section = getattr(form, "section", "")
        rows.extend({"id": "", "label": "", "message": message}
                    for message in form.non_field_errors())
        for field in form:
            if field.errors:
                label = f"{section}: {field.label}" if section else field.label
                rows.append({"id": field.auto_id, "label": label, "message": field.errors[0]})
    return rows
