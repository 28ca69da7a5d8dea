"""Routes of the records endpoints (filled in by the records work)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
