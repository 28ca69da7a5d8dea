"""System checks that refuse to run production with development defaults."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import connection

from cases.encryption import malformed_key_positions
from consent.access_log_keys import MINIMUM_KEY_LENGTH, short_key_positions
from coordination.database_roles import role_can_rewrite_access_log

FIELD_KEY_HINT = (
    "Set HARBOR_FIELD_KEYS to comma-separated keys, newest first, each made by "
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
)


@register(Tags.security, deploy=False)
def production_settings_are_safe(app_configs: Iterable[Any] | None, **kwargs: Any) -> list[Error]:
    """With DEBUG off, Harbor needs a real secret, real servers and named hosts."""
    if settings.DEBUG:
        return []
    errors = []
    if settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        errors.append(
            Error(
                "SECRET_KEY is the development default or too short.",
                id="harbor.E001",
                hint="Set SECRET_KEY to at least 40 random characters.",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        errors.append(
            Error(
                "Production runs on PostgreSQL, not SQLite.",
                id="harbor.E002",
                hint="Set DATABASE_URL=postgres://...",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        errors.append(
            Error(
                "Production needs Redis as the Celery broker.",
                id="harbor.E003",
                hint="Set REDIS_URL=redis://...",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(Error("ALLOWED_HOSTS is empty.", id="harbor.E004"))
    return errors


@register(Tags.security, deploy=False)
def field_encryption_keys_are_set(app_configs: Iterable[Any] | None, **kwargs: Any) -> list[Error]:
    """R37: production encrypts with its own keys; every configured key must be a Fernet key."""
    keys = list(settings.HARBOR_FIELD_KEYS)
    errors = []
    if not settings.DEBUG and not keys:
        errors.append(
            Error(
                "HARBOR_FIELD_KEYS is not set: production needs its own field-encryption keys.",
                id="harbor.E005",
                hint=FIELD_KEY_HINT,
            )
        )
    for position in malformed_key_positions(keys):
        # The position, never the key: check output ends up in logs.
        errors.append(
            Error(
                f"Key {position} in HARBOR_FIELD_KEYS is not a Fernet key.",
                id="harbor.E006",
                hint=FIELD_KEY_HINT,
            )
        )
    return errors


ACCESS_LOG_KEY_HINT = (
    "Set HARBOR_ACCESS_LOG_KEYS to comma-separated secrets, newest first, each made by "
    "python -c 'import secrets; print(secrets.token_urlsafe(32))'; keep a rotated-out key "
    "after the new one for as long as its events are kept."
)


# A smallint column, and each lane is a chain to verify and checkpoint.
MAXIMUM_LANES = 1024


@register(Tags.security, deploy=False)
def access_log_keys_are_set(app_configs: Iterable[Any] | None, **kwargs: Any) -> list[Error]:
    """R27: production chains the access log under its own secret keys, none of them short."""
    keys = list(settings.HARBOR_ACCESS_LOG_KEYS)
    errors = []
    if not settings.DEBUG and not keys:
        errors.append(
            Error(
                "HARBOR_ACCESS_LOG_KEYS is not set: production needs its own access-log keys.",
                id="harbor.E020",
                hint=ACCESS_LOG_KEY_HINT,
            )
        )
    for position in short_key_positions(keys):
        errors.append(
            Error(
                f"Key {position} in HARBOR_ACCESS_LOG_KEYS is shorter than "
                f"{MINIMUM_KEY_LENGTH} characters.",
                id="harbor.E021",
                hint=ACCESS_LOG_KEY_HINT,
            )
        )
    if not 1 <= settings.HARBOR_ACCESS_LOG_LANES <= MAXIMUM_LANES:
        errors.append(
            Error(
                f"HARBOR_ACCESS_LOG_LANES must be between 1 and {MAXIMUM_LANES}.",
                id="harbor.E022",
            )
        )
    return errors


@register(Tags.security, deploy=False)
def privacy_contact_is_set(app_configs: Iterable[Any] | None, **kwargs: Any) -> list[Error]:
    """R39: every consent receipt names a real privacy contact, so production needs the
    installation's own; the development values and blanks are refused."""
    if settings.DEBUG:
        return []
    harbor = getattr(settings, "HARBOR", {})
    return [
        Error(
            f"HARBOR_{name} is not set: consent receipts need a real privacy contact.",
            id="harbor.E030",
            hint=f"Set HARBOR_{name} to the installation's own value (README: settings).",
        )
        for name, development_value in settings.DEVELOPMENT_PRIVACY_CONTACT.items()
        if not str(harbor.get(name) or "").strip() or harbor.get(name) == development_value
    ]


# Back ends that deliver nothing: invitations and password resets would never arrive.
UNDELIVERING_EMAIL_BACKENDS = ("console", "locmem", "dummy", "filebased")


@register(Tags.security, deploy=False)
def email_can_reach_people(app_configs: Iterable[Any] | None, **kwargs: Any) -> list[Error]:
    """Issue 17: staff get in through e-mailed invitation links, and everyone resets a
    password by e-mail; production needs a real mail server, a sender and its own address."""
    if settings.DEBUG:
        return []
    errors = []
    site_url = str(settings.HARBOR.get("SITE_URL") or "")
    if site_url == settings.DEVELOPMENT_SITE_URL or not site_url.startswith("https://"):
        errors.append(
            Error(
                "HARBOR_SITE_URL is not the installation's own https:// address: links in "
                "invitations and password resets would point nowhere.",
                id="harbor.E040",
                hint="Set HARBOR_SITE_URL=https://harbor.example.org (README: Going live).",
            )
        )
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2] if "." in settings.EMAIL_BACKEND else ""
    if backend in UNDELIVERING_EMAIL_BACKENDS:
        errors.append(
            Error(
                "E-mail is not sent anywhere: invitations and password resets would not arrive.",
                id="harbor.E041",
                hint="Set EMAIL_URL=smtp+tls://user:password@mail.example.org:587.",
            )
        )
    if settings.DEFAULT_FROM_EMAIL == settings.DEVELOPMENT_FROM_EMAIL:
        errors.append(
            Error(
                "DEFAULT_FROM_EMAIL is the development sender.",
                id="harbor.E042",
                hint="Set DEFAULT_FROM_EMAIL to an address of the installation's own domain.",
            )
        )
    return errors


@register(Tags.database, Tags.security)
def application_role_cannot_rewrite_the_access_log(
    app_configs: Iterable[Any] | None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[Warning]:
    """R27: with DEBUG off, Harbor should connect as a role that owns nothing. Django runs
    database checks only when asked (``check --database default``, ``migrate``); ``migrate``
    itself runs as the owner, so the warning there is expected."""
    if settings.DEBUG or "default" not in (databases or ()) or connection.vendor != "postgresql":
        return []
    if not role_can_rewrite_access_log():
        return []
    return [
        Warning(
            "Harbor is connected to PostgreSQL as a superuser or as the owner of the access "
            "log, which can turn its append-only triggers off.",
            id="harbor.W020",
            hint="Migrate as the owner, then run manage.py grant_app_role --role harbor_app and "
            "connect the web, worker and beat processes as harbor_app (README: production).",
        )
    ]


@register(Tags.security, deploy=False)
def production_transport_and_headers_are_safe(
    app_configs: Iterable[Any] | None, **kwargs: Any
) -> list[CheckMessage]:
    """With DEBUG off: cookies only over HTTPS, a strict CSP, lockout on; HTTPS redirect and a
    year of HSTS expected (warnings, since a proxy may redirect and HSTS is tried out short)."""
    if settings.DEBUG:
        return []
    messages: list[CheckMessage] = []
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        messages.append(
            Error("Session and CSRF cookies must be Secure in production.", id="harbor.E010")
        )
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    scripts = directives.get("script-src", directives.get("default-src"))
    if not scripts or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(scripts):
        messages.append(
            Error(
                "The Content-Security-Policy must allow scripts from 'self' only.",
                id="harbor.E011",
                hint="No inline script: the pages load harbor.js.",
            )
        )
    if not getattr(settings, "AXES_ENABLED", True):
        messages.append(Error("Sign-in lockout (AXES_ENABLED) is off.", id="harbor.E012"))
    if not settings.SECURE_SSL_REDIRECT:
        messages.append(
            Warning(
                "SECURE_SSL_REDIRECT is off.",
                id="harbor.W010",
                hint="Leave it on unless the proxy in front redirects HTTP to HTTPS itself.",
            )
        )
    if settings.SECURE_HSTS_SECONDS < 365 * 24 * 60 * 60 or not (
        settings.SECURE_HSTS_INCLUDE_SUBDOMAINS
    ):
        messages.append(
            Warning(
                "HSTS is shorter than a year or leaves out subdomains.",
                id="harbor.W011",
                hint="SECURE_HSTS_SECONDS=31536000 once HTTPS works everywhere.",
            )
        )
    return messages
