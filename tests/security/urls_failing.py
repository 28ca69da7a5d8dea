"""The real URLs plus one view that fails, to see the server-error page (tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from coordination.urls import handler500
from coordination.urls import urlpatterns as real_urlpatterns


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"Maria Lopez lives at 12 Elm Street ({request.POST.get('phone')})")


urlpatterns = [path("failing/", failing_view), *real_urlpatterns]

__all__ = ["handler500", "urlpatterns"]
