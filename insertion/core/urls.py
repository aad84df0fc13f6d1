from django.urls import path

from insertion.core import views

app_name = "core"
urlpatterns = [
    path("favicon.ico", views.favicon),
]
