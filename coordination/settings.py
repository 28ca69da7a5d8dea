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
    # The admin site asks for the second factor and sends sign-in to Harbor's own page.
    "coordination.admin_site.HarborAdminConfig",
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
    # Issue 6, R36: TOTP devices and single-use backup codes for the second factor.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Issue 6: lockout after repeated failed sign-ins, and the Content-Security-Policy header.
    "axes",
    "csp",
    "accounts",
    "providers",
    "cases",
    "consent",
    "tasks",
    # Every figure that leaves a single case (DESIGN.md's reports layer).
    "reports",
    "api",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "coordination.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coordination.ratelimit.RateLimitMiddleware",
    "frontend.middleware.IdleTimeoutMiddleware",
    "frontend.middleware.UserLanguageMiddleware",
    "frontend.middleware.ReaderTimeZoneMiddleware",
    "consent.middleware.AccessLogMiddleware",
    # Right after the access log, which gives each request its id: log records carry it too.
    "coordination.logging.RequestIdMiddleware",
    "frontend.middleware.PageErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a sign-in refused for lockout into Harbor's lockout page.
    "axes.middleware.AxesMiddleware",
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
# A web or Celery process keeps its PostgreSQL connection for this many seconds instead of
# opening one per request (a new connection costs more than a whole list page); checked before
# reuse, so a restarted server costs one failed reuse, not an error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
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
# The name authenticator apps show next to the code.
OTP_TOTP_ISSUER = "Harbor"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/sign-in/"

# The anonymous user of django-guardian is never given anything; keep it out of the user table.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = env.str("TIME_ZONE", default="America/Chicago")
USE_I18N = True
# English times end without a period, so a date can close a sentence (coordination/formats/).
FORMAT_MODULE_PATH = ["coordination.formats"]
USE_TZ = True

# One catalogue for the whole project (models' labels included): makemessages writes here.
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("HARBOR_STATIC_ROOT", default=str(DATA_DIR / "static")))
# Under gunicorn WhiteNoise serves the collected files; in development and tests it finds them
# in the apps' static folders, so nothing needs collecting before a first run.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Documents (R43): encrypted files in the "documents" storage, a folder in the data directory
# unless HARBOR_DOCUMENT_STORAGE names another backend (django-storages' S3Storage for
# S3-compatible object storage) with HARBOR_DOCUMENT_STORAGE_OPTIONS as JSON (README: Documents).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": {
        "BACKEND": env.str(
            "HARBOR_DOCUMENT_STORAGE", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json(
            "HARBOR_DOCUMENT_STORAGE_OPTIONS", default={"location": str(DATA_DIR / "documents")}
        ),
    },
}
HARBOR_DOCUMENT_MAX_BYTES = env.int("HARBOR_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Uploads stay in memory, never in a temporary file of plaintext on disk, and stop being read
# past the size limit (cases.uploads).
FILE_UPLOAD_HANDLERS = ["cases.uploads.BoundedMemoryUploadHandler"]

# Where links in e-mails point during development; coordination.checks refuses it in production.
DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"
DEVELOPMENT_FROM_EMAIL = "Harbor <no-reply@harbor.invalid>"
# E-mail: console by default; EMAIL_URL (smtp://user:pass@host:587) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=DEVELOPMENT_FROM_EMAIL)
# Text messages: a dotted path to a class with ``send(*, to, body) -> str`` (tasks/sms.py).
HARBOR_SMS_BACKEND = env.str("HARBOR_SMS_BACKEND", default="tasks.sms.ConsoleSmsBackend")

# Celery: Redis when REDIS_URL is set, otherwise a broker in files that several
# processes on one machine share (the worker, beat and the web server).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message a worker took and never acked (the worker died) is handed out again after
    # this long: above the longest task (CELERY_TASK_TIME_LIMIT) and the longest retry
    # countdown (tasks.tasks.RETRY_BACKOFF_MAX, 300 s), which Redis would otherwise deliver
    # twice. Delivery does not wait for it: claims expire sooner (tasks/delivery.py).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 360}
else:
    # "localhost" only names this machine: kombu warns on every connection without a host.
    CELERY_BROKER_URL = "filesystem://localhost/"
    # kombu's filesystem transport with atomic writes (coordination/file_broker.py).
    CELERY_BROKER_TRANSPORT = "coordination.file_broker:Transport"
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
# R27: the access log's head is checkpointed outside the database this often (seconds).
HARBOR_ACCESS_LOG_CHECKPOINT_SECONDS = env.int("HARBOR_ACCESS_LOG_CHECKPOINT_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    # R27: a removed tail of the access log is caught back to the latest checkpoint.
    "checkpoint-access-log": {
        "task": "tasks.tasks.checkpoint_access_log",
        "schedule": float(HARBOR_ACCESS_LOG_CHECKPOINT_SECONDS),
    },
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
    # Issue 20: reminders young people asked for, queued in their own day and safe hours.
    "remind-young-people": {
        "task": "tasks.reminder_tasks.remind_young_people",
        "schedule": 300.0,
    },
    "send-daily-digests": {
        "task": "tasks.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # R35: closed cases past their organization's retention period lose identifying data.
    "purge-expired-cases": {
        "task": "tasks.tasks.purge_expired_cases",
        "schedule": crontab(hour=4, minute=10),
    },
}
# Task modules autodiscovery (each app's tasks.py) does not find.
CELERY_IMPORTS = ["tasks.reminder_tasks"]
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.authentication.SecondFactorForStaff",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["api.filters.IdFilterBackend"],
    # JSON only: the browsable API's forms list whole querysets (api/negotiation.py).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.OwnFormatNegotiation",
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
        "OrganizationKindEnum": "providers.models.OrganizationKind",
        "OrganizationChangeActionEnum": "providers.organization_changes.OrganizationChangeAction",
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
        "DirectoryServiceStatusEnum": "providers.models.DirectoryServiceStatus",
        "DocumentKindEnum": "cases.documents.DocumentKind",
        "SystemInvolvementKindEnum": "cases.system_involvement.SystemInvolvementKind",
        "CheckInYesNoEnum": "cases.checkins.YesNoAnswer",
    },
}

# Only for development and tests; coordination.checks rejects them (and blanks) when DEBUG is off.
DEVELOPMENT_PRIVACY_CONTACT = {
    "PRIVACY_CONTACT_EMAIL": "privacy@development.invalid",
    "PRIVACY_CONTACT_PHONE": "+1 555 0100 (development)",
    "PRIVACY_CONTACT_ADDRESS": "Development installation: set HARBOR_PRIVACY_CONTACT_ADDRESS",
    "PRIVACY_POLICY_URL": "https://development.invalid/privacy",
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
    # The community gap report calls a wait longer than this many days (median) a long wait.
    "GAP_LONG_WAIT_DAYS": env.int("HARBOR_GAP_LONG_WAIT_DAYS", default=14),
    # Consent receipts (Kantara v1.1) name who answers privacy questions for the deployment
    # (R39); an organization's own contact, where it recorded one, comes first.
    "RECEIPT_JURISDICTION": env("HARBOR_RECEIPT_JURISDICTION", default="US"),
    **{
        name: env.str(f"HARBOR_{name}", default=value)
        for name, value in DEVELOPMENT_PRIVACY_CONTACT.items()
    },
    # Where links in e-mails and texts point (sign-in only: messages carry no case details).
    "SITE_URL": env.str("HARBOR_SITE_URL", default=DEVELOPMENT_SITE_URL),
    # R31: staff re-confirm a young person's safe-contact preferences older than this.
    "SAFE_CONTACT_RECONFIRM_DAYS": env.int("HARBOR_SAFE_CONTACT_RECONFIRM_DAYS", default=90),
    # An e-mail or text that keeps failing is given up after this many tries.
    "DELIVERY_MAX_ATTEMPTS": env.int("HARBOR_DELIVERY_MAX_ATTEMPTS", default=5),
    # Messages per claimed batch, delivery tasks kept at work at once (give the workers at
    # least as many processes: -c), messages each task hands the provider at once (threads,
    # each with its own provider connection), and how long one task keeps claiming before a
    # fresh one goes on (below CELERY_TASK_SOFT_TIME_LIMIT).
    "DELIVERY_BATCH_SIZE": env.int("HARBOR_DELIVERY_BATCH_SIZE", default=50),
    "DELIVERY_CONCURRENCY": env.int("HARBOR_DELIVERY_CONCURRENCY", default=4),
    "DELIVERY_SENDERS": env.int("HARBOR_DELIVERY_SENDERS", default=8),
    "DELIVERY_SECONDS": env.int("HARBOR_DELIVERY_SECONDS", default=45),
    # Idle sign-out (R36: at most 30 minutes for staff); the page warns a minute or two before.
    "STAFF_IDLE_MINUTES": env.int("HARBOR_STAFF_IDLE_MINUTES", default=15),
    "PORTAL_IDLE_MINUTES": env.int("HARBOR_PORTAL_IDLE_MINUTES", default=10),
    # Where the portal's quick exit goes (R32): a neutral, common site.
    "QUICK_EXIT_URL": env.str("HARBOR_QUICK_EXIT_URL", default="https://www.weather.gov/"),
    # R36: a session ends this many hours after sign-in, however active it has been.
    "SESSION_MAX_HOURS": env.int("HARBOR_SESSION_MAX_HOURS", default=12),
    # Requests per client address ("count/s|m|h") on the doors a guesser would use, on top of
    # the per-account lockout below (coordination.ratelimit).
    "SIGN_IN_RATE": env.str("HARBOR_SIGN_IN_RATE", default="10/m"),
    "PASSWORD_RESET_RATE": env.str("HARBOR_PASSWORD_RESET_RATE", default="5/m"),
    "TWO_FACTOR_RATE": env.str("HARBOR_TWO_FACTOR_RATE", default="10/m"),
    "API_TOKEN_RATE": env.str("HARBOR_API_TOKEN_RATE", default="10/m"),
    # Issue 17: an invitation's link works this many days; a resend ends the old link.
    "INVITATION_DAYS": env.int("HARBOR_INVITATION_DAYS", default=7),
    # Posts per client address to an invitation's link (web page and API), as above.
    "INVITATION_ACCEPT_RATE": env.str("HARBOR_INVITATION_ACCEPT_RATE", default="10/m"),
    # R42: a portal activation code works this many hours; its page is rate limited per address.
    "PORTAL_CODE_HOURS": env.int("HARBOR_PORTAL_CODE_HOURS", default=72),
    "PORTAL_ACTIVATION_RATE": env.str("HARBOR_PORTAL_ACTIVATION_RATE", default="10/m"),
}
# R37: Fernet keys for the encrypted fields (cases.encryption), comma-separated, newest first.
# Unset in development: one key derived from SECRET_KEY. Production must set it (harbor.E005).
HARBOR_FIELD_KEYS = env.list("HARBOR_FIELD_KEYS", default=[])
# R27: secret keys of the access log's chain (consent.access_log_keys), comma-separated, newest
# first, at least 32 characters each. Unset in development: one key derived from SECRET_KEY.
# Production must set it (harbor.E020); keep a rotated-out key as long as its events are kept.
HARBOR_ACCESS_LOG_KEYS = env.list("HARBOR_ACCESS_LOG_KEYS", default=[])
# Signed checkpoints of the chain's head, written outside the database every
# HARBOR_ACCESS_LOG_CHECKPOINT_SECONDS (above; consent.access_log_checkpoints): appended to this
# file, and also sent to syslog when an address is set ("/dev/log", or "host:port" over UDP).
HARBOR_ACCESS_LOG_CHECKPOINT_FILE = Path(
    env.str(
        "HARBOR_ACCESS_LOG_CHECKPOINT_FILE", default=str(DATA_DIR / "access-log-checkpoints.jsonl")
    )
)
HARBOR_ACCESS_LOG_CHECKPOINT_SYSLOG = env.str("HARBOR_ACCESS_LOG_CHECKPOINT_SYSLOG", default="")
# How many chains the access log appends to side by side (consent.access_log): each append
# takes the first lane nobody else holds, so requests on every process and machine stop
# queueing on one lock. More lanes than requests in flight at once help nothing.
HARBOR_ACCESS_LOG_LANES = env.int("HARBOR_ACCESS_LOG_LANES", default=32)

SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: under Strict a link into Harbor from an e-mail (a password reset, a
# notification) arrives without the session and shows the sign-in page to someone signed in.
# Lax still keeps the cookie off every cross-site POST, and CSRF tokens guard every form.
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# The pages read the token from the form (and harbor.js from a data attribute), never the cookie.
CSRF_COOKIE_HTTPONLY = True
# Flash messages stay on the server: a cookie would leave their words on a shared device.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
# Nothing tells another site where a person came from (the quick exit above all). Not
# "no-referrer": under it Chromium sends "Origin: null" with same-origin form posts, which
# Django's CSRF origin check rightly refuses.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production: HTTPS only, remembered by browsers for a year (set HSTS to 0 while trying it out).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only when
# the proxy always sets or strips that header, or anyone could claim HTTPS).
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if len(_proxy_ssl_header) == 2 else None
# No inline script or style anywhere: the pages load harbor.css and harbor.js and nothing else.
# The API docs' generated inline code is allowed by hash on those views (coordination.headers).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Browser features no Harbor page uses, turned off for the page and anything it could embed.
HARBOR_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

# Shared by every process on the machine: rate-limit counters (coordination.ratelimit).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # The broker shares this Redis database: never cache.clear() it (that is FLUSHDB).
            "KEY_PREFIX": "harbor-cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# Lockout (django-axes): after AXES_FAILURE_LIMIT failed sign-ins an account is locked whatever
# the address, and an address is locked whatever the account, for the cool-off time. Admins
# unlock with `manage.py axes_reset_username <email>` / `axes_reset_ip <address>` / `axes_reset`.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# An office whose staff all reach Harbor from one address (one NAT) may set
# HARBOR_LOCK_ADDRESSES=false: then only accounts lock, and the per-address rate limits
# (HARBOR_SIGN_IN_RATE...) still slow a guesser who tries many accounts (README: Going live).
AXES_LOCKOUT_PARAMETERS = (
    ["username", "ip_address"] if env.bool("HARBOR_LOCK_ADDRESSES", default=True) else ["username"]
)
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "coordination.lockout.normalized_sign_in_name"
# One page for everyone, in the site's layout, whether or not the account exists.
AXES_LOCKOUT_CALLABLE = "coordination.lockout.lockout_response"
# The client's address (for lockout and rate limits) is REMOTE_ADDR. Behind a reverse proxy every
# request would share the proxy's address and one guesser would lock everyone out: set
# AXES_IP_HEADERS=HTTP_X_FORWARDED_FOR and AXES_PROXY_COUNT to the number of proxies in front.
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_IP_HEADERS", default=["REMOTE_ADDR"])
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=None)
AXES_VERBOSE = False

# JSON lines with the request's id; personal fields, e-mail addresses, phone numbers and the
# values of query strings masked before anything is written (coordination.logging). Django's
# "django" logger is redefined so its default AdminEmailHandler (which would mail a 500's request
# and POST data) is gone.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "coordination.logging.RequestIdFilter"},
        "personal_data": {"()": "coordination.logging.PersonalDataFilter"},
    },
    "formatters": {"json": {"()": "coordination.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # runserver's request lines (serve_embedded, `make demo`): Django's default handler for
        # them would print the query string's values; the console handler masks them (R25).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
