"""The panels other apps' templates include with one line (``rhythm/partials/*_include.html``),
so the collaboratives' views and templates stay as they are."""

from django import template

from rhythm import panels

register = template.Library()


@register.inclusion_tag("rhythm/partials/collaborative_panel.html", takes_context=True)
def rhythm_collaborative_panel(context):
    request = context["request"]
    return panels.collaborative_panel(request.user, context["collaborative"], context["viewer"])


@register.inclusion_tag("rhythm/partials/coach_panel.html", takes_context=True)
def rhythm_coach_panel(context):
    return panels.coach_panel(context["request"].user)
