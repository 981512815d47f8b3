from django.urls import path

from network import views

app_name = "network"

urlpatterns = [
    path("events/", views.event_list, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    path("events/<int:pk>/event.ics", views.event_ics, name="event_ics"),
    path("events/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("events/<int:pk>/materials/", views.material_add, name="material_add"),
    path("events/<int:pk>/materials/<int:material_pk>/", views.material_download,
         name="material"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<slug:slug>/", views.group_detail, name="group"),
    path("groups/<slug:slug>/join/", views.group_join, name="group_join"),
    path("groups/<slug:slug>/leave/", views.group_leave, name="group_leave"),
    path("groups/<slug:slug>/notifications/", views.group_notifications,
         name="group_notifications"),
    path("groups/<slug:slug>/requests/<int:pk>/", views.request_decide, name="request_decide"),
    path("groups/<slug:slug>/topics/new/", views.topic_create, name="topic_create"),
    path("groups/<slug:slug>/topics/<int:pk>/", views.topic_detail, name="topic"),
    path("groups/<slug:slug>/posts/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("groups/<slug:slug>/shelf/", views.shelf_add, name="shelf_add"),
    path("groups/<slug:slug>/shelf/<int:pk>/remove/", views.shelf_remove, name="shelf_remove"),
]
