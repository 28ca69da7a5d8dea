"""The young person's portal login, from the case page (R42): give a code, a new one, or end it.

Only the care team may (``Action.MANAGE_PORTAL``); the policy records every look and change.
The code is shown once, on the page that made it, and is never sent anywhere by Harbor.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from cases.services.portal_access import end_portal_access, issue_portal_code, portal_status
from consent.policy import Action
from frontend.access import staff_page
from frontend.advocate.common import access_lead_case
from frontend.advocate.forms import PortalCodeForm


@staff_page
@require_http_methods(["GET", "POST"])
def portal_access(request: HttpRequest, case_id: int) -> HttpResponse:
    """Whether the young person has a login and when they last signed in; give or end it."""
    case = access_lead_case(request, case_id, Action.MANAGE_PORTAL).case
    form = PortalCodeForm(request.POST or None)
    if request.method == "POST" and request.POST.get("end") == "1":
        end_portal_access(person=case.person)
        messages.success(request, gettext("Portal access has ended. Every session is signed out."))
        return redirect("frontend:portal-access", case_id=case.pk)
    if request.method == "POST" and form.is_valid():
        issued = issue_portal_code(person=case.person, actor=request.user)
        context = {
            "case": case,
            "issued": issued,
            "slip_language": form.cleaned_data["language"],
            "activate_url": request.build_absolute_uri(reverse("frontend:portal-activate")),
        }
        return render(request, "frontend/advocate/portal_code.html", context)
    context = {"case": case, "status": portal_status(person=case.person), "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/advocate/portal_access.html", context, status=status)
