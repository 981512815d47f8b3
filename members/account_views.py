"""The person's own pages: "Your account" and "Tell us your name"."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from members import people
from members.forms import EmailPreferenceForm, PersonNameForm
from members.models import Invitation, MembershipApplication
from members.names import person_name_split


def _show_errors(error: ValidationError, form) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _name_guess(user) -> dict:
    """The name the Center was given for this address: a team invitation, else an application."""
    full = (Invitation.objects.filter(email__iexact=user.email).exclude(name="")
            .values_list("name", flat=True).first()
            or MembershipApplication.objects.filter(contact_email__iexact=user.email)
            .exclude(contact_name="").order_by("-created_at")
            .values_list("contact_name", flat=True).first() or "")
    given, family = person_name_split(full)
    return {"first_name": user.first_name or given, "last_name": user.last_name or family}


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("members:dashboard")


@login_required
def name(request):
    """Asked once of an account that has no name (members.middleware.NameRequiredMiddleware)."""
    if request.method == "POST":
        form = PersonNameForm(request.POST, instance=request.user, with_title=False)
        if form.is_valid():
            try:
                people.user_name_save(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _show_errors(error, form)
            else:
                messages.success(request, f"Thank you, {request.user.first_name}.")
                return redirect(_next_url(request))
    elif request.user.has_name:
        return redirect(_next_url(request))
    else:
        form = PersonNameForm(initial=_name_guess(request.user), with_title=False)
    return render(request, "members/name_form.html", {
        "form": form, "next": _next_url(request),
    })


@login_required
def account(request):
    user = request.user
    name_form = PersonNameForm(instance=user, prefix="name")
    preference_form = EmailPreferenceForm(instance=user, prefix="mail")
    if request.method == "POST" and "save_name" in request.POST:
        name_form = PersonNameForm(request.POST, instance=user, prefix="name")
        if name_form.is_valid():
            try:
                people.user_name_save(user=user, **name_form.cleaned_data)
            except ValidationError as error:
                _show_errors(error, name_form)
            else:
                messages.success(request, "Your name and job title are saved.")
                return redirect("members:account")
        user.refresh_from_db()  # the header and page show the saved name, not the bad input
    elif request.method == "POST" and "save_mail" in request.POST:
        preference_form = EmailPreferenceForm(request.POST, instance=user, prefix="mail")
        if preference_form.is_valid():
            people.user_email_preferences_save(
                user=user, nudges=preference_form.cleaned_data["email_nudges"])
            messages.success(request, "Your email preferences are saved.")
            return redirect("members:account")
    elif request.method == "POST":
        return redirect("members:account")
    sessions = sorted(UserSession.objects.purge_and_list(user), key=lambda s: s.created_at)
    return render(request, "members/account.html", {
        "name_form": name_form,
        "preference_form": preference_form,
        "emails": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
        "authenticators": set(Authenticator.objects.filter(user=user)
                              .values_list("type", flat=True)),
        "connections": SocialAccount.objects.filter(user=user).order_by("provider"),
        "sessions": sessions,
    }, status=400 if request.method == "POST" else 200)
