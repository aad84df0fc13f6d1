"""Strong login (issue 6): CNIL passwords and Argon2, lockout after 5 failures (its rules:
tests/test_login_throttling.py), mandatory second factor (TOTP, backup codes) with the demo
exemption refused in production, sessions limited in idle and absolute time, logout everywhere
after a password change, and the charte d'utilisation at the first login; the session key
renewed by the second factor and `next` kept only as a local path (issue 11)."""

import time
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from insertion.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from insertion.accounts.validators import CnilPasswordValidator
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
GUARD = [
    "django_otp.middleware.OTPMiddleware",
    "insertion.accounts.middleware.AccountGuardMiddleware",
]


def test_the_guard_runs_on_every_request():
    from insertion import settings as project_settings

    middleware = project_settings.MIDDLEWARE
    assert set(GUARD) <= set(middleware)
    assert middleware.index(GUARD[0]) > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


def login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# Passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("Ab1!Ab1!Ab1", False),  # 11 characters, 4 kinds
        ("abcdefgh1234", False),  # 12 characters, 2 kinds
        ("abcdefGH1234", True),  # 12 characters, 3 kinds
        ("abcdefghijklm", False),  # 13 characters, 1 kind
        ("abcdefghijklmn", True),  # 14 characters, any kind
    ],
)
def test_passwords_follow_the_cnil_recommendation(password, accepted):
    validator = CnilPasswordValidator()
    if accepted:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError, match="au moins 14 caractères"):
            validator.validate(password)


def test_new_passwords_are_hashed_with_argon2():
    from insertion import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    names = [v["NAME"] for v in project_settings.AUTH_PASSWORD_VALIDATORS]
    assert "insertion.accounts.validators.CnilPasswordValidator" in names
    assert "django.contrib.auth.password_validation.CommonPasswordValidator" in names


# Brute force (the rules: tests/test_login_throttling.py) ------------------------------------


def test_the_back_office_unlocks_an_account():
    from axes.models import AccessAttempt

    user = UserFactory(cpip=True, email="cible@test.insertion.fr")
    for _ in range(5):
        login(Client(), user.email, "mauvais-mot-de-passe")
    assert login(Client(), user.email).status_code == 429
    admin = UserFactory(admin=True, email="admin@test.insertion.fr")
    admin_client = Client()
    admin_client.force_login(admin)
    TOTPDevice.objects.create(user=admin, name="Tests", confirmed=True)
    # django-axes' pages in the back-office: the attempts of the username, deleted to unlock.
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code in (
        200,
        302,
    )
    AccessAttempt.objects.filter(username=user.email).delete()
    assert login(Client(), user.email).status_code == 302


def test_the_lockout_ends_after_the_cool_off(settings):
    import datetime

    from axes.models import AccessAttempt

    user = UserFactory(cpip=True, email="cible@test.insertion.fr")
    for _ in range(5):
        login(Client(), user.email, "mauvais-mot-de-passe")
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - datetime.timedelta(minutes=16)
    )
    assert login(Client(), user.email).status_code == 302


# Second factor -------------------------------------------------------------------------------


def test_the_first_login_enrols_a_totp_device_and_shows_backup_codes_once(cpip_fresnes):
    client = Client()
    response = login(client, cpip_fresnes.email)
    assert response.status_code == 302
    # Every page asks for the enrolment first.
    page = client.get(reverse("detainees:list"))
    setup = reverse("accounts:otp_setup")
    assert page.status_code == 302 and page["Location"].startswith(setup)
    content = client.get(setup).content.decode()
    assert "data:image/svg+xml;base64," in content and 'id="otp-key"' in content
    device = TOTPDevice.objects.get(user=cpip_fresnes, confirmed=False)

    wrong = client.post(setup, {"token": "000000" if current_code(device) != "000000" else "1"})
    assert "Code incorrect ou expiré" in wrong.content.decode()
    time.sleep(1.1)  # django-otp makes each failure wait 1, 2, 4… seconds before a new try
    confirmed = client.post(setup, {"token": current_code(device)})
    assert confirmed["Location"].startswith(reverse("accounts:otp_backup_codes"))
    codes_page = client.get(confirmed["Location"]).content.decode()
    codes = StaticDevice.objects.get(user=cpip_fresnes).token_set.values_list("token", flat=True)
    assert len(codes) == 10 and all(code in codes_page for code in codes)
    # Shown once only.
    assert client.get(reverse("accounts:otp_backup_codes"))["Location"] != ""
    assert client.get(reverse("detainees:list")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_every_login_asks_for_the_code_and_a_backup_code_works_once(cpip_fresnes):
    device = TOTPDevice.objects.create(user=cpip_fresnes, name="Téléphone", confirmed=True)
    static = StaticDevice.objects.create(user=cpip_fresnes, name="Codes de secours")
    static.token_set.create(token="secours1")
    client = Client()
    login(client, cpip_fresnes.email)
    page = client.get(reverse("detainees:list"))
    verify = reverse("accounts:otp_verify")
    assert page["Location"].startswith(verify)
    assert "Code incorrect" in client.post(verify, {"token": "12"}).content.decode()
    time.sleep(1.1)  # the throttling of django-otp after a failure
    response = client.post(verify, {"token": current_code(device), "next": "/personnes/"})
    assert response["Location"] == "/personnes/"
    assert client.get(reverse("detainees:list")).status_code == 200

    other = Client()
    login(other, cpip_fresnes.email)
    assert other.post(verify, {"token": "SECOURS1"}).status_code == 302
    assert not static.token_set.exists()  # used up
    third = Client()
    login(third, cpip_fresnes.email)
    assert "Code incorrect" in third.post(verify, {"token": "secours1"}).content.decode()


def test_the_back_office_needs_the_second_factor_too(superuser):
    TOTPDevice.objects.create(user=superuser, name="Téléphone", confirmed=True)
    client = Client()
    client.force_login(superuser)  # password checked, no code yet
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))


def test_the_demo_may_skip_the_second_factor_for_its_fictional_accounts_only(settings):
    settings.DEBUG = True
    settings.DEMO_SKIP_2FA = True
    demo = UserFactory(cpip=True, email="cpip2@demo.insertion.fr")
    real = UserFactory(cpip=True, email="agent@test.insertion.fr")
    for user, allowed in ((demo, True), (real, False)):
        client = Client()
        client.force_login(user)
        response = client.get(reverse("detainees:list"))
        assert (response.status_code == 200) is allowed


def test_a_system_check_refuses_the_demo_exemption_in_production(settings):
    from django.core import checks

    settings.DEBUG = False
    settings.DEMO_SKIP_2FA = True
    errors = checks.run_checks(tags=["security"])
    assert [e.id for e in errors if e.id.startswith("insertion")] == ["insertion.E001"]
    settings.DEMO_SKIP_2FA = False
    assert not [e for e in checks.run_checks(tags=["security"]) if e.id.startswith("insertion")]


# Sessions --------------------------------------------------------------------------------


def verified(client, user):
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="Tests", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize(
    ("started_ago", "seen_ago", "expired"),
    [
        (3600, 60, False),
        (3600, 31 * 60, True),  # 30 minutes without activity
        (10 * 3600 + 5, 10, True),  # 10 hours since the login
    ],
)
def test_sessions_end_after_30_minutes_idle_or_10_hours(
    cpip_fresnes, started_ago, seen_ago, expired
):
    client = verified(Client(), cpip_fresnes)
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED_KEY] = now - started_ago
    session[SESSION_SEEN_KEY] = now - seen_ago
    session.save()
    response = client.get(reverse("detainees:list"))
    if expired:
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session
    else:
        assert response.status_code == 200


def test_session_cookies_are_secure_httponly_and_lax():
    from insertion import settings as project_settings

    assert project_settings.SESSION_COOKIE_HTTPONLY and project_settings.CSRF_COOKIE_HTTPONLY
    assert project_settings.SESSION_COOKIE_SAMESITE == "Lax"
    # Secure outside the demo (DEBUG off: the tests' settings).
    assert project_settings.SESSION_COOKIE_SECURE and project_settings.CSRF_COOKIE_SECURE
    assert project_settings.SESSION_IDLE_SECONDS == 30 * 60
    assert project_settings.SESSION_ABSOLUTE_SECONDS == 10 * 3600


def test_changing_the_password_closes_the_other_sessions(cpip_fresnes):
    here = verified(Client(), cpip_fresnes)
    elsewhere = Client()
    elsewhere.force_login(cpip_fresnes)
    session = elsewhere.session
    session["otp_device_id"] = here.session["otp_device_id"]
    session.save()
    assert elsewhere.get(reverse("detainees:list")).status_code == 200

    weak = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "court", "new_password2": "court"},
    )
    assert "au moins 14 caractères" in weak.content.decode()
    new = "Un-mot-de-passe-tout-neuf-2026"
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert here.get(reverse("detainees:list")).status_code == 200
    assert elsewhere.get(reverse("detainees:list"))["Location"].startswith(LOGIN)


# Charter ---------------------------------------------------------------------------------


def test_the_charter_is_accepted_at_the_first_login_and_recorded(cpip_fresnes):
    cpip_fresnes.charter_accepted_at = None
    cpip_fresnes.save()
    client = verified(Client(), cpip_fresnes)
    response = client.get(reverse("detainees:list"))
    charter = reverse("accounts:charter")
    assert response["Location"].startswith(charter)
    page = client.get(response["Location"]).content.decode()
    assert "Confidentialité" in page and "Chaque consultation" in page
    refused = client.post(charter, {"next": "/personnes/"})
    assert "Cochez la case pour accepter la charte." in refused.content.decode()
    accepted = client.post(charter, {"accepted": "on", "next": "/personnes/"})
    assert accepted["Location"] == "/personnes/"
    cpip_fresnes.refresh_from_db()
    assert cpip_fresnes.charter_accepted_at is not None
    assert client.get(reverse("detainees:list")).status_code == 200


def test_a_new_account_goes_through_the_second_factor_then_the_charter(cpip_fresnes):
    cpip_fresnes.charter_accepted_at = None
    cpip_fresnes.save()
    client = Client()
    login(client, cpip_fresnes.email)
    setup = reverse("accounts:otp_setup")
    first = client.get(reverse("detainees:list"))
    assert first["Location"].startswith(setup)
    # The enrolment page itself opens (no detour by the charter before the second factor).
    assert client.get(first["Location"]).status_code == 200
    device = TOTPDevice.objects.get(user=cpip_fresnes)
    codes = client.post(setup, {"token": current_code(device), "next": "/personnes/"})
    assert client.get(codes["Location"]).status_code == 200  # the backup codes, shown once
    then = client.get("/personnes/")
    assert then["Location"].startswith(reverse("accounts:charter"))


# Session key renewed by the second factor (issue 11, point 5) -----------------------------


def _session_cookie(client) -> str:
    from django.conf import settings

    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _assert_old_key_is_dead(old_key):
    from django.conf import settings

    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = stale.get(reverse("detainees:list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_totp_code_renews_the_session_key(cpip_fresnes):
    device = TOTPDevice.objects.create(user=cpip_fresnes, name="Téléphone", confirmed=True)
    client = Client()
    login(client, cpip_fresnes.email)
    before = _session_cookie(client)
    response = client.post(reverse("accounts:otp_verify"), {"token": current_code(device)})
    assert response.status_code == 302
    assert _session_cookie(client) != before
    assert client.get(reverse("detainees:list")).status_code == 200
    _assert_old_key_is_dead(before)


def test_a_backup_code_renews_the_session_key(cpip_fresnes):
    TOTPDevice.objects.create(user=cpip_fresnes, name="Téléphone", confirmed=True)
    static = StaticDevice.objects.create(user=cpip_fresnes, name="Codes de secours")
    static.token_set.create(token="secours1")
    client = Client()
    login(client, cpip_fresnes.email)
    before = _session_cookie(client)
    assert client.post(reverse("accounts:otp_verify"), {"token": "secours1"}).status_code == 302
    assert _session_cookie(client) != before
    _assert_old_key_is_dead(before)


def test_completing_the_enrolment_renews_the_session_key(cpip_fresnes):
    client = Client()
    login(client, cpip_fresnes.email)
    setup = reverse("accounts:otp_setup")
    client.get(setup)
    before = _session_cookie(client)
    device = TOTPDevice.objects.get(user=cpip_fresnes, confirmed=False)
    response = client.post(setup, {"token": current_code(device)})
    assert response["Location"].startswith(reverse("accounts:otp_backup_codes"))
    assert _session_cookie(client) != before
    # The backup codes kept in the session survive the new key.
    assert "Codes de secours" in client.get(response["Location"]).content.decode()
    _assert_old_key_is_dead(before)


# `next` is a local path or nothing (issue 11, point 4) -------------------------------------

HOSTILE_NEXT = [
    "x",
    "//evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
]


def _landing(user):
    from insertion.accounts.policy import landing_url

    return landing_url(user)


@pytest.fixture
def awaiting_code(cpip_fresnes):
    device = TOTPDevice.objects.create(user=cpip_fresnes, name="Téléphone", confirmed=True)
    client = Client()
    login(client, cpip_fresnes.email)
    return client, device


@pytest.mark.parametrize("next_value", [*HOSTILE_NEXT, "/personnes/"])
def test_next_on_the_code_page_is_kept_only_as_a_local_path(
    cpip_fresnes, awaiting_code, next_value
):
    client, device = awaiting_code
    verify = reverse("accounts:otp_verify")
    page = client.get(verify, {"next": next_value})
    assert page.status_code == 200
    assert (
        "evil.example" not in page.content.decode() and "javascript:" not in page.content.decode()
    )
    response = client.post(verify, {"token": current_code(device), "next": next_value})
    kept = next_value if next_value == "/personnes/" else None
    assert response["Location"] == (kept or _landing(cpip_fresnes))
    # Once verified, the page sends the user on at once.
    again = client.get(verify, {"next": next_value})
    assert again["Location"] == (kept or _landing(cpip_fresnes))


@pytest.mark.parametrize("next_value", [*HOSTILE_NEXT, "/personnes/"])
def test_next_on_the_enrolment_and_backup_codes_pages_is_kept_only_as_a_local_path(
    cpip_fresnes, next_value
):
    client = Client()
    login(client, cpip_fresnes.email)
    setup = reverse("accounts:otp_setup")
    assert client.get(setup, {"next": next_value}).status_code == 200
    device = TOTPDevice.objects.get(user=cpip_fresnes, confirmed=False)
    confirmed = client.post(setup, {"token": current_code(device), "next": next_value})
    assert confirmed.status_code == 302
    codes_url = confirmed["Location"]
    assert codes_url.startswith(reverse("accounts:otp_backup_codes"))
    kept = next_value if next_value == "/personnes/" else None
    codes_page = client.get(codes_url).content.decode()
    assert "evil.example" not in codes_page and "javascript:" not in codes_page
    # Shown once: the second visit moves on to `next` or to the landing page.
    backup = reverse("accounts:otp_backup_codes")
    assert client.get(backup, {"next": next_value})["Location"] == (kept or _landing(cpip_fresnes))


@pytest.mark.parametrize("next_value", [*HOSTILE_NEXT, "/personnes/"])
def test_next_on_the_charter_is_kept_only_as_a_local_path(cpip_fresnes, next_value):
    cpip_fresnes.charter_accepted_at = None
    cpip_fresnes.save()
    client = verified(Client(), cpip_fresnes)
    charter = reverse("accounts:charter")
    page = client.get(charter, {"next": next_value})
    assert page.status_code == 200 and "evil.example" not in page.content.decode()
    response = client.post(charter, {"accepted": "on", "next": next_value})
    kept = next_value if next_value == "/personnes/" else None
    assert response["Location"] == (kept or _landing(cpip_fresnes))


@pytest.mark.parametrize("next_value", [*HOSTILE_NEXT, "/personnes/"])
def test_next_on_the_login_page_is_kept_only_as_a_local_path(cpip_fresnes, next_value):
    client = Client()
    response = client.post(
        f"{LOGIN}?{urlencode({'next': next_value})}",
        {"username": cpip_fresnes.email, "password": PASSWORD},
    )
    kept = next_value if next_value == "/personnes/" else None
    assert response["Location"] == (kept or _landing(cpip_fresnes))


def test_the_guard_keeps_the_whole_query_string_in_next(client, cpip_fresnes):
    cpip_fresnes.charter_accepted_at = None
    cpip_fresnes.save()
    client.force_login(cpip_fresnes)
    response = client.get("/personnes/?q=a&page=2")
    accepted = client.post(response["Location"], {"accepted": "on"})
    assert accepted["Location"] == "/personnes/?q=a&page=2"
