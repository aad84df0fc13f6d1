"""Settings of insertion: one module, configured by environment variables.

With no variable set, the application runs as the one-command demo: SQLite in the project
folder, Celery tasks run in-process, emails printed to the console. Production sets
DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import datetime
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from insertion.env import (
    database_config,
    email_config,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_required,
    env_retired,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

if DEBUG:
    # Development and demo only: a production process (DEBUG off) must be given its own key.
    SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "django-insecure-demo-only-never-in-production"
else:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "insertion.core.admin_site.InsertionAdminConfig",  # Django's admin, drill-down bounded
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # django-dsfr before django.forms: its option and error-list templates override Django's.
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "crispy_forms",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "insertion.core",
    "insertion.establishments",
    "insertion.accounts",
    "insertion.detainees",
    "insertion.release",
    "insertion.placements",
    "insertion.partners",
    "insertion.statistics",
    "insertion.dashboard",
    "insertion.audit",
    "entretiens",
    "insertion.person",
    "insertion.imports",
    "insertion.demo",
    "insertion.bench",
]

MIDDLEWARE = [
    "insertion.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A NUL anywhere in the request answers 400 before the session cookie reaches the database.
    "insertion.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.otp_device (one query: a device removed ends its verified sessions).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Absolute and idle session limits, second factor, charte (insertion/accounts/middleware.py).
    "insertion.accounts.middleware.AccountGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A refused POST on personal data goes to the access log (reads and writes: the views).
    "insertion.audit.middleware.RefusedAttemptLogMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the French lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "insertion.urls"
WSGI_APPLICATION = "insertion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "insertion.accounts.navigation.navigation",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": database_config(env_str("DATABASE_URL"), sqlite_path=BASE_DIR / "db.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 for new passwords; older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# CNIL 2022: 12 characters of 3 kinds, or 14 of any kind; no forced renewal.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "insertion.accounts.validators.CnilPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Wrong passwords, for 15 minutes: 5 failures on one account from one address refuse that
# account from that address only (a stranger cannot lock the owner out); failures on 10
# accounts, or 30 in all, from one address refuse that address (password spraying). The rules
# and their figures: insertion/accounts/throttling.py. The back-office lifts a refusal
# (django-axes' pages).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "insertion.accounts.throttling.AddressAwareHandler"
# Behind the reverse proxy, REMOTE_ADDR is the proxy's address, shared by every user: the
# client's address is the one the proxy appends to X-Forwarded-For.
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    AXES_CLIENT_IP_CALLABLE = "insertion.accounts.throttling.address_seen_by_proxy"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "insertion.accounts.security_views.axes_username"
AXES_LOCKOUT_CALLABLE = "insertion.accounts.security_views.locked_out"
AXES_VERBOSE = False
# Second factor (TOTP) for every account. DEMO_SKIP_2FA exempts the fictional demo accounts
# (@demo.insertion.fr) in development only: a system check refuses it when DEBUG is off.
DEMO_SKIP_2FA = env_bool("DEMO_SKIP_2FA", default=DEBUG)
# The fictional accounts of the demo data set all end with this domain.
DEMO_EMAIL_DOMAIN = "demo.insertion.fr"
OTP_TOTP_ISSUER = "Insertion"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Off: with it, every integer in a template is grouped ("12 345"), ids in attributes included.
# Counts meant for reading are grouped explicitly (`intcomma`).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed files collected at build time; the demo and the tests serve the
# source folders directly.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=not DEBUG)
# Private files (the synthesis PDFs) live outside any served folder; a view checks access.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT") or BASE_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "syntheses": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT / "syntheses"},
    },
    # The extraction files received, kept with their run (never under a public URL).
    "imports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT / "imports"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- Background work -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# No Redis: tasks run in-process, so the demo needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The periodic jobs, run by the one beat process. Every task claims its rows first, so a job
# that runs late or twice does no harm.
CELERY_BEAT_SCHEDULE = {
    # Re-enqueues the synthesis renderings and emails owed and not done (a message lost by Redis,
    # a worker killed mid-task): the database says what is owed (entretiens/delivery.py).
    "syntheses-sweep": {"task": "entretiens.tasks.sweep_syntheses", "schedule": 60.0},
    # Warns the interviewer and the managers of the syntheses due within 24 hours or overdue.
    "syntheses-deadline-watch": {"task": "entretiens.tasks.watch_deadlines", "schedule": 3600.0},
    # Re-enqueues the profiles owed to partner companies and not sent, as for the syntheses
    # (insertion/partners/transmissions.py); cancels those whose agreement was withdrawn.
    "partner-transmissions-sweep": {
        "task": "insertion.partners.tasks.sweep_transmissions",
        "schedule": 60.0,
    },
    # Deletes the access-log rows older than ACCESS_LOG_RETENTION_DAYS.
    "access-log-purge": {"task": "insertion.audit.tasks.purge_access_log", "schedule": 24 * 3600.0},
    # Anonymises the people released more than RETENTION_YEARS_AFTER_RELEASE years ago.
    "retention-purge": {
        "task": "insertion.person.tasks.purge_retention",
        "schedule": 7 * 24 * 3600.0,
    },
    # Deletes the contacts of the partner companies deactivated PARTNER_CONTACT_RETENTION_MONTHS
    # ago, and the agreements, profiles sent and referrals of the people released
    # PARTNER_RECORD_RETENTION_MONTHS ago or anonymised (insertion/partners/retention.py).
    "partners-retention": {
        "task": "insertion.partners.tasks.purge_partners",
        "schedule": 24 * 3600.0,
    },
    # Takes the extraction files dropped in IMPORT_DROP_DIR (insertion/imports/pickup.py).
    "imports-drop-folder": {
        "task": "insertion.imports.tasks.import_drop_folder",
        "schedule": 300.0,
    },
    # Deletes the extraction files and the cells of the runs closed IMPORT_FILE_RETENTION_DAYS ago.
    "imports-retention": {
        "task": "insertion.imports.tasks.purge_import_retention",
        "schedule": 24 * 3600.0,
    },
    # Re-enqueues the imports left « en cours » by a dead worker or a lost message.
    "imports-resume-stalled": {
        "task": "insertion.imports.tasks.resume_stalled_imports",
        "schedule": 600.0,
    },
    # Emails each establishment's service the week's digest of requests (to examine, late
    # beyond PLACEMENT_REVIEW_REMINDER_DAYS, waiting lists), once per week (a row records it).
    "placements-weekly-digest": {
        "task": "insertion.placements.tasks.send_weekly_digests",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Computes again the monthly snapshot of the steering statistics (insertion/statistics/
    # snapshot.py): the last 18 full months and the current one, every establishment, at night.
    "statistics-refresh": {
        "task": "insertion.statistics.tasks.refresh_statistics",
        "schedule": crontab(minute=30, hour=2),
    },
    # What the national page of each month hides (statistical secrecy across periods), drawn
    # from the figures of the night: the refresh takes minutes on the national data set.
    "statistics-months-secrecy": {
        "task": "insertion.dashboard.tasks.prepare_months_secrecy",
        "schedule": crontab(minute=30, hour=3),
    },
    # Emails the national report of the month just ended to the national steering users who
    # subscribed, on the 1st at 7:00 (after that night's refresh), once per month and subscriber
    # (insertion/dashboard/indicators/report.py; a row per subscriber records it).
    "statistics-monthly-report": {
        "task": "insertion.dashboard.tasks.send_monthly_reports",
        "schedule": crontab(minute=0, hour=7, day_of_month=1),
    },
    # Sends again the monthly reports still owed: waiting for the month's figures, lost by
    # Redis, or failed with attempts left.
    "statistics-monthly-report-sweep": {
        "task": "insertion.dashboard.tasks.sweep_monthly_reports",
        "schedule": crontab(minute=45),
    },
}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Emails ----------------------------------------------------------------------------
# One variable says where the emails go (insertion/env.py, `email_config`): console:// (the
# default, the demo) prints them in the process' log; smtp://user:password@host:port sends them
# (smtp+tls:// with STARTTLS, smtps:// with TLS from the start; `?timeout=N` seconds). It sets
# EMAIL_BACKEND and, for SMTP, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS, EMAIL_USE_SSL and EMAIL_TIMEOUT. The URL itself is not kept as a setting: it
# holds the password, which Django masks only under a name like EMAIL_HOST_PASSWORD.
env_retired("EMAIL_BACKEND", instead="EMAIL_URL (console://, smtp://…)")
globals().update(email_config(env_str("EMAIL_URL") or "console://"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Insertion <ne-pas-repondre@insertion.invalid>")

# --- Security --------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# 30 minutes without a request ends the session (renewed at each request); 10 hours after the
# login it ends whatever (AccountGuardMiddleware).
SESSION_COOKIE_AGE = 10 * 60 * 60
SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 10 * 60 * 60
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    "security.W021",  # HSTS preload is a registry decision, not ours.
]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- django-dsfr -----------------------------------------------------------------------
# Required fields carry the DSFR marker; optional ones are not labelled "(Optionnel)": the
# interview form saves drafts with every field empty, and says which answers validation needs.
DSFR_MARK_OPTIONAL_FIELDS = False
# django-dsfr marks the texts of its components and of the flash messages safe unless told
# otherwise: they quote what users typed and what files say, so they are escaped (what the
# code builds with format_html stays safe).
DSFR_CONTENT_IS_SAFE = False
DSFR_USE_INTEGRITY_CHECKSUMS = True

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "filters": {"first_only": {"()": "insertion.core.logging.FirstOccurrenceOnly"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools log every step of every PDF at INFO: only their warnings.
    "loggers": {
        # …and each of its warnings once (one per font of every PDF otherwise).
        "weasyprint": {"level": "WARNING", "filters": ["first_only"]},
        "fontTools": {"level": "WARNING"},
        # django-axes logs every successful login at INFO: failures and lockouts only.
        "axes": {"level": "WARNING"},
    },
}

# Forms are laid out with crispy-forms through the project's own DSFR template pack
# (templates/insertion_dsfr/): crispy's layouts, django-dsfr's field markup.
CRISPY_ALLOWED_TEMPLATE_PACKS = ("insertion_dsfr",)
CRISPY_TEMPLATE_PACK = "insertion_dsfr"

# The socio-professional interview is due this many days after an arrival.
INTERVIEW_DUE_DAYS = env_int("INTERVIEW_DUE_DAYS", 15)
# Statistical secrecy: the smallest count shown to national steering (1 to this minus one is
# hidden, and what would give it away). The months' secrecy stored for the night's figures
# (statistics.MonthSecrecy) follows a change from the next refresh.
STATISTICS_SMALLEST_SHOWN = env_int("STATISTICS_SMALLEST_SHOWN", 5, minimum=2)

# Imports of the prison information system's extraction (insertion/imports/FORMAT.md).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 25 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
# A snapshot that would close more than this share of the stays is applied only when confirmed.
IMPORT_MAX_CLOSING_SHARE = env_int("IMPORT_MAX_CLOSING_PERCENT", 10) / 100
# A folder where the extraction files are dropped (by a transfer from the national system);
# the beat job `imports-drop-folder` takes them. Empty: no pickup.
IMPORT_DROP_DIR = env_str("IMPORT_DROP_DIR") or ""
# The stored extraction files and the cells their rows kept are erased this long after the run
# closed (insertion/imports/retention.py); the run's counts and results stay.
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 90, minimum=1)
# An import « en cours » that applied no row for this long is asked for again (dead worker).
IMPORT_STALLED_MINUTES = env_int("IMPORT_STALLED_MINUTES", 10, minimum=1)
# Its synthesis must reach the prison teams this many calendar days after validation.
SYNTHESIS_DUE_DAYS = env_int("SYNTHESIS_DUE_DAYS", 5, minimum=1)
# Rendering and delivery of the syntheses (entretiens/delivery.py): bounded tries, exponential
# backoff from the base delay (doubled at each try, one hour at most), and the time after which
# a claim is a dead worker's and the sweep takes the work up again.
SYNTHESIS_DELIVERY_MAX_ATTEMPTS = env_int("SYNTHESIS_DELIVERY_MAX_ATTEMPTS", 6, minimum=1)
SYNTHESIS_RENDER_MAX_ATTEMPTS = env_int("SYNTHESIS_RENDER_MAX_ATTEMPTS", 3, minimum=1)
SYNTHESIS_RETRY_BASE_SECONDS = env_float("SYNTHESIS_RETRY_BASE_SECONDS", 30.0, minimum=0.1)
SYNTHESIS_RENDER_TIMEOUT_SECONDS = env_int("SYNTHESIS_RENDER_TIMEOUT_SECONDS", 300, minimum=1)
SYNTHESIS_SENDING_TIMEOUT_SECONDS = env_int("SYNTHESIS_SENDING_TIMEOUT_SECONDS", 600, minimum=1)
# The sweep leaves a message just enqueued this long to be consumed before enqueueing it again.
SYNTHESIS_SWEEP_GRACE_SECONDS = env_int("SYNTHESIS_SWEEP_GRACE_SECONDS", 60, minimum=0)
# The access log keeps a year (then the daily purge removes the older rows).
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 365, minimum=30)
# A release date brought forward by more than this many days alerts the referent CPIP.
RELEASE_DATE_ALERT_DAYS = env_int("RELEASE_DATE_ALERT_DAYS", 30, minimum=0)
# Offers and requests (issue 14): a request left « à examiner » longer than this is shown as
# late on the team's page and listed in the weekly digest sent to the service.
PLACEMENT_REVIEW_REMINDER_DAYS = env_int("PLACEMENT_REVIEW_REMINDER_DAYS", 10, minimum=1)
# The CPIP's dashboard counts the requests waiting longer than this (« plus de 3 mois »).
PLACEMENT_LONG_WAIT_DAYS = env_int("PLACEMENT_LONG_WAIT_DAYS", 91, minimum=1)
# Retention: people released more than this many years ago are anonymised (the retention of the
# justice system's own case-management application); aggregated figures survive.
RETENTION_YEARS_AFTER_RELEASE = env_int("RETENTION_YEARS_AFTER_RELEASE", 5, minimum=1)
# Retention of the partner companies' data (insertion/partners/retention.py): the contacts of a
# company deactivated more than this many months ago are deleted…
PARTNER_CONTACT_RETENTION_MONTHS = env_int("PARTNER_CONTACT_RETENTION_MONTHS", 24, minimum=1)
# …and the agreements, profiles sent and referrals of a person released more than this many
# months ago (or anonymised, at the latest with the anonymisation).
PARTNER_RECORD_RETENTION_MONTHS = env_int("PARTNER_RECORD_RETENTION_MONTHS", 24, minimum=1)
