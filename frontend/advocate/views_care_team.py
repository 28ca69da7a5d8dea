"""Who works on a case (issue 18): the primary advocate and supervisors add a colleague of the
lead organization as a secondary member, and end anyone's place on the team. Changing the
primary advocate is the supervisor's (frontend/supervisor)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from cases.models import CareTeamMember, Case
from cases.services.care_team import add_care_team_member, end_care_team_membership
from consent.policy import Action
from frontend.access import staff_page
from frontend.advocate.common import access_lead_case, add_service_errors
from providers.models import Membership


class SecondaryMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Colleague"), queryset=User.objects.none(), empty_label=None
    )

    def __init__(self, *args: object, colleagues: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["user"].queryset = colleagues
        self.fields["user"].label_from_instance = lambda user: user.full_name or user.email


def _colleagues(case: Case) -> QuerySet[User]:
    """Active staff of the lead organization not on the team now."""
    on_team = CareTeamMember.objects.filter(case=case, until__isnull=True).values("user_id")
    staff = Membership.objects.filter(
        organization_id=case.lead_organization_id,
        is_active=True,
        role__in=(Membership.Role.ADVOCATE, Membership.Role.SUPERVISOR, Membership.Role.INTAKE),
    ).values("user_id")
    return (
        User.objects.filter(pk__in=staff, is_active=True)
        .exclude(pk__in=on_team)
        .order_by("full_name", "email")
    )


@staff_page
@require_http_methods(["GET", "POST"])
def care_team(request: HttpRequest, case_id: int) -> HttpResponse:
    action = Action.MANAGE_TEAM if request.method == "POST" else Action.VIEW
    case = access_lead_case(request, case_id, action).case
    form = SecondaryMemberForm(request.POST or None, colleagues=_colleagues(case))
    if request.method == "POST" and form.is_valid():
        try:
            add_care_team_member(
                case=case,
                user=form.cleaned_data["user"],
                role=CareTeamMember.Role.SECONDARY,
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("They are on the care team now."))
            return redirect("frontend:care-team", case_id=case.pk)
    context = {
        "case": case,
        "form": form,
        "team": CareTeamMember.objects.filter(case=case, until__isnull=True)
        .select_related("user")
        .order_by("role", "since", "pk"),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/care_team.html", context, status=status)


@staff_page
@require_POST
def care_team_end(request: HttpRequest, case_id: int, member_id: int) -> HttpResponse:
    case = access_lead_case(request, case_id, Action.MANAGE_TEAM).case
    member = CareTeamMember.objects.filter(
        pk=member_id, case=case, until__isnull=True, role=CareTeamMember.Role.SECONDARY
    ).first()
    if member is None:
        raise Http404("No such care-team member.")
    end_care_team_membership(member=member, actor=request.user)
    messages.success(request, gettext("Their place on the care team has ended."))
    return redirect("frontend:care-team", case_id=case.pk)
