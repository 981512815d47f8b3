from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:pk>/", views.listing, name="listing"),
    path("institutions/<int:institution_pk>/entry/", views.listing_edit, name="listing_edit"),
    path("introductions/", views.introductions, name="introductions"),
    path("introductions/<int:pk>/", views.introduction, name="introduction"),
    path("introductions/<int:pk>/answer/", views.introduction_answer,
         name="introduction_answer"),
    path("introductions/<int:pk>/withdraw/", views.introduction_withdraw,
         name="introduction_withdraw"),
    path("staff/introductions/", views.staff_introductions, name="staff_introductions"),
]
