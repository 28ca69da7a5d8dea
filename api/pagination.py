"""Cursor pagination: stable pages and constant cost however deep the list goes."""

from collections.abc import Sequence
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from api.access import request_viewer
from consent.access_log import note_page_access
from consent.policy import CaseAccess, visible_cases


class NewestFirstCursorPagination(CursorPagination):
    """Pages of 50 (at most 200), newest rows first, ordered by the primary key.

    A view that lists case data declares ``access_log_case_field`` (``"pk"`` for cases,
    ``"case_id"`` for their records; dotted for ``"plan.case_id"``, which the queryset must
    select_related) and may declare ``access_log_categories`` (what its rows show; default
    every category the viewer may see) and ``access_log_action`` (default ``"list"``); a list
    of cases read ``with_access_marks`` declares ``access_log_marked``. Each
    page then records one access event per case on it (R24), buffered into the request's one
    bulk insert. What the policy found for those cases stays in ``page_accesses`` for the
    page's releases (``api.release.ReleasesMixin``).
    """

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list[Model] | None:
        page = super().paginate_queryset(queryset, request, view)
        self.page_accesses: dict[int, CaseAccess | None] = {}
        if page is not None and view is not None:
            self.page_accesses = note_page(page, request, view)
        return page


def _case_id_of(row: Any, path: str) -> Any:
    for name in path.split("."):
        row = getattr(row, name, None)
    return row


def note_page(page: Sequence[Any], request: Request, view: APIView) -> dict[int, CaseAccess | None]:
    """Record the page's cases in the access log, if the view lists case data; what the policy
    found per case.

    Records of the young person (identity, family) name the person, not a case: their
    visible cases stand for them, found in one query.
    """
    case_field = getattr(view, "access_log_case_field", None)
    person_field = getattr(view, "access_log_person_field", None)
    if not (case_field or person_field) or not page:
        return {}
    viewer = request_viewer(request)
    if case_field:
        case_ids = [_case_id_of(row, case_field) for row in page]
    else:
        people = {_case_id_of(row, person_field) for row in page}
        cases = visible_cases(viewer=viewer).filter(person_id__in=people)
        case_ids = list(cases.values_list("pk", flat=True))
    # A list of cases read with_access_marks carries what the access decision needs.
    marked = page if case_field == "pk" and getattr(view, "access_log_marked", False) else None
    return note_page_access(
        viewer=viewer,
        case_ids=[case_id for case_id in case_ids if case_id is not None],
        action=getattr(view, "access_log_action", "list"),
        categories=getattr(view, "access_log_categories", None),
        marked=marked,
    )
