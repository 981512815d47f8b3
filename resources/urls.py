from django.urls import path

from resources import views

app_name = "resources"

urlpatterns = [
    path("", views.library, name="library"),
    path("add/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/download/", views.download, name="download"),
]
