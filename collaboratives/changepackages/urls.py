"""The changepackages pages' URLs, included by ``collaboratives/urls.py`` under its namespace."""

from django.urls import path

from collaboratives.changepackages import views

urlpatterns = [
    path("change-packages/", views.library, name="library"),
    path("change-packages/<int:pk>/", views.library_package,
         name="library_package"),
    path("change-packages/<int:pk>/pdf/", views.library_pdf, name="library_pdf"),
    path("<slug:slug>/change-package/", views.change_package_list,
         name="change_packages"),
    path("<slug:slug>/change-package/draft/", views.change_package_draft,
         name="change_package_draft"),
    path("<slug:slug>/change-package/v<int:version>/", views.change_package_detail,
         name="change_package"),
    path("<slug:slug>/change-package/v<int:version>/pdf/",
         views.change_package_pdf, name="change_package_pdf"),
]
