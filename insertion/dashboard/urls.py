from django.urls import path

from insertion.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("etablissements/", views.establishments_overview, name="establishments"),
    path("national/", views.national_overview, name="national"),
]
