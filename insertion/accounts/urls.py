from django.urls import path

from insertion.accounts import security_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("connexion/code/", security_views.otp_verify, name="otp_verify"),
    path("connexion/double-authentification/", security_views.otp_setup, name="otp_setup"),
    path("connexion/codes-de-secours/", security_views.otp_backup_codes, name="otp_backup_codes"),
    path("charte/", security_views.charter, name="charter"),
    path("mot-de-passe/", security_views.PasswordChangeView.as_view(), name="password_change"),
]
