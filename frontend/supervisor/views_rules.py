"""An organization's continuity rules on a page (issue 18): its supervisors and admins set how
soon referrals are answered, escalated and expire, how often services need contact, when plans
are reviewed and consents renewed, the grace before a follow-up counts as overdue, the
caseload limit and the organization's time zone."""

from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.versions import StaleVersion, record_version
from consent.policy import can_read_reports
from frontend.access import page_viewer, staff_page
from frontend.advocate.common import add_service_errors
from frontend.versioned import VersionedForm, show_newer
from providers.models import Organization
from tasks.rules import rules_for
from tasks.rules_settings import RULE_FIELDS, set_continuity_rules


def _days(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=3650, help_text=help_text)


class ContinuityRulesForm(VersionedForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Business days and due times are counted in it; staff read dates in it."),
    )
    referral_answer_business_days = _days(_("Business days for a partner to answer a referral"))
    referral_escalation_business_days = _days(
        _("Business days before an unanswered referral goes to a supervisor")
    )
    referral_expiry_business_days = _days(_("Business days before an unanswered referral closes"))
    default_contact_days = _days(
        _("Days between contacts"), _("For services that do not say how often.")
    )
    plan_review_days = _days(_("Days between plan reviews"))
    consent_renewal_days = _days(_("Days before a consent expires to ask for its renewal"))
    overdue_grace_days = _days(_("Days of grace before a follow-up counts as overdue"))
    caseload_limit = forms.IntegerField(
        label=_("Open cases one primary advocate carries at most"), min_value=1, max_value=1000
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(available_timezones())]


@staff_page
@require_http_methods(["GET", "POST"])
def continuity_rules(request: HttpRequest, organization_id: int) -> HttpResponse:
    if not can_read_reports(viewer=page_viewer(request), organization_id=organization_id):
        raise Http404("No such organization.")
    organization = get_object_or_404(Organization, pk=organization_id, is_active=True)
    current = rules_for(organization_id)
    if request.method == "POST":
        form = ContinuityRulesForm(request.POST)
        if form.is_valid():
            try:
                set_continuity_rules(
                    organization_id=organization_id,
                    values=form.cleaned_data,
                    read_version=form.read_version(),
                )
            except StaleVersion as exc:
                show_newer(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The continuity rules are saved."))
                return redirect("frontend:continuity-rules", organization_id=organization_id)
    else:
        # The defaults too carry a version: someone saving the first rules meanwhile changes it.
        initial = {name: getattr(current, name) for name in RULE_FIELDS}
        form = ContinuityRulesForm(initial={**initial, "version": record_version(current)})
    context = {"organization": organization, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/supervisor/continuity_rules.html", context, status=status)
