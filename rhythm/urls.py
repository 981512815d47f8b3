"""Mounted under /collaboratives/ before the collaboratives app, so its pages sit beside the
collaborative's own. ``coaching/`` is reserved as a slug, so the triage page cannot clash."""

from django.urls import path

from rhythm import views

app_name = "rhythm"

urlpatterns = [
    path("coaching/triage/", views.triage, name="triage"),
    path("<slug:slug>/reports/", views.reports, name="reports"),
    path("<slug:slug>/reports/<int:pk>/", views.report_detail, name="report"),
    path("<slug:slug>/teams/<int:team_pk>/reports/", views.team_reports, name="team_reports"),
    path("<slug:slug>/teams/<int:team_pk>/reports/<int:year>/<int:month>/", views.report_edit,
         name="report_edit"),
    path("<slug:slug>/progress/", views.progress, name="progress"),
    path("<slug:slug>/progress/pdf/", views.progress_pdf, name="progress_pdf"),
    path("<slug:slug>/progress/scores.csv", views.scores_csv, name="scores_csv"),
    path("<slug:slug>/progress/reports.csv", views.reports_csv, name="reports_csv"),
    path("<slug:slug>/evaluations/", views.evaluations, name="evaluations"),
    path("<slug:slug>/convenings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<slug:slug>/convenings/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<slug:slug>/convenings/<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path("<slug:slug>/convenings/<int:pk>/evaluations/", views.evaluation_results,
         name="evaluation_results"),
]
