"""Reminders I asked for (issue 20): what to be reminded of, where and when, and the exact
message, shown before I turn anything on.

Every kind is off until the young person ticks it. The page says which channel their
safe-contact rule lets a reminder use and in which hours (R28, R29), or that none can be sent
and why; the message shown is the one delivery renders (R30), from the same function.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.categories import DataCategory
from consent.policy import visible_people
from frontend.access import page_viewer, portal_page
from frontend.portal.forms import REMINDER_KINDS, RemindersForm
from tasks.models import Notification
from tasks.young_person_reminders import (
    DAY_STARTS,
    choice_of,
    choose_reminders,
    reminder_preview,
    reminder_route,
)


@portal_page
@require_http_methods(["GET", "POST"])
def reminders(request: HttpRequest) -> HttpResponse:
    """Choose reminders; see where, when and exactly what a reminder would be."""
    viewer = page_viewer(request)
    # Their own record, as the policy shows it to them (the channels and hours are contact data).
    own = visible_people(viewer=viewer, category=DataCategory.CONTACT).select_related("user")
    person = own.filter(pk=viewer.person_id).first()
    if person is None:  # no case of theirs is visible (closed and purged): nothing to set
        raise Http404
    choice = choice_of(person)
    chosen = [kind for kind, _label in REMINDER_KINDS if getattr(choice, kind)]
    bound = request.POST if request.method == "POST" else None
    form = RemindersForm(bound, initial={"kinds": chosen})
    if bound is not None and form.is_valid():
        kinds = set(form.cleaned_data["kinds"])
        choose_reminders(person=person, **{kind: kind in kinds for kind, _label in REMINDER_KINDS})
        if kinds:
            messages.success(request, _("Saved. Reminders are on for what you ticked."))
        else:
            messages.success(request, _("Saved. Reminders are off."))
        return redirect("frontend:portal-reminders")
    route = reminder_route(person)
    context = {
        "form": form,
        "channel": route.channels[0] if route.channels else "",
        "by_email": bool(route.channels) and route.channels[0] == Notification.Channel.EMAIL,
        "safe_hours": route.safe_hours,
        "time_zone": route.time_zone,
        "day_starts": DAY_STARTS,
        "preview": reminder_preview(person),
        "from_email": settings.DEFAULT_FROM_EMAIL,
    }
    status = 400 if bound is not None else 200
    return render(request, "frontend/portal/reminders.html", context, status=status)
