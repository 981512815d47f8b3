from django import template

from core.money import format_usd

register = template.Library()


@register.filter
def usd(value):
    """$2,500.00"""
    if value in (None, ""):
        return ""
    return format_usd(value)
