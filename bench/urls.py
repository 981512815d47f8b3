"""The portal's URLs, plus one that only the benchmark serves (``bench/settings.py``).

``/bench/signed-in`` is the floor of every page that shows a signed-in person their data: the
middleware reads the session and the user, and the view does nothing else. The report sets
each key page beside it as well as beside ``/healthz``, which reads neither.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def signed_in(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench/signed-in", signed_in, name="bench_signed_in"),
    path("", include("ncsup.urls")),
]
