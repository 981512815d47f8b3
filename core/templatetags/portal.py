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
