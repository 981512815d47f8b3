from django.contrib import admin
from django.urls import include, path

from ncsup import views

admin.site.site_header = "NCSUP staff"
admin.site.site_title = "NCSUP staff"
admin.site.index_title = "Center administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("staff/", admin.site.urls),
    path("", include("members.urls")),
    path("collaboratives/", include("collaboratives.urls")),
    path("", include("billing.urls")),
]

