"""Admin actions that ask for a short form (a reason, a payment) and then call a service.

The first POST shows the form for the selected rows, the second (with ``apply``) validates it
and calls the service once per row. A service's ``ValidationError`` is shown next to the form
field it names when one row is selected, and as a message per refused row otherwise; the other
rows proceed. Used for every such action: applications, invoices, collaboratives.

Every action form carries a one-time token (``core.once``): the same confirmation posted twice
(a double-click, a resend) runs the action once and lands back on the list with "That was
already saved."
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

from core import once

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
    """Build an admin action; its form gets the one-time token (``core.once``).
    ``perform(obj=..., data=form.cleaned_data, actor=request.user)`` calls the service
    for one selected row. ``single`` refuses a selection of more than one.
    ``describe(obj)`` is how the confirmation page lists a selected row."""

    form_class = once.once_form(form_class)

    def action(modeladmin, request, queryset):
        opts = modeladmin.model._meta
        if single and queryset.count() != 1:
            modeladmin.message_user(request, f"Select exactly one {opts.verbose_name} to "
                                    f"{verb.lower()}.", messages.WARNING)
            return None
        form = form_class(request.POST) if "apply" in request.POST else form_class()
        if "apply" in request.POST and form.is_valid():
            data = {**form.cleaned_data, once.FIELD: form.token}

            def run():
                done, refused = 0, []
                for obj in queryset:
                    try:
                        perform(obj=obj, data=data, actor=request.user)
                        done += 1
                    except ValidationError as error:
                        if single:
                            raise
                        refused.append(f"{obj}: {' '.join(error.messages)}")
                if refused and not done:
                    raise _NothingDone(refused)  # the token stays unused: fix and send again
                return done, refused

            done, refused = 0, []
            try:
                done, refused = once.form_token_use(
                    token=form.token, user=request.user, create=run,
                    result_url=lambda _: request.get_full_path())
            except once.AlreadySaved as saved:
                modeladmin.message_user(request, once.ALREADY_SAVED, messages.INFO)
                return HttpResponseRedirect(saved.url)
            except _NothingDone as nothing:
                done, refused = 0, nothing.refused
            except ValidationError as error:
                _show_on_form(form, error)
                if getattr(error, "code", None) == "form_token":
                    form.once_refresh()
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


class _NothingDone(Exception):
    def __init__(self, refused: list[str]):
        super().__init__(refused)
        self.refused = refused


def _show_on_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
