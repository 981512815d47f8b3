"""The cycles pages' URLs, included by ``collaboratives/urls.py`` under its namespace."""

from django.urls import path

from collaboratives.cycles import views

urlpatterns = [
    path("<slug:slug>/drivers/", views.driver_diagram, name="drivers"),
    path("<slug:slug>/cycles/", views.cycle_list, name="cycles"),
    path("<slug:slug>/cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("<slug:slug>/cycles/<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("<slug:slug>/cycles/<int:pk>/advance/", views.cycle_advance, name="cycle_advance"),
    path("<slug:slug>/cycles/<int:pk>/attachments/", views.attachment_add,
         name="attachment_add"),
    path("<slug:slug>/cycles/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("<slug:slug>/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<slug:slug>/attachments/<int:pk>/delete/", views.attachment_delete,
         name="attachment_delete"),
    path("<slug:slug>/teams/<int:team_pk>/", views.team_workspace, name="workspace"),
    path("<slug:slug>/teams/<int:team_pk>/aim/", views.aim_edit, name="aim"),
    path("<slug:slug>/teams/<int:team_pk>/calls/new/", views.coaching_call_create,
         name="call_create"),
    path("<slug:slug>/teams/<int:team_pk>/cycles/new/", views.cycle_create, name="cycle_create"),
]
