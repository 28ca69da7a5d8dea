"""The organization admin's pages: members and roles, the organization's directory entry, and
the retention of closed cases (R35: the period, and what recent runs purged, in counts).

Importing existing clients (issue 18, point 8) is here too: the admin uploads a CSV file,
and the page reports each problem by row and column, never a value from the file.

The same rules as the API's ``MembershipViewSet`` and ``OrganizationViewSet``: only admins of
the organization (``can_manage_memberships``) see or change these pages (404 for everyone
else), and the writes go through providers/services.py. No case data appears here.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.two_factor import reset_second_factor
from accounts.versions import StaleVersion
from cases.services.client_columns import template_csv
from cases.services.client_import import MAX_BYTES, import_clients
from consent.policy import Role, Viewer, can_manage_memberships, visible_memberships
from frontend.access import page_viewer, staff_page
from frontend.orgadmin.forms import AddMemberForm, ClientImportForm, DirectoryEntryForm, RoleForm
from frontend.versioned import show_newer
from providers.errors import SelfGrantRefused
from providers.invitations import Invitation
from providers.inviting import cancel_invitation, invite_member, resend_invitation
from providers.models import DirectoryProvider, Membership, Organization
from providers.selectors import directory_entry_version, recent_membership_changes
from providers.services import (
    change_membership_role,
    set_membership_active,
    update_directory_entry,
)
from tasks.retention import recent_runs_for


def _administered(viewer: Viewer, organization_id: int | None) -> Organization:
    """An active organization the viewer administers (their first when not named), else 404."""
    organizations = Organization.objects.filter(pk__in=viewer.organizations_with(Role.ORG_ADMIN))
    if organization_id is not None:
        organizations = organizations.filter(pk=organization_id)
    found = organizations.order_by("name", "pk").first()
    if found is None or not can_manage_memberships(viewer=viewer, organization_id=found.pk):
        raise Http404("No such organization.")
    return found


def _managed_membership(viewer: Viewer, membership_id: int) -> Membership:
    membership = (
        visible_memberships(viewer=viewer)
        .select_related("user", "organization")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not can_manage_memberships(
        viewer=viewer, organization_id=membership.organization_id
    ):
        raise Http404("No such membership.")
    return membership


def _page_url(organization_id: int) -> str:
    return f"{reverse('frontend:organization')}?organization={organization_id}"


def _apply_errors(form: Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@staff_page
@require_GET
def organization_page(request: HttpRequest) -> HttpResponse:
    viewer = page_viewer(request)
    raw = request.GET.get("organization") or None
    try:
        organization_id = int(raw) if raw is not None else None
    except ValueError as exc:
        raise Http404("No such organization.") from exc
    organization = _administered(viewer, organization_id)
    members = (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email", "role", "pk")
    )
    administered = Organization.objects.filter(
        pk__in=viewer.organizations_with(Role.ORG_ADMIN)
    ).order_by("name")
    return render(
        request,
        "frontend/orgadmin/organization.html",
        {
            "organization": organization,
            "members": members,
            "changes": recent_membership_changes(organization_id=organization.pk),
            "invitations": Invitation.objects.pending()
            .filter(organization=organization)
            .order_by("email", "pk"),
            "organizations": administered if administered.count() > 1 else [],
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def directory_entry(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = _administered(page_viewer(request), organization_id)
    if request.method != "POST":
        form = DirectoryEntryForm.for_organization(organization)
        return _entry_page(request, form, organization, 200)
    form = DirectoryEntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with _entry_unchanged_since(organization, form.read_version()):
                update_directory_entry(
                    organization=organization,
                    name=data["name"],
                    kind=data["kind"],
                    description=data["description"],
                    service_area=form.service_areas(),
                    names_staff_to_young_people=data["names_staff_to_young_people"],
                    collects_sexual_orientation=data["collects_sexual_orientation"],
                    closed_case_retention_days=data["closed_case_retention_days"],
                    privacy_contact=form.privacy_contact(),
                    actor=request.user,
                )
        except StaleVersion as exc:
            show_newer(form, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The directory entry was saved."))
            return redirect(_page_url(organization.pk))
    return _entry_page(request, form, organization, 400)


@contextmanager
def _entry_unchanged_since(organization: Organization, read_version: str | None) -> Iterator[None]:
    """Lock the organization and its directory provider and check neither changed since the
    form was read; the save inside commits with the locks."""
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        provider = DirectoryProvider.objects.select_for_update().filter(member=locked).first()
        if read_version and read_version != directory_entry_version(locked, provider):
            # The form error shows the description saved since, with the organization's fields.
            locked.description = provider.description if provider else ""  # type: ignore[attr-defined]
            raise StaleVersion(locked)
        yield


def _entry_page(
    request: HttpRequest, form: Form, organization: Organization, status: int
) -> HttpResponse:
    return render(
        request,
        "frontend/orgadmin/directory_entry.html",
        {
            "form": form,
            "organization": organization,
            "back_url": _page_url(organization.pk),
            "invitation_days": settings.HARBOR["INVITATION_DAYS"],
        },
        status=status,
    )


def _kind_label(kind: str) -> str:
    return {
        "person": _("Young people"),
        "family_members": _("Family members"),
        "safe_contact_rules": _("Safe-contact rules"),
        "portal_accounts": _("Portal accounts closed"),
        "flags": _("Flags"),
        "notes": _("Notes"),
        "contacts": _("Contacts"),
        "system_involvement": _("System-involvement events"),
        "goals": _("Goals"),
        "plan_versions": _("Plan versions"),
        "referrals": _("Referrals"),
        "transfers": _("Transfers"),
        "consents": _("Consents"),
        "compelled_disclosures": _("Compelled disclosures"),
        "follow_ups": _("Follow-ups"),
        "history_rows": _("Change-history entries removed"),
    }.get(kind, kind)


@staff_page
@require_GET
def retention(request: HttpRequest, organization_id: int) -> HttpResponse:
    """The retention period of closed cases and the counts of recent runs (no case data)."""
    organization = _administered(page_viewer(request), organization_id)
    context = {
        "organization": organization,
        "runs": [
            {**row, "counts": [(kind, _kind_label(kind), n) for kind, n in row["counts"].items()]}
            for row in recent_runs_for(organization_id=organization.pk)
        ],
        "back_url": _page_url(organization.pk),
    }
    return render(request, "frontend/orgadmin/retention.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def add_member(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = _administered(page_viewer(request), organization_id)
    form = AddMemberForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                invited = invite_member(
                    organization=organization,
                    email=data["email"],
                    full_name=data["full_name"],
                    role=data["role"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            except SelfGrantRefused as exc:
                form.add_error(None, str(exc))
                status = 403
            else:
                if invited.membership is not None:
                    messages.success(request, _("The member was added."))
                else:
                    messages.success(request, _("The invitation is sent."))
                return redirect(_page_url(organization.pk))
    return render(
        request,
        "frontend/orgadmin/add_member.html",
        {
            "form": form,
            "organization": organization,
            "back_url": _page_url(organization.pk),
            "invitation_days": settings.HARBOR["INVITATION_DAYS"],
        },
        status=status,
    )


@staff_page
@require_http_methods(["GET", "POST"])
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _managed_membership(page_viewer(request), membership_id)
    form = RoleForm(
        request.POST if request.method == "POST" else None, initial={"role": membership.role}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                change_membership_role(
                    membership=membership, role=form.cleaned_data["role"], actor=request.user
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            except SelfGrantRefused as exc:
                form.add_error(None, str(exc))
                status = 403
            else:
                messages.success(request, _("The role was changed."))
                return redirect(_page_url(membership.organization_id))
    return render(
        request,
        "frontend/orgadmin/member_role.html",
        {
            "form": form,
            "membership": membership,
            "back_url": _page_url(membership.organization_id),
        },
        status=status,
    )


@staff_page
@require_POST
def member_active(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Suspend (active=0) or restore (active=1) a role, from the members table."""
    membership = _managed_membership(page_viewer(request), membership_id)
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        return HttpResponse(status=400)
    try:
        set_membership_active(membership=membership, active=wanted == "1", actor=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    except SelfGrantRefused as exc:
        messages.error(request, str(exc))
    else:
        if wanted == "1":
            messages.success(request, _("The role was restored."))
        else:
            messages.success(request, _("The role was suspended."))
    return redirect(_page_url(membership.organization_id))


@staff_page
@require_POST
def member_reset_two_factor(request: HttpRequest, membership_id: int) -> HttpResponse:
    """For a member who lost their app and backup codes (R36): their sessions end and their
    next sign-in sets up a new app. Not for one's own account: another admin must do it."""
    membership = _managed_membership(page_viewer(request), membership_id)
    if membership.user_id == request.user.pk:
        messages.error(request, _("Another admin must reset your own two-step sign-in."))
    else:
        reset_second_factor(membership.user)
        messages.success(
            request,
            _("Two-step sign-in was reset. The member sets it up again at their next sign-in."),
        )
    return redirect(_page_url(membership.organization_id))


def _administered_invitation(viewer: Viewer, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.pending()
        .select_related("organization")
        .filter(pk=invitation_id, organization_id__in=viewer.organizations_with(Role.ORG_ADMIN))
        .first()
    )
    if invitation is None or not can_manage_memberships(
        viewer=viewer, organization_id=invitation.organization_id
    ):
        raise Http404("No such invitation.")
    return invitation


@staff_page
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """A new link goes out; the old one stops working."""
    invitation = _administered_invitation(page_viewer(request), invitation_id)
    resend_invitation(invitation=invitation)
    messages.success(request, _("The invitation is sent again; the earlier link no longer works."))
    return redirect(_page_url(invitation.organization_id))


@staff_page
@require_POST
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _administered_invitation(page_viewer(request), invitation_id)
    cancel_invitation(invitation=invitation)
    messages.success(request, _("The invitation is cancelled; its link no longer works."))
    return redirect(_page_url(invitation.organization_id))


@staff_page
@require_http_methods(["GET", "POST"])
def client_import(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Check or import a CSV file of existing clients: all rows or none."""
    organization = _administered(page_viewer(request), organization_id)
    report = None
    status = 200
    if request.method == "POST":
        form = ClientImportForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            dry_run = form.cleaned_data["mode"] == ClientImportForm.CHECK
            report = import_clients(
                data=form.cleaned_data["file"].read(MAX_BYTES + 1),
                organization=organization,
                actor=request.user,
                dry_run=dry_run,
            )
            if report.ok and not dry_run:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d case was imported.",
                        "%(count)d cases were imported.",
                        report.written,
                    )
                    % {"count": report.written},
                )
                return redirect(_page_url(organization.pk))
            if report.ok:
                status = 200
    else:
        form = ClientImportForm()
    return render(
        request,
        "frontend/orgadmin/client_import.html",
        {
            "form": form,
            "organization": organization,
            "report": report,
            "back_url": _page_url(organization.pk),
        },
        status=status,
    )


@staff_page
@require_GET
def client_import_template(request: HttpRequest) -> HttpResponse:
    """The template: the header row and one made-up example row."""
    _administered(page_viewer(request), None)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="harbor-clients-template.csv"'
    return response
