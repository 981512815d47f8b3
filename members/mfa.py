"""Staff need a second factor: allauth's MFA, required before any page opens for them.

A staff or superuser account without an authenticator app (or, should they be turned on, a
security key) is sent to set one
up, whatever portal or ``/staff/`` page it asks for; only the account pages (``/accounts/``:
sign-out, email, password, the set-up itself) and static files stay open. It cannot remove its
last one either. Members may turn MFA on at ``/accounts/2fa/`` as they wish.
"""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from core import fragments

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
SET_UP_MESSAGE = ("Staff accounts need two-factor authentication. Set up an authenticator app "
                  "to open the staff pages.")


def needs_second_factor(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def has_second_factor(user) -> bool:
    # Asked on every staff request: kept in the fragment cache until the authenticators table
    # is written (core/fragments.py), so a removed or added factor counts at once.
    return fragments.cached("has-second-factor", [user.pk], lambda: Authenticator.objects.filter(
        user=user, type__in=SECOND_FACTORS).exists(), per_viewer=False)


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (needs_second_factor(request.user) and not self._open(request.path)
                and not has_second_factor(request.user)):
            messages.warning(request, SET_UP_MESSAGE)
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        accounts = reverse("account_login").removesuffix("login/")
        return path.startswith((accounts, settings.STATIC_URL, reverse("healthz")))


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A staff account keeps at least one authenticator app or security key."""
        user = authenticator.user
        if not needs_second_factor(user) or authenticator.type not in SECOND_FACTORS:
            return super().can_delete_authenticator(authenticator)
        others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exclude(
            pk=authenticator.pk)
        return others.exists()


@transaction.atomic
def totp_authenticator_ensure(*, user, secret: str) -> Authenticator:
    """Give ``user`` an authenticator app with this secret unless they have one (demo, tests)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, secret).instance
