from django.contrib.auth import views as auth_views
from django.urls import reverse

from insertion.accounts.forms import LoginForm
from insertion.accounts.policy import landing_url


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user) or reverse("core:home")


class LogoutView(auth_views.LogoutView):
    pass
