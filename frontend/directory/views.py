"""The directory pages: the search and a service's page for staff of any member
organization, and "Our directory entries" where an organization's admins publish, change and
unpublish its services. Who may is asked of consent.policy; the writes go through
providers/directory/services.py. Young people and people without a role get 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.versions import StaleVersion
from consent.policy import Role, Viewer, can_edit_directory_entry, can_search_directory
from frontend.access import page_viewer, staff_page
from frontend.directory.forms import (
    LocationFormSet,
    SearchForm,
    ServiceForm,
    location_initial,
)
from frontend.versioned import initial_version, saved_over, show_newer
from providers.directory.selectors import (
    member_services,
    search_directory,
    takes_harbor_referrals,
    with_directory_details,
)
from providers.directory.services import (
    ServiceValues,
    create_member_service,
    unpublish_member_service,
    update_member_service,
    values_of,
)
from providers.models import DirectoryService, Organization

PAGE_SIZE = 25


def _searcher(request: HttpRequest) -> Viewer:
    viewer = page_viewer(request)
    if not can_search_directory(viewer=viewer):
        raise Http404("No such page.")
    return viewer


def _administered(viewer: Viewer, organization_id: int) -> Organization:
    """An active organization whose directory entries the viewer edits, else 404."""
    organization = Organization.objects.filter(pk=organization_id, is_active=True).first()
    if organization is None or not can_edit_directory_entry(
        viewer=viewer, organization_id=organization.pk
    ):
        raise Http404("No such organization.")
    return organization


def _own_service(viewer: Viewer, service_id: int) -> DirectoryService:
    """A service of a member organization the viewer administers, else 404."""
    service = with_directory_details(
        DirectoryService.objects.filter(pk=service_id, provider__member__isnull=False)
    ).first()
    if service is None or not can_edit_directory_entry(
        viewer=viewer, organization_id=service.provider.member_id
    ):
        raise Http404("No such service.")
    return service


def _entries_url(organization_id: int) -> str:
    return reverse("frontend:directory-entries", kwargs={"organization_id": organization_id})


@staff_page
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Filters in the query string: type, area, age, language, capacity and words only."""
    viewer = _searcher(request)
    form = SearchForm(request.GET if request.GET else None)
    if form.is_bound and not form.is_valid():
        rows = DirectoryService.objects.none()
    else:
        rows = search_directory(**(form.filters() if form.is_bound else {}))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    administered = Organization.objects.filter(
        pk__in=viewer.organizations_with(Role.ORG_ADMIN), is_active=True
    ).order_by("name", "pk")
    context = {"form": form, "page": page, "administered": administered}
    return render(request, "frontend/directory/search.html", context, status=200)


@staff_page
@require_GET
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    """A published service; an unpublished one only for its organization's admins."""
    viewer = _searcher(request)
    service = with_directory_details(DirectoryService.objects.filter(pk=service_id)).first()
    if service is None:
        raise Http404("No such service.")
    editable = service.provider.member_id is not None and can_edit_directory_entry(
        viewer=viewer, organization_id=service.provider.member_id
    )
    listed = service.is_published and service.status == DirectoryService.Status.ACTIVE
    if not (listed or editable):
        raise Http404("No such service.")
    context = {
        "service": service,
        "editable": editable,
        "takes_referrals": takes_harbor_referrals(service),
    }
    return render(request, "frontend/directory/service.html", context)


@staff_page
@require_GET
def entries(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Every service the organization lists, published or not."""
    organization = _administered(page_viewer(request), organization_id)
    context = {
        "organization": organization,
        "services": member_services(organization_id=organization.pk),
    }
    return render(request, "frontend/directory/entries.html", context)


def _service_page(
    request: HttpRequest,
    *,
    organization: Organization,
    service: DirectoryService | None,
    current: ServiceValues | None,
) -> HttpResponse:
    """The form for a new or an existing service; on a valid POST, one service call."""
    if request.method == "POST":
        form = ServiceForm(request.POST)
        locations = LocationFormSet(
            request.POST, prefix="locations", initial=location_initial(current)
        )
    else:
        form = ServiceForm(initial={**ServiceForm.initial_for(current), **initial_version(service)})
        locations = LocationFormSet(prefix="locations", initial=location_initial(current))
    if request.method == "POST" and form.is_valid() and locations.is_valid():
        wanted = tuple(f.location_values() for f in locations.forms if f.is_wanted())
        try:
            if service is None:
                create_member_service(organization=organization, values=form.values(wanted))
            else:
                with saved_over(form, DirectoryService.objects.filter(pk=service.pk)):
                    update_member_service(service=service, values=form.values(wanted))
        except StaleVersion as exc:
            show_newer(form, exc)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The service was saved."))
            return redirect(_entries_url(organization.pk))
    context = {
        "form": form,
        "locations": locations,
        "organization": organization,
        "service": service,
        "back_url": _entries_url(organization.pk),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/directory/service_form.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def service_new(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = _administered(page_viewer(request), organization_id)
    return _service_page(request, organization=organization, service=None, current=None)


@staff_page
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _own_service(page_viewer(request), service_id)
    organization = service.provider.member
    return _service_page(
        request, organization=organization, service=service, current=values_of(service)
    )


@staff_page
@require_POST
def service_unpublish(request: HttpRequest, service_id: int) -> HttpResponse:
    """Out of the search and the matches; it stays listed here, to publish again."""
    service = _own_service(page_viewer(request), service_id)
    unpublish_member_service(service=service)
    messages.success(request, _("The service is no longer published."))
    return redirect(_entries_url(service.provider.member_id))
