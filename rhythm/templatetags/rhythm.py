"""The panels other apps' templates include with one line (``rhythm/partials/*_include.html``),
so the collaboratives' views and templates stay as they are."""

from django import template

from rhythm import panels

register = template.Library()


@register.inclusion_tag("rhythm/partials/collaborative_panel.html", takes_context=True)
def rhythm_collaborative_panel(context):
    """On the collaborative home, from its ``teams`` and ``convenings``."""
    return panels.collaborative_panel(context["request"].user, context["collaborative"],
                                      context["viewer"], context["teams"], context["convenings"])


@register.inclusion_tag("rhythm/partials/coach_panel.html", takes_context=True)
def rhythm_coach_panel(context):
    return panels.coach_panel(context["request"].user)
