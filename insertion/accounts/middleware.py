"""What every authenticated request must satisfy, in this order:

1. the session is less than SESSION_ABSOLUTE_SECONDS old (10 hours) since the login, and was
   used less than SESSION_IDLE_SECONDS ago (30 minutes) — the time of use is written to the
   session at most once a minute, so most requests write nothing;
2. the second factor (TOTP) was verified in this session — a user without a confirmed device
   is sent to the enrolment page first. Demo accounts may be exempted by DEMO_SKIP_2FA, which
   a system check refuses when DEBUG is off (insertion/accounts/checks.py);
3. the charte d'utilisation is accepted.

The pages that lead there (login, logout, second factor, charter, static files) are let through.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user

from insertion.accounts.redirects import with_next

SESSION_STARTED_KEY = "insertion_login_at"
SESSION_SEEN_KEY = "insertion_seen_at"
SEEN_PRECISION_SECONDS = 60


def is_demo_account(user) -> bool:
    return user.email.endswith(f"@{settings.DEMO_EMAIL_DOMAIN}")


def second_factor_exempt(user) -> bool:
    return bool(settings.DEBUG and settings.DEMO_SKIP_2FA and is_demo_account(user))


def mark_session_start(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the absolute limit counts from here."""
    request.session[SESSION_STARTED_KEY] = request.session[SESSION_SEEN_KEY] = int(time.time())


class AccountGuardMiddleware:
    OPEN_PREFIXES = ("/static/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(self.OPEN_PREFIXES):
            return self.get_response(request)
        if self._expired(request):
            logout(request)
            messages.info(
                request,
                "Votre session a expiré (30 minutes sans activité, ou 10 heures depuis la "
                "connexion) : reconnectez-vous pour continuer.",
            )
            return redirect(with_next("accounts:login", request.path))
        # The charter comes after the second factor: its pages are let through until then.
        if not (user.is_verified() or second_factor_exempt(user)):
            return self._second_factor(request, user) or self.get_response(request)
        return self._charter(request, user) or self.get_response(request)

    @staticmethod
    def _expired(request) -> bool:
        session, now = request.session, int(time.time())
        started, seen = session.get(SESSION_STARTED_KEY), session.get(SESSION_SEEN_KEY)
        if started is None:
            session[SESSION_STARTED_KEY] = session[SESSION_SEEN_KEY] = now
            return False
        if now - started > settings.SESSION_ABSOLUTE_SECONDS:
            return True
        if seen is not None and now - seen > settings.SESSION_IDLE_SECONDS:
            return True
        if seen is None or now - seen >= SEEN_PRECISION_SECONDS:
            session[SESSION_SEEN_KEY] = now
        return False

    @staticmethod
    def _allowed(request, *names) -> bool:
        return request.path in {reverse(name) for name in ("accounts:logout", *names)}

    def _second_factor(self, request, user):
        pages = ("accounts:otp_verify", "accounts:otp_setup")
        if self._allowed(request, *pages):
            return None
        has_device = any(True for _ in devices_for_user(user, confirmed=True))
        target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
        return redirect(with_next(target, request.get_full_path()))

    def _charter(self, request, user):
        if user.charter_accepted_at is not None:
            return None
        if self._allowed(request, "accounts:charter", "accounts:otp_backup_codes"):
            return None
        return redirect(with_next("accounts:charter", request.get_full_path()))
