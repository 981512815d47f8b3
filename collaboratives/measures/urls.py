"""The measures pages' URLs, included by ``collaboratives/urls.py`` under its namespace."""

from django.urls import path

from collaboratives.measures import views

urlpatterns = [
    path("<slug:slug>/measures/", views.measure_list, name="measures"),
    path("<slug:slug>/measures/new/", views.measure_create, name="measure_create"),
    path("<slug:slug>/measures/template.csv", views.csv_template, name="csv_template"),
    path("<slug:slug>/measures/<int:pk>/", views.measure_teams, name="measure_teams"),
    path("<slug:slug>/measures/<int:pk>/edit/", views.measure_edit,
         name="measure_edit"),
    path("<slug:slug>/teams/<int:team_pk>/measures/", views.team_measures,
         name="team_measures"),
    path("<slug:slug>/teams/<int:team_pk>/measures/upload/", views.values_upload,
         name="values_upload"),
    path("<slug:slug>/teams/<int:team_pk>/measures/values.csv", views.values_export,
         name="values_export"),
    path("<slug:slug>/teams/<int:team_pk>/measures/<int:pk>/", views.team_measure,
         name="team_measure"),
    path("<slug:slug>/teams/<int:team_pk>/measures/<int:pk>/values/", views.value_add,
         name="value_add"),
    path("<slug:slug>/teams/<int:team_pk>/measures/<int:pk>/values/remove/",
         views.value_remove, name="value_remove"),
    path("<slug:slug>/teams/<int:team_pk>/measures/<int:pk>/chart/",
         views.chart_settings, name="chart_settings"),
    path("<slug:slug>/teams/<int:team_pk>/measures/<int:pk>/astronomical/",
         views.astronomical, name="astronomical"),
]
