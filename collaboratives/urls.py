"""The collaboratives' URLs, one namespace ("collaboratives") for all of them: each
sub-package's patterns are included here under the names they always had.

Order matters: the fixed prefixes (``calendar/``, ``change-packages/``, ``coaching/``; also
reserved as slugs) come before ``<slug:slug>/``."""

from django.urls import include, path

from collaboratives import pages

app_name = "collaboratives"

urlpatterns = [
    path("", pages.collaborative_list, name="list"),
    path("coaching/", pages.coach_teams, name="coaching"),
    path("", include("collaboratives.convenings.urls")),
    path("", include("collaboratives.changepackages.urls")),
    path("<slug:slug>/", pages.collaborative_home, name="home"),
    path("", include("collaboratives.cycles.urls")),
    path("", include("collaboratives.measures.urls")),
]
