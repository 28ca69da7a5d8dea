"""System checks that refuse to run production with development defaults."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


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
