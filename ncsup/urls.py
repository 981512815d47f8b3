from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin
from django.urls import include, path

from members import staff_door
from ncsup import views

admin.site.site_header = "NCSUP staff"
admin.site.site_title = "NCSUP staff"
admin.site.index_title = "Center administration"
# Google and Microsoft sign-in come from the environment (settings), not from rows staff edit.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    # One door: the admin's own sign-in, sign-out and password pages give way to the portal's.
    path("staff/login/", staff_door.login),
    path("staff/logout/", staff_door.logout),
    path("staff/password_change/", staff_door.password_change),
    path("staff/", admin.site.urls),
    path("", include("members.urls")),
    path("collaboratives/", include("rhythm.urls")),
    path("collaboratives/", include("collaboratives.urls")),
    path("network/", include("network.urls")),
    path("", include("billing.urls")),
    path("", include("renewals.urls")),
    path("learn/", include("learning.urls")),
    path("resources/", include("resources.urls")),
    path("partners/", include("partners.urls")),
]

