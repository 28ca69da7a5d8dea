"""Harbor project configuration: settings, root URLs, the Celery app."""

from coordination.celery import app as celery_app

__all__ = ["celery_app"]
