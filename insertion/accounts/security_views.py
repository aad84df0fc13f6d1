"""Second factor (TOTP, with backup codes), charte d'utilisation, password change.

The TOTP device is created unconfirmed on the first visit of the enrolment page, shown as a QR
code and as a key to type; it is confirmed by a first valid code, which also verifies the
session. Ten backup codes are then shown once (stored hashed by django-otp's static device).
"""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from insertion.accounts.forms import CharterForm, TokenForm
from insertion.accounts.redirects import next_url, with_next
from insertion.accounts.throttling import address_is_refused

BACKUP_CODES = 10
ISSUER = "Insertion"


def _pass_second_factor(request, device) -> None:
    """Marks the session verified and gives it a new key: whoever saw the key of the
    half-logged-in session (password only) must not inherit the verified one."""
    otp_login(request, device)
    request.session.cycle_key()


def _qr_code(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def otp_setup(request):
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(with_next("accounts:otp_verify", next_url(request)))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Application", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_backup_codes(user)
            _pass_second_factor(request, device)
            request.session["otp_backup_codes"] = codes
            return redirect(with_next("accounts:otp_backup_codes", next_url(request)))
        form.add_error("token", "Code incorrect ou expiré : saisissez le code affiché maintenant.")
    key = base64.b32encode(device.bin_key).decode()
    uri = device.config_url.replace("otpauth://totp/", f"otpauth://totp/{ISSUER}:", 1)
    context = {
        "form": form,
        "qr_code": _qr_code(uri),
        "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "next": next_url(request),
    }
    return render(request, "accounts/otp_setup.html", context)


def _new_backup_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Codes de secours")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@require_http_methods(["GET"])
def otp_backup_codes(request):
    """Shown once, right after the enrolment."""
    codes = request.session.pop("otp_backup_codes", None)
    if not codes:
        return redirect(next_url(request))
    return render(
        request, "accounts/otp_backup_codes.html", {"codes": codes, "next": next_url(request)}
    )


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            _pass_second_factor(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"Vous avez utilisé un code de secours : il vous en reste {left}. "
                    "Demandez à l'administrateur d'en générer de nouveaux si besoin.",
                )
            return redirect(next_url(request))
        form.add_error(
            "token",
            "Code incorrect ou expiré. Après plusieurs erreurs, patientez quelques instants "
            "avant de réessayer.",
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url(request)})


@require_http_methods(["GET", "POST"])
def charter(request):
    form = CharterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.user.charter_accepted_at = timezone.now()
        request.user.save(update_fields=["charter_accepted_at"])
        return redirect(next_url(request))
    return render(request, "accounts/charter.html", {"form": form, "next": next_url(request)})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view: the session auth hash changes with the password, so every other session of
    the user ends; this one is kept (update_session_auth_hash)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        messages.success(
            self.request,
            "Mot de passe modifié. Vos autres sessions ouvertes ont été fermées.",
        )
        return response


def axes_username(request, credentials=None) -> str:
    """The username django-axes counts failures for: the email as the login form reads it."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return value.strip().lower()


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: the French page, worded for the rule that refused."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"cooloff_minutes": minutes, "whole_address": address_is_refused(request)}
    return render(request, "accounts/locked.html", context, status=429)
