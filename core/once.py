"""One-time form tokens: a creating form posted twice creates one thing.

Every form that creates something carries a signed, random token in a hidden field
(``OnceForm``, or ``OnceAdmin`` for the admin's add views). The view runs the service through
``submit_once``, which inserts a ``FormToken`` row for the token in the same transaction as the
create and records where the result lives. The same token again (a double-click, the browser's
back-and-resend, a replayed request) redirects to that result with "That was already saved.";
two at the same moment meet at the row's unique key, and the second waits for the first and
lands on its result. A missing, forged or expired token re-shows the form with its data and an
error, and a fresh token. Rows live as long as a token does; ``form_tokens_purge`` clears the rest.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone

from core.models import FormToken

FIELD = "once_token"
MAX_AGE = timedelta(days=2)
SALT = "core.once"
ALREADY_SAVED = "That was already saved."
BAD_TOKEN = ("This form could not be checked: it is more than two days old or did not come "  # noqa: S105
             "from this site. Nothing was saved. Check what you entered and send it again.")
SOMEONE_ELSES = ("This form was already sent by someone else. Nothing was saved. Check what you "
                 "entered and send it again.")


def form_token_new() -> str:
    return signing.TimestampSigner(salt=SALT).sign(secrets.token_urlsafe(18))


def form_token_valid(token: str | None) -> bool:
    if not token:
        return False
    try:
        signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    return True


def form_token_key(token: str) -> str:
    """What is stored: a digest, so the table holds no token that could be posted again."""
    return hashlib.sha256(token.encode()).hexdigest()


class AlreadySaved(Exception):
    """The token was used: ``url`` is where the first submission's result lives."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


def _used(*, key: str, user) -> str | None:
    row = FormToken.objects.filter(key=key).only("user_id", "result_url").first()
    if row is None:
        return None
    if row.user_id != getattr(user, "pk", None):
        raise ValidationError(SOMEONE_ELSES)
    return row.result_url


def form_token_use(*, token: str, user, create: Callable, result_url: Callable[..., str]):
    """Run ``create()`` once for ``token`` and return what it returns.

    The token's row is inserted first, in the same transaction as the create, so a concurrent
    second use waits on the unique key and fails cleanly. ``result_url(result)`` is where a
    second use is sent: ``AlreadySaved(url)`` is raised for it. A ``ValidationError`` from
    ``create`` rolls the row back with everything else, so the form can be corrected and sent
    again with the same token."""
    if not form_token_valid(token):
        raise ValidationError(BAD_TOKEN, code="form_token")
    key = form_token_key(token)
    if (url := _used(key=key, user=user)) is not None:
        raise AlreadySaved(url)
    try:
        with transaction.atomic():
            row = FormToken.objects.create(key=key, user=user if getattr(user, "pk", None)
                                           else None)
            result = create()
            row.result_url = result_url(result)[:500]
            if isinstance(result, models.Model) and result.pk is not None:
                row.content_type = ContentType.objects.get_for_model(result)
                row.object_id = str(result.pk)
            row.save(update_fields=["result_url", "content_type", "object_id"])
    except IntegrityError:
        # Another request with this token committed first; its result is the answer.
        if (url := _used(key=key, user=user)) is None:
            raise
        raise AlreadySaved(url) from None
    return result


def _url_of(result) -> str:
    return result if isinstance(result, str) else result.get_absolute_url()


def submit_once(request, form, create: Callable, *, result_url: Callable[..., str] = _url_of):
    """For a view: run ``create()`` (which calls a service and returns the URL to go to, or an
    object with ``get_absolute_url``) once per token, and answer with a redirect there. A second
    use redirects to the first's result with a gentle message. A ``ValidationError`` (from the
    service, or about the token itself) propagates for the view to show on the form."""
    try:
        result = form_token_use(token=form.token, user=request.user,
                                create=create, result_url=result_url)
    except AlreadySaved as saved:
        messages.info(request, ALREADY_SAVED)
        return HttpResponseRedirect(saved.url)
    except ValidationError as error:
        if getattr(error, "code", None) == "form_token" or SOMEONE_ELSES in error.messages:
            form.once_refresh()
        raise
    return HttpResponseRedirect(result_url(result))


class OnceForm(forms.Form):
    """A creating form: carries the one-time token (render it with
    ``{% include "partials/form_token.html" %}``; ``{{ form }}`` and hidden_fields do too)."""

    once_token = forms.CharField(widget=forms.HiddenInput, initial=form_token_new, required=False,
                                 max_length=200)

    token: str | None = None

    def full_clean(self):
        """The token goes to ``form.token``, not ``cleaned_data`` (which a view may pass on to a
        service as keyword arguments)."""
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data") or FIELD not in self.fields:
            return
        self.token = self.cleaned_data.pop(FIELD, None)
        if not form_token_valid(self.token):
            self.add_error(None, ValidationError(BAD_TOKEN, code="form_token"))
            self.once_refresh()

    def once_refresh(self) -> None:
        """Give the re-shown form a new token (the data entered stays)."""
        data = self.data.copy()
        data[self.add_prefix(FIELD)] = form_token_new()
        self.data = data


def once_form(form_class):
    """``form_class`` with the token, for forms defined elsewhere (admin actions)."""
    if issubclass(form_class, OnceForm):
        return form_class
    return type(form_class.__name__, (OnceForm, form_class), {"__module__": __name__})


@transaction.atomic
def form_tokens_purge(*, now=None) -> int:
    """Delete rows for tokens that can no longer be posted (they expire after ``MAX_AGE``)."""
    cutoff = (now or timezone.now()) - MAX_AGE - timedelta(hours=1)
    deleted, _ = FormToken.objects.filter(used_at__lt=cutoff).delete()
    return deleted


class _NotSaved(Exception):
    def __init__(self, response):
        super().__init__(response)
        self.response = response


class OnceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add view carries the one-time token: "Save" pressed twice, or the
    page sent again, adds one object and lands on the first save's page."""

    add_form_template = "admin/core/once_change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and not change:
            kwargs["form"] = once_form(kwargs.get("form", self.form))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != FIELD]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if (object_id is not None or request.method != "POST" or IS_POPUP_VAR in request.POST
                or not form_token_valid(request.POST.get(FIELD))):
            # Showing the form, changing, or a bad token (the form itself says so).
            return super().changeform_view(request, object_id, form_url, extra_context)

        def create():
            response = super(OnceAdmin, self).changeform_view(request, object_id, form_url,
                                                               extra_context)
            if not isinstance(response, HttpResponseRedirect):
                raise _NotSaved(response)  # the form is shown again: nothing was saved
            return response

        try:
            return form_token_use(token=request.POST[FIELD], user=request.user, create=create,
                           result_url=lambda response: response["Location"])
        except _NotSaved as not_saved:
            return not_saved.response
        except AlreadySaved as saved:
            self.message_user(request, ALREADY_SAVED, messages.INFO)
            return HttpResponseRedirect(saved.url)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
