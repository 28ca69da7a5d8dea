"""Routes of the plans endpoints: goals, planned services and plan versions."""

from rest_framework.routers import DefaultRouter

from api.plans import GoalViewSet, PlannedServiceViewSet, PlanVersionViewSet


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
    router.register("goals", GoalViewSet, basename="goal")
    router.register("planned-services", PlannedServiceViewSet, basename="planned-service")
    router.register("plan-versions", PlanVersionViewSet, basename="plan-version")
