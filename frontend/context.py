"""What every page template needs: the viewer's doors, the idle limit and the quick exit."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from consent.policy import Role, can_operate_site, can_search_directory
from frontend.access import is_portal_user, page_viewer
from frontend.middleware import idle_limit_seconds


def harbor_page(request: HttpRequest) -> dict[str, Any]:
    quick_exit_url = settings.HARBOR["QUICK_EXIT_URL"]
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"harbor": {"signed_in": False, "quick_exit_url": quick_exit_url}}
    viewer = page_viewer(request)
    return {
        "harbor": {
            "signed_in": True,
            "is_portal": is_portal_user(viewer),
            "is_staff": bool(viewer.staff_organizations),
            "is_supervisor": bool(viewer.organizations_with(Role.SUPERVISOR)),
            "is_org_admin": bool(viewer.organizations_with(Role.ORG_ADMIN)),
            "is_operator": can_operate_site(viewer=viewer, user=request.user),
            "sees_community": can_search_directory(viewer=viewer),
            "idle_seconds": idle_limit_seconds(request),
            "quick_exit_url": quick_exit_url,
        }
    }
