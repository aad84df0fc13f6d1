from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from insertion.accounts.forms import LoginForm
from insertion.accounts.policy import landing_url
from insertion.accounts.redirects import is_local_path


class LocalNextMixin:
    """Django's check lets a relative "x" through; our rule is a local path or nothing."""

    def get_redirect_url(self):
        value = super().get_redirect_url()
        return value if is_local_path(self.request, value) else ""


class LoginView(LocalNextMixin, auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user) or reverse("accounts:home")


class LogoutView(LocalNextMixin, auth_views.LogoutView):
    pass


def home(request):
    """Send each user to the first page of their role."""
    url = landing_url(request.user)
    if url is None:
        raise PermissionDenied(
            "Votre compte n'a pas encore de rôle : contactez l'administrateur de l'application."
        )
    return redirect(url)
