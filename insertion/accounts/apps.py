from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "insertion.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"
