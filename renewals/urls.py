from django.urls import path

from renewals import views

app_name = "renewals"

urlpatterns = [
    path("portal/renewals/<int:pk>/", views.offer, name="offer"),
    path("portal/staff/renewals/", views.staff_list, name="staff_list"),
    path("portal/staff/renewals.csv", views.staff_export, name="staff_export"),
]
