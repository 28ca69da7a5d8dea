"""Transfers offered to the viewer's organization (R41): its supervisors and intake workers see
only the non-identifying offer (age band, needs, services, area) and accept the case, with one of
their advocates as primary, or decline it. A declined or withdrawn transfer leaves them nothing.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from cases.models import CaseTransfer, GoalDomain
from cases.services.transfers import decline_transfer
from consent.access_log import note_page_access
from consent.disclosures import accept_case_transfer
from consent.errors import AccessDenied, NotVisible
from consent.offers import TransferOffer, transfer_offers
from consent.policy import Role, Viewer, access_incoming_transfer, visible_transfers
from frontend.access import page_viewer, staff_page
from providers.models import Membership, ServiceType

Status = CaseTransfer.Status


class AdvocateChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class AcceptTransferForm(forms.Form):
    primary_advocate = AdvocateChoice(
        label=_("Primary advocate at your organization"),
        queryset=User.objects.none(),
        empty_label=_("Choose an advocate"),
    )

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["primary_advocate"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True,
            memberships__organization_id=organization_id,
            memberships__role=Membership.Role.ADVOCATE,
            memberships__is_active=True,
        ).order_by("full_name", "email")


class DeclineTransferForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the sending organization"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why your organization cannot take the case over."),
    )


def _receiving(viewer: Viewer) -> frozenset[int]:
    return frozenset(viewer.organizations_with(Role.SUPERVISOR, Role.INTAKE))


def _offer_words(offer: TransferOffer, service_names: dict[str, str]) -> dict[str, Any]:
    domains = dict(GoalDomain.choices)
    return {
        "age_band": offer.age_band,
        "needs": [str(domains.get(need, need)) for need in offer.needs],
        "services": [service_names.get(code, code) for code in offer.services],
        "area": offer.area,
    }


def _offers(transfers: list[CaseTransfer]) -> list[dict[str, Any]]:
    """Each transfer with its offer as words, and nothing else of its case."""
    offers = transfer_offers(t.case_id for t in transfers)
    codes = {code for offer in offers.values() for code in offer.services}
    names = {s.code: s.label for s in ServiceType.objects.filter(code__in=codes)}
    return [
        {"transfer": t, "offer": _offer_words(offers[t.case_id], names)}
        for t in transfers
        if t.case_id in offers
    ]


@require_GET
@staff_page
def incoming_transfers(request: HttpRequest) -> HttpResponse:
    """Transfers waiting for the answer of an organization the viewer takes cases in for."""
    viewer = page_viewer(request)
    if not viewer.staff_organizations:
        raise Http404
    transfers = list(
        visible_transfers(viewer=viewer)
        .filter(to_organization_id__in=_receiving(viewer), status=Status.REQUESTED)
        .select_related("from_organization", "to_organization")
        .order_by("requested_at", "pk")
    )
    # As the API's list does: the offers' cases go into their logs, as reads that released
    # nothing identifying (the receiving organization holds no basis on them yet).
    note_page_access(viewer=viewer, case_ids=[t.case_id for t in transfers])
    context = {"rows": _offers(transfers), "answers": bool(_receiving(viewer))}
    return render(request, "frontend/partner/incoming_transfers.html", context)


def _waiting_transfer(request: HttpRequest, transfer_id: int) -> CaseTransfer:
    """A transfer waiting for the viewer's organization's answer; else 404, as if missing."""
    try:
        transfer = access_incoming_transfer(viewer=page_viewer(request), transfer_id=transfer_id)
    except (NotVisible, AccessDenied) as exc:
        raise Http404 from exc
    if transfer.status != Status.REQUESTED:
        raise Http404
    return transfer


def _detail(
    request: HttpRequest,
    transfer: CaseTransfer,
    accept_form: AcceptTransferForm | None = None,
    decline_form: DeclineTransferForm | None = None,
    status: int = 200,
) -> HttpResponse:
    transfer = CaseTransfer.objects.select_related("from_organization", "to_organization").get(
        pk=transfer.pk
    )
    context = {
        "row": _offers([transfer])[0],
        "accept_form": accept_form
        or AcceptTransferForm(organization_id=transfer.to_organization_id),
        "decline_form": decline_form or DeclineTransferForm(),
    }
    return render(request, "frontend/partner/incoming_transfer.html", context, status=status)


@require_GET
@staff_page
def incoming_transfer(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """The offer of one transfer, with the answers: accept or decline."""
    transfer = _waiting_transfer(request, transfer_id)
    note_page_access(viewer=page_viewer(request), case_ids=[transfer.case_id], action="view")
    return _detail(request, transfer)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_POST
@staff_page
def accept_transfer(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """Take over the case: the organization becomes its lead, the advocate its primary."""
    transfer = _waiting_transfer(request, transfer_id)
    form = AcceptTransferForm(request.POST, organization_id=transfer.to_organization_id)
    if form.is_valid():
        try:
            accepted = accept_case_transfer(
                transfer=transfer, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, gettext("Your organization now leads the case."))
            if page_viewer(request).has_role(accepted.to_organization_id, Role.SUPERVISOR):
                return redirect("frontend:case", case_id=accepted.case_id)
            return redirect("frontend:incoming-transfers")
    return _detail(request, transfer, accept_form=form, status=400)


@require_POST
@staff_page
def decline_transfer_page(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """Say no, with a note: the case stays where it is and the offer is gone."""
    transfer = _waiting_transfer(request, transfer_id)
    form = DeclineTransferForm(request.POST)
    if form.is_valid():
        try:
            decline_transfer(transfer=transfer, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, gettext("The transfer was declined."))
            return redirect("frontend:incoming-transfers")
    return _detail(request, transfer, decline_form=form, status=400)
