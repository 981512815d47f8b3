"""The convenings pages' URLs, included by ``collaboratives/urls.py`` under its namespace."""

from django.urls import path

from collaboratives.convenings import views

urlpatterns = [
    path("calendar/", views.calendar_subscribe, name="calendar"),
    path("calendar/<str:token>/convenings.ics", views.calendar_feed, name="calendar_feed"),
    path("<slug:slug>/convenings/<int:pk>/", views.convening_detail, name="convening"),
    path("<slug:slug>/convenings/<int:pk>/event.ics", views.convening_ics,
         name="convening_ics"),
]
