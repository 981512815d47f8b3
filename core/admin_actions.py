"""Admin actions that ask for a short form (a reason, a payment) and then call a service.

The first POST shows the form for the selected rows, the second (with ``apply``) validates it
and calls the service once per row. A service's ``ValidationError`` is shown next to the form
field it names when one row is selected, and as a message per refused row otherwise; the other
rows proceed. Used for every such action: applications, invoices, collaboratives.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

TEMPLATE = "admin/core/form_action.html"


def form_action(
    *,
    form_class,
    perform: Callable,
    verb: str,
    description: str,
    single: bool = False,
    permissions: tuple[str, ...] = ("change",),
    intro: str = "",
    describe: Callable = str,
):
    """Build an admin action. ``perform(obj=..., data=form.cleaned_data, actor=request.user)``
    calls the service for one selected row. ``single`` refuses a selection of more than one.
    ``describe(obj)`` is how the confirmation page lists a selected row."""

    def action(modeladmin, request, queryset):
        opts = modeladmin.model._meta
        if single and queryset.count() != 1:
            modeladmin.message_user(request, f"Select exactly one {opts.verbose_name} to "
                                    f"{verb.lower()}.", messages.WARNING)
            return None
        form = form_class(request.POST) if "apply" in request.POST else form_class()
        if "apply" in request.POST and form.is_valid():
            done, refused = 0, []
            for obj in queryset:
                try:
                    perform(obj=obj, data=form.cleaned_data, actor=request.user)
                    done += 1
                except ValidationError as error:
                    if single:
                        _show_on_form(form, error)
                    else:
                        refused.append(f"{obj}: {' '.join(error.messages)}")
            if not form.errors:
                if done:
                    noun = ngettext(str(opts.verbose_name), str(opts.verbose_name_plural), done)
                    modeladmin.message_user(
                        request, f"{verb.capitalize()}: {done} {noun}.", messages.SUCCESS)
                for line in refused:
                    modeladmin.message_user(request, line, messages.ERROR)
                return None
        return TemplateResponse(request, TEMPLATE, {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "verb": verb,
            "intro": intro,
            "objects": [describe(obj) for obj in queryset],
            "form": form,
            "action_name": request.POST.get("action"),
            "opts": opts,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        })

    action.__name__ = f"{verb.lower().replace(' ', '_')}_selected"
    return admin.action(description=description, permissions=list(permissions))(action)


def _show_on_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
