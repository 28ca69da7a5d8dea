"""The directory pages in the page authorization matrix (see tests/frontend/pages.py)."""

from tests.frontend.pages import PageTarget

TARGETS: dict[str, PageTarget] = {}
