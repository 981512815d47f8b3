from django.urls import path

from members import account_views, staff_views, views

app_name = "members"

urlpatterns = [
    path("apply/", views.application_create, name="apply"),
    path("apply/<int:pk>/submitted/", views.application_submitted, name="application_submitted"),
    path("portal/", views.dashboard, name="dashboard"),
    path("portal/account/", account_views.account, name="account"),
    path("portal/account/name/", account_views.name, name="name"),
    path("portal/applications/", views.application_list, name="application_list"),
    path("portal/applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("portal/applications/<int:pk>/withdraw/", views.application_withdraw,
         name="application_withdraw"),
    path("portal/teams/<int:pk>/", views.roster, name="roster"),
    path("portal/teams/<int:pk>/members/<int:member_pk>/role/", views.member_role,
         name="member_role"),
    path("portal/teams/<int:pk>/members/<int:member_pk>/remove/", views.member_remove,
         name="member_remove"),
    path("portal/teams/<int:pk>/members/<int:member_pk>/lead/", views.member_make_lead,
         name="member_make_lead"),
    path("portal/teams/<int:pk>/invitations/<int:invitation_pk>/resend/",
         views.invitation_resend, name="invitation_resend"),
    path("portal/teams/<int:pk>/invitations/<int:invitation_pk>/revoke/",
         views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_respond, name="invitation"),
]
urlpatterns += staff_views.urlpatterns
