"""Query parameters the supervisor's pages share: ids, and the organization being supervised."""

from django.http import Http404, HttpRequest

from consent.policy import Viewer
from providers.models import Organization
from tasks import continuity


def int_param(request: HttpRequest, name: str) -> int | None:
    """An id from the query string; absent is None, anything but digits is a 404."""
    value = request.GET.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise Http404("No such record.") from exc


def supervised_organization(request: HttpRequest, viewer: Viewer) -> Organization:
    """The organization of ``?organization=`` (the first by name when not named), if the viewer
    supervises it; 404 otherwise."""
    return continuity.access_supervised_organization(
        viewer=viewer, organization_id=int_param(request, "organization")
    )
