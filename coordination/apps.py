"""App config for the project package, so its system checks register."""

from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "coordination"

    def ready(self) -> None:
        from coordination import checks  # noqa: F401  (registers the checks)
