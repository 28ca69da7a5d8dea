"""Routes of the records endpoints: notes, contacts, flags, documents, system involvement,
outcome check-ins and the case's change history."""

from rest_framework.routers import DefaultRouter

from api.check_ins import CheckInViewSet
from api.documents import DocumentViewSet
from api.fields import ID_PATTERN
from api.history import CaseHistoryViewSet
from api.records import ContactViewSet, FlagViewSet, NoteViewSet
from api.system_involvement import SystemInvolvementViewSet


def register(router: DefaultRouter) -> None:
    """Register this module's viewsets on the API router."""
    router.register("notes", NoteViewSet, basename="note")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("flags", FlagViewSet, basename="flag")
    router.register("documents", DocumentViewSet, basename="document")
    router.register("system-involvement", SystemInvolvementViewSet, basename="system-involvement")
    router.register("check-ins", CheckInViewSet, basename="check-in")
    # Digits only: the case id is converted to an int before the policy reads it.
    router.register(
        rf"cases/(?P<case_pk>{ID_PATTERN})/history", CaseHistoryViewSet, basename="case-history"
    )
