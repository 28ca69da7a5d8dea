"""Harbor settings, read from the environment.

With nothing set Harbor runs embedded: SQLite and a file-system Celery broker in
``HARBOR_DATA_DIR`` (default ``./.data``), so a first run needs only Python.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=false;
the system checks in ``coordination.checks`` refuse unsafe combinations.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# Only used in embedded/development mode; coordination.checks rejects it when DEBUG is off.
INSECURE_DEFAULT_SECRET_KEY = "harbor-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATA_DIR = Path(env.str("HARBOR_DATA_DIR", default=str(BASE_DIR / ".data")))
# Embedded mode keeps its database and broker here; creating it is all the setup it needs.
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "coordination.apps.CoordinationConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "accounts",
    "providers",
    "cases",
    "consent",
    "tasks",
    "api",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "frontend.middleware.IdleTimeoutMiddleware",
    "frontend.middleware.UserLanguageMiddleware",
    "consent.middleware.AccessLogMiddleware",
    "frontend.middleware.PageErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "coordination.urls"
WSGI_APPLICATION = "coordination.wsgi.application"
ASGI_APPLICATION = "coordination.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "frontend.context.harbor_page",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'harbor.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/sign-in/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/sign-in/"

# The anonymous user of django-guardian is never given anything; keep it out of the user table.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = env.str("TIME_ZONE", default="America/Chicago")
USE_I18N = True
USE_TZ = True

# One catalogue for the whole project (models' labels included): makemessages writes here.
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("HARBOR_STATIC_ROOT", default=str(DATA_DIR / "static")))
# Under gunicorn WhiteNoise serves the collected files; in development and tests it finds them
# in the apps' static folders, so nothing needs collecting before a first run.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: console by default; EMAIL_URL (smtp://user:pass@host:587) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Harbor <no-reply@harbor.invalid>")
# Text messages: a dotted path to a class with ``send(*, to, body) -> str`` (tasks/sms.py).
HARBOR_SMS_BACKEND = env.str("HARBOR_SMS_BACKEND", default="tasks.sms.ConsoleSmsBackend")

# Celery: Redis when REDIS_URL is set, otherwise a broker in files that several
# processes on one machine share (the worker, beat and the web server).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # "localhost" only names this machine: kombu warns on every connection without a host.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Exchange tables (remote control, fanout); kombu's default is ./control in the cwd.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_ACKS_LATE = True
# A task whose worker died mid-run goes back to the queue instead of being acknowledged.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "tasks.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    # R14 and issue 3: expiry is applied at least once a minute.
    "expire-consents": {
        "task": "tasks.tasks.expire_consents",
        "schedule": 60.0,
    },
    "flag-consents-for-resigning": {
        "task": "tasks.tasks.flag_consents_for_resigning",
        "schedule": crontab(hour=2, minute=15),
    },
    # Issue 4: follow-ups, escalations, expiry and digests, from one sweep a minute.
    "sweep-follow-ups": {
        "task": "tasks.tasks.sweep_follow_ups",
        "schedule": 60.0,
    },
    # Issue 4: the outbox is swept every minute; due work waits in the database, not the broker.
    "deliver-notifications": {
        "task": "tasks.tasks.deliver_notifications",
        "schedule": 60.0,
    },
    "send-daily-digests": {
        "task": "tasks.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.harbor_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Harbor API",
    "DESCRIPTION": (
        "Consent-centered case coordination. Every read is decided by the access policy: "
        "care team and supervisors of the lead organization, the young person, or an active "
        "consent."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "providers.models.MembershipRole",
        "CareTeamRoleEnum": "cases.models.CareTeamMemberRole",
        "CaseClosedReasonEnum": "cases.models.CaseClosedReason",
        "ReferralStatusEnum": "cases.models.ReferralStatus",
        "CaseTransferStatusEnum": "cases.models.CaseTransferStatus",
        "ReferralDeclineReasonEnum": "cases.models.ReferralDeclineReason",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "PlanVersionStatusEnum": "cases.models.PlanVersionStatus",
        "GoalStatusEnum": "cases.models.GoalStatus",
        "PlannedServiceStatusEnum": "cases.models.PlannedServiceStatus",
        "ContactChannelEnum": "cases.models.ContactChannel",
        "SafeContactChannelEnum": "cases.models.SafeContactRuleChannel",
        "ConsentStatusEnum": "consent.models.ConsentStatus",
        "RevocationChannelEnum": "consent.models.RevocationChannel",
    },
}

# Harbor's own rules (CONSENT-REQUIREMENTS.md); each is a setting because state law varies.
HARBOR = {
    "SELF_CONSENT_AGE": env.int("HARBOR_SELF_CONSENT_AGE", default=18),
    "CONSENT_DEFAULT_DAYS": env.int("HARBOR_CONSENT_DEFAULT_DAYS", default=90),
    "CONSENT_MAX_DAYS": env.int("HARBOR_CONSENT_MAX_DAYS", default=365),
    # Consents a parent signed for a minor lapse this many days after the young person reaches
    # the self-consent age unless they sign their own (a policy choice; see consent/majority.py).
    "CONSENT_RESIGN_GRACE_DAYS": env.int("HARBOR_CONSENT_RESIGN_GRACE_DAYS", default=30),
    "REPORT_SUPPRESSION_THRESHOLD": env.int("HARBOR_REPORT_SUPPRESSION_THRESHOLD", default=5),
    # Consent receipts (Kantara v1.1) name who answers privacy questions for the deployment.
    "RECEIPT_JURISDICTION": env("HARBOR_RECEIPT_JURISDICTION", default="US"),
    "PRIVACY_POLICY_URL": env("HARBOR_PRIVACY_POLICY_URL", default=""),
    "PRIVACY_CONTACT_EMAIL": env("HARBOR_PRIVACY_CONTACT_EMAIL", default=""),
    "PRIVACY_CONTACT_PHONE": env("HARBOR_PRIVACY_CONTACT_PHONE", default=""),
    # Where links in e-mails and texts point (sign-in only: messages carry no case details).
    "SITE_URL": env.str("HARBOR_SITE_URL", default="http://127.0.0.1:8000"),
    # R31: staff re-confirm a young person's safe-contact preferences older than this.
    "SAFE_CONTACT_RECONFIRM_DAYS": env.int("HARBOR_SAFE_CONTACT_RECONFIRM_DAYS", default=90),
    # An e-mail or text that keeps failing is given up after this many tries.
    "DELIVERY_MAX_ATTEMPTS": env.int("HARBOR_DELIVERY_MAX_ATTEMPTS", default=5),
    # Idle sign-out (R36: at most 30 minutes for staff); the page warns a minute or two before.
    "STAFF_IDLE_MINUTES": env.int("HARBOR_STAFF_IDLE_MINUTES", default=15),
    "PORTAL_IDLE_MINUTES": env.int("HARBOR_PORTAL_IDLE_MINUTES", default=10),
    # Where the portal's quick exit goes (R32): a neutral, common site.
    "QUICK_EXIT_URL": env.str("HARBOR_QUICK_EXIT_URL", default="https://www.weather.gov/"),
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Flash messages stay on the server: a cookie would leave their words on a shared device.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
# Nothing tells another site where a person came from (the quick exit above all). Not
# "no-referrer": under it Chromium sends "Origin: null" with same-origin form posts, which
# Django's CSRF origin check rightly refuses.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
