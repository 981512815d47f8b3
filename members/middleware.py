"""Existing accounts without a name are asked for it once, at their next signed-in page."""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class NameRequiredMiddleware:
    """A signed-in person with no given or family name is sent to "Tell us your name" (then on to
    where they were going); once both are filled the page is never shown again. The account
    pages (sign-out, email, password, second factor) and static files stay open, and so does
    anything that is not a page request (a POST goes through and is asked on the next GET)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (request.method == "GET" and user.is_authenticated and not user.has_name
                and not self._open(request.path)):
            target = request.get_full_path()
            return redirect(f"{reverse('members:name')}?{urlencode({REDIRECT_FIELD_NAME: target})}")
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        accounts = reverse("account_login").removesuffix("login/")
        return path.startswith((accounts, settings.STATIC_URL, reverse("healthz"),
                                reverse("members:name")))
