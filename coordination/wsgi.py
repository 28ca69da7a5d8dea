"""WSGI entry point (gunicorn coordination.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
application = get_wsgi_application()

# Load every view now, then take everything loaded so far out of the garbage collector's
# sight: a full collection otherwise walks the whole application (some 150,000 objects) and
# paused one request in thirty for up to 70 ms (BENCHMARKS.md, latency).
get_resolver().url_patterns  # noqa: B018 (imports the URL configuration and its views)
gc.collect()
gc.freeze()
