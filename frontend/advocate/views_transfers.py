"""Transferring a case's lead to another organization on a page (R41): the care team or a
supervisor asks, under the young person's consent naming that organization for transferring
their services; the request can be withdrawn until the receiving organization answers."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.errors import TransitionNotAllowed
from cases.models import Case, CaseTransfer
from cases.services.transfers import cancel_transfer
from consent.disclosures import request_case_transfer, transfer_consent
from consent.errors import AccessDenied, NotVisible
from consent.models import ConsentPurpose
from consent.policy import Action, access_outgoing_transfer
from frontend.access import page_viewer, staff_page
from frontend.advocate.common import access_lead_case, add_service_errors
from providers.models import Organization


def receiving_organizations(case: Case) -> QuerySet[Organization]:
    """Where the case may go: active organizations that lead cases, other than its lead."""
    return (
        Organization.objects.filter(is_active=True, leads_cases=True)
        .exclude(pk=case.lead_organization_id)
        .order_by("name")
    )


class TransferRequestForm(forms.Form):
    to_organization = forms.ModelChoiceField(
        label=_("Receiving organization"),
        queryset=Organization.objects.none(),
        empty_label=_("Choose an organization"),
        help_text=_(
            "It needs the young person's consent naming it for transferring their services."
        ),
    )
    reason = forms.CharField(
        label=_("Why the case moves"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the lead organization reads it. No details of the young person's story."),
    )

    def __init__(self, *args: object, case: Case, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_organization"].queryset = receiving_organizations(case)  # type: ignore[attr-defined]


def _consent_link(case: Case, organization: Organization | None) -> str:
    """The consent request page, with the organization and purpose chosen when known."""
    query = {"purpose": ConsentPurpose.TRANSFER}
    if organization is not None:
        query["recipient"] = str(organization.pk)
    url = reverse("frontend:consent-request", kwargs={"case_id": case.pk})
    return f"{url}?{urlencode(query)}"


def _page(
    request: HttpRequest,
    case: Case,
    form: TransferRequestForm,
    chosen: Organization | None = None,
    status: int = 200,
) -> HttpResponse:
    transfers = CaseTransfer.objects.filter(case=case).select_related("to_organization")
    pending = transfers.filter(status=CaseTransfer.Status.REQUESTED).first()
    needs_consent = chosen is not None and (
        transfer_consent(case=case, organization_id=chosen.pk) is None
    )
    context = {
        "case": case,
        "form": form,
        "pending": pending,
        "past": transfers.exclude(status=CaseTransfer.Status.REQUESTED).order_by("-requested_at"),
        "consent_link": _consent_link(case, chosen if needs_consent else None),
        "needs_consent": needs_consent,
    }
    return render(request, "frontend/advocate/case_transfer.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def case_transfer(request: HttpRequest, case_id: int) -> HttpResponse:
    """Ask another organization to lead the case, or see the request waiting for its answer."""
    case = access_lead_case(request, case_id, Action.TRANSFER).case
    form = TransferRequestForm(request.POST or None, case=case)
    if request.method == "POST":
        chosen = None
        if form.is_valid():
            chosen = form.cleaned_data["to_organization"]
            try:
                request_case_transfer(case=case, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "The transfer was requested. The organization sees only a "
                        "non-identifying offer until it accepts."
                    ),
                )
                return redirect("frontend:case-transfer", case_id=case.pk)
        return _page(request, case, form, chosen=chosen, status=400)
    return _page(request, case, form)


@staff_page
@require_POST
def case_transfer_cancel(request: HttpRequest, case_id: int, transfer_id: int) -> HttpResponse:
    """Withdraw a request before the receiving organization answers; it is left nothing."""
    try:
        transfer = access_outgoing_transfer(viewer=page_viewer(request), transfer_id=transfer_id)
    except (NotVisible, AccessDenied) as exc:
        raise Http404 from exc
    if transfer.case_id != case_id:
        raise Http404
    access_lead_case(request, case_id, Action.TRANSFER)
    try:
        cancel_transfer(transfer=transfer, actor=request.user)
    except (TransitionNotAllowed, ValidationError):
        messages.error(request, gettext("The transfer was already answered; nothing was changed."))
    else:
        messages.success(request, gettext("The transfer request was withdrawn."))
    return redirect("frontend:case-transfer", case_id=case_id)
