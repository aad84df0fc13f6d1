from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "insertion.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from insertion.accounts import checks  # noqa: F401 - registers the system checks
        from insertion.accounts.middleware import mark_session_start

        user_logged_in.connect(mark_session_start, dispatch_uid="insertion-session-start")
