from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("apply/", views.application_create, name="apply"),
    path("apply/<int:pk>/submitted/", views.application_submitted, name="application_submitted"),
    path("portal/", views.dashboard, name="dashboard"),
    path("portal/applications/", views.application_list, name="application_list"),
    path("portal/applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("portal/applications/<int:pk>/withdraw/", views.application_withdraw,
         name="application_withdraw"),
]
