"""One door: staff sign in, change their password and sign out through the portal's pages.

Django admin's own login form has none of allauth's rate limits, lockout or second factor, so
``/staff/login/`` only sends people to the portal's sign-in, keeping where they were going.
"""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods


def _next(request) -> str:
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def login(request):
    """Any method, any form data: the staff pages take no password of their own."""
    if request.user.is_authenticated and not request.user.is_staff:
        # Django admin sends a signed-in member here; the sign-in page would send them back.
        return render(request, "account/staff_only.html", status=403)
    return HttpResponseRedirect(
        f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: _next(request)})}")


@require_http_methods(["GET", "POST"])
def logout(request):
    if request.method == "POST":
        # 307 keeps the admin's POST (and its CSRF token): the portal's sign-out does the rest.
        return HttpResponseRedirect(reverse("account_logout"), status=307)
    return redirect("account_logout")


def password_change(request):
    return redirect("account_change_password")
