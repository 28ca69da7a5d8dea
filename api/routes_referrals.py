"""Routes of the referrals endpoints (filled in by the referrals work)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
