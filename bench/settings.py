"""Harbor's settings for the benchmark's server: the same, plus the stock and ceiling routes.

Everything else (DEBUG off, hosts, no HTTPS redirect on loopback, log level) is set through the
environment variables ``coordination.settings`` already reads; production defaults are untouched.
"""

from coordination.settings import *  # noqa: F403

ROOT_URLCONF = "bench.stock_urls"
