"""The request's viewer, built once per request by the access policy and cached on it."""

from rest_framework.request import Request

from consent.policy import Viewer, viewer_for


def request_viewer(request: Request) -> Viewer:
    """The policy's view of the signed-in user, computed on first use in a request."""
    cached = getattr(request._request, "harbor_viewer", None)
    if cached is None:
        cached = viewer_for(request.user)
        request._request.harbor_viewer = cached
    return cached


class ViewerMixin:
    """Gives a view ``self.viewer``: who is asking, according to the policy."""

    request: Request

    @property
    def viewer(self) -> Viewer:
        return request_viewer(self.request)
