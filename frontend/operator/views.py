"""The site operator's pages (issue 17): create, rename and deactivate organizations, say
whether each leads cases or only receives referrals, and invite their admins.

Only the site operator (``can_operate_site``: staff, the operate_site permission, no role in
any organization) reaches these pages; everyone else gets the 404 of a missing page. Nothing
here reads case data. Writes go through providers/operating.py and providers/inviting.py,
which record who did what and when.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent.policy import can_invite
from frontend.access import operator_page, page_viewer
from frontend.operator.forms import InviteAdminForm, NewOrganizationForm, OrganizationForm
from providers.invitations import Invitation
from providers.inviting import cancel_invitation, invite_member, resend_invitation
from providers.models import Membership, Organization
from providers.operating import change_organization, open_organization
from providers.selectors import (
    organization_admins,
    organizations_for_the_operator,
    recent_organization_changes,
    waiting_admin_invitations,
)


def _organization_url(organization_id: int) -> str:
    return reverse("frontend:operator-organization", kwargs={"organization_id": organization_id})


def _apply_errors(form: Form, exc: ValidationError, renames: dict[str, str] | None = None) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        name = (renames or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


# The invitation services name the e-mail field "email"; the operator's forms "admin_email".
_INVITE_FIELDS = {"email": "admin_email", "full_name": "admin_name"}


def _invite_admin(request: HttpRequest, organization: Organization, data: dict) -> str:
    """Invite the admin; the sentence that tells the operator what happened."""
    invited = invite_member(
        organization=organization,
        email=data["admin_email"],
        full_name=data["admin_name"],
        role=Membership.Role.ORG_ADMIN,
        actor=request.user,
    )
    if invited.membership is not None:
        return _("They already sign in to Harbor: the admin role is theirs now.")
    return _("The invitation is sent.")


@operator_page
@require_GET
def organizations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "frontend/operator/organizations.html",
        {"organizations": organizations_for_the_operator()},
    )


@operator_page
@require_http_methods(["GET", "POST"])
def new_organization(request: HttpRequest) -> HttpResponse:
    form = NewOrganizationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The organization and its first invitation together, or neither.
            with transaction.atomic():
                organization = open_organization(
                    name=data["name"],
                    kind=data["kind"],
                    leads_cases=data["leads_cases"],
                    actor=request.user,
                )
                said = [_("The organization is created.")]
                if data["admin_email"]:
                    said.append(_invite_admin(request, organization, data))
        except ValidationError as exc:
            _apply_errors(form, exc, _INVITE_FIELDS)
        else:
            messages.success(request, " ".join(said))
            return redirect(_organization_url(organization.pk))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "frontend/operator/new_organization.html",
        {"form": form, "invitation_days": settings.HARBOR["INVITATION_DAYS"]},
        status=status,
    )


@operator_page
@require_http_methods(["GET", "POST"])
def organization(request: HttpRequest, organization_id: int) -> HttpResponse:
    found = get_object_or_404(Organization, pk=organization_id)
    form = OrganizationForm.for_organization(found)
    status = 200
    if request.method == "POST":
        form = OrganizationForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                change_organization(
                    organization=found,
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    leads_cases=data["leads_cases"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("The organization is saved."))
                return redirect(_organization_url(found.pk))
    return _organization_page(request, found, form=form, status=status)


def _organization_page(
    request: HttpRequest,
    organization: Organization,
    *,
    form: Form | None = None,
    invite_form: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "frontend/operator/organization.html",
        {
            "organization": organization,
            "form": form or OrganizationForm.for_organization(organization),
            "invite_form": invite_form or InviteAdminForm(),
            "admins": organization_admins(organization_id=organization.pk),
            "invitations": waiting_admin_invitations(organization_id=organization.pk),
            "changes": recent_organization_changes(organization_id=organization.pk),
            "invitation_days": settings.HARBOR["INVITATION_DAYS"],
            "may_invite": organization.is_active and _may_invite_admin(request, organization),
        },
        status=status,
    )


@operator_page
@require_POST
def organization_active(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Deactivate (its members lose access at once; its records stay) or reactivate."""
    found = get_object_or_404(Organization, pk=organization_id)
    active = request.POST.get("active") == "1"
    change_organization(organization=found, actor=request.user, is_active=active)
    if active:
        messages.success(request, _("The organization is active again; its members can sign in."))
    else:
        messages.success(
            request,
            _(
                "The organization is deactivated: its members no longer reach Harbor through it. "
                "Its cases and consents stay as history."
            ),
        )
    return redirect(_organization_url(found.pk))


@operator_page
@require_POST
def invite_admin(request: HttpRequest, organization_id: int) -> HttpResponse:
    found = get_object_or_404(Organization, pk=organization_id)
    form = InviteAdminForm(request.POST)
    if not _may_invite_admin(request, found):
        form.add_error(None, _(ADMINS_INVITE))
        return _organization_page(request, found, invite_form=form, status=403)
    if form.is_valid():
        try:
            said = _invite_admin(request, found, form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc, _INVITE_FIELDS)
        else:
            messages.success(request, said)
            return redirect(_organization_url(found.pk))
    return _organization_page(request, found, invite_form=form, status=400)


# The operator invites an organization's first admin (or a new one when none is active);
# from then on its admins invite its people (consent/policy.py ``can_invite``).
ADMINS_INVITE = gettext_noop(
    "This organization has an active admin: its admins invite its people, admins included."
)


def _may_invite_admin(request: HttpRequest, organization: Organization) -> bool:
    return can_invite(
        viewer=page_viewer(request),
        user=request.user,
        organization_id=organization.pk,
        role=Membership.Role.ORG_ADMIN,
    )


def _admin_invitation(invitation_id: int) -> Invitation:
    """An admin invitation still waiting; the operator handles no other invitations."""
    invitation = (
        Invitation.objects.pending()
        .filter(pk=invitation_id, role=Membership.Role.ORG_ADMIN)
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


@operator_page
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _admin_invitation(invitation_id)
    resend_invitation(invitation=invitation)
    messages.success(request, _("The invitation is sent again; the earlier link no longer works."))
    return redirect(_organization_url(invitation.organization_id))


@operator_page
@require_POST
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _admin_invitation(invitation_id)
    cancel_invitation(invitation=invitation)
    messages.success(request, _("The invitation is cancelled; its link no longer works."))
    return redirect(_organization_url(invitation.organization_id))
