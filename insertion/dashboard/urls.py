from django.urls import path

from insertion.dashboard import indicators_views, views

app_name = "dashboard"
urlpatterns = [
    path("etablissements/", views.establishments_overview, name="establishments"),
    path("national/", views.national_overview, name="national"),
    path("indicateurs/", indicators_views.national_indicators, name="indicators"),
]
