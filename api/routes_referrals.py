"""Routes of the referrals endpoints: referrals between organizations and case transfers."""

from rest_framework.routers import DefaultRouter

from api.referrals import ReferralViewSet
from api.transfers import TransferViewSet


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
    router.register("referrals", ReferralViewSet, basename="referral")
    router.register("transfers", TransferViewSet, basename="transfer")
