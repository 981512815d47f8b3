from django.urls import path

from learning import views

app_name = "learning"
urlpatterns = [
    path("", views.course_list, name="courses"),
    path("certificates/<int:pk>/", views.certificate, name="certificate"),
    path("onboarding/<slug:slug>/", views.onboarding, name="onboarding"),
    path("onboarding/<slug:slug>/teams/<int:team_pk>/", views.team_checklist,
         name="team_checklist"),
    path("<slug:slug>/", views.course_detail, name="course"),
    path("<slug:slug>/lessons/<int:pk>/", views.lesson_detail, name="lesson"),
    path("<slug:slug>/files/<int:pk>/", views.lesson_file, name="file"),
    path("<slug:slug>/modules/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("<slug:slug>/attempts/<int:pk>/", views.attempt, name="attempt"),
    path("<slug:slug>/teams/<int:team_pk>/", views.team_progress, name="team_progress"),
    path("<slug:slug>/institutions/", views.institutions, name="institutions"),
]
