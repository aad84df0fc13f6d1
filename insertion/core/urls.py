from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from insertion.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico on pages that declare none (the admin): the DSFR one.
    path(
        "favicon.ico",
        login_not_required(
            RedirectView.as_view(url=static("dsfr/dist/favicon/favicon.ico"), permanent=True)
        ),
    ),
]
