"""Words the portal shows: the active language, plain labels of codes."""

from typing import Any

from django.utils import translation

from consent.preview import LANGUAGES


def active_language() -> str:
    language = (translation.get_language() or "en")[:2]
    return language if language in LANGUAGES else "en"


def choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- My plan ------------------------------------------------------------------------------
