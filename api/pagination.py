"""Cursor pagination: stable pages and constant cost however deep the list goes."""

from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Pages of 50 (at most 200), newest rows first, ordered by the primary key."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
