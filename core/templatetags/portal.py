from django import template
from django.forms import BoundField

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
def fields_in_error(parts):
    """Every field with an error, in page order, for an error summary: its id (to link to),
    its label (prefixed by the form's ``section`` where two forms share labels) and the first
    message. ``parts`` is one form or a list of forms, single bound fields (to interleave two
    forms in the order the page shows them) and plain messages (errors of the whole form).
    A form's own errors come first, with no label."""
    rows = []
    for part in parts if isinstance(parts, list | tuple) else [parts]:
        if isinstance(part, str):
            rows.append({"id": "", "label": "", "message": part})
            continue
        if isinstance(part, BoundField):
            fields, section = [part], getattr(part.form, "section", "")
        else:
            section = getattr(part, "section", "")
            rows.extend({"id": "", "label": "", "message": message}
                        for message in part.non_field_errors())
            fields = list(part)
        for field in fields:
            if field.errors:
                label = str(field.label).rstrip(".:")
                label = f"{section}: {label}" if section else label
                rows.append({"id": field.auto_id, "label": label, "message": field.errors[0]})
    return rows
