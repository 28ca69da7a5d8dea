"""Reminders a young person asked for (issue 20): what is waiting for them, and one neutral
message a day while something is.

Off until the young person turns a kind on in the portal (``ReminderChoice``). Then, once a
day in their own time zone and not before ``DAY_STARTS`` there, anything waiting of a kind they
chose queues one message through ``notify_young_person``: only on a channel their safe-contact
rule allows (R28), not before their next safe window (R29), and suppressed, never sent, when no
channel is safe. The words are the neutral line of tasks/messages.py whatever is waiting (R30);
``reminder_preview`` is that same message, for the portal to show before they turn it on.
Delivery (tasks/delivery.py) decides the channel and the hours again when it sends.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from cases.models import Case, Person, PlannedService, PlanVersion, SafeContactRule
from consent.models import Consent, SignerRole
from tasks.messages import Message, render
from tasks.models import FollowUp, Notification, ReminderChoice
from tasks.outbox import notification_key
from tasks.rules import contact_clock
from tasks.safe_windows import allowed_message_channels, notify_young_person, zone_of

Reason = Notification.Reason
Channel = Notification.Channel
Status = Notification.Status
# No reminder is queued before this local hour: a day's reminder never goes out at midnight
# for someone whose rule sets no safe hours.
DAY_STARTS = time(9, 0)
WINDOW_PREFIX = "reminder:"


@dataclass
class ReminderReport:
    """What one run of the reminders did, as counts (the Celery result; no ids, no names)."""

    queued: int = 0
    held: int = 0
    suppressed: int = 0
    already_today: int = 0
    nothing_waiting: int = 0
    too_early: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "queued": self.queued,
            "held": self.held,
            "suppressed": self.suppressed,
            "already_today": self.already_today,
            "nothing_waiting": self.nothing_waiting,
            "too_early": self.too_early,
        }


def choice_of(person: Person) -> ReminderChoice:
    """The young person's choice; an unsaved one with everything off when they never chose."""
    return ReminderChoice.objects.filter(person_id=person.pk).first() or ReminderChoice(
        person=person
    )


@transaction.atomic
def choose_reminders(
    *, person: Person, consents_to_sign: bool, plans_to_approve: bool, service_contacts: bool
) -> ReminderChoice:
    """Save what the young person wants to be reminded of (all False turns reminders off)."""
    choice, _ = ReminderChoice.objects.select_for_update().get_or_create(person=person)
    choice.consents_to_sign = consents_to_sign
    choice.plans_to_approve = plans_to_approve
    choice.service_contacts = service_contacts
    choice.save()
    return choice


def _open_cases(person: Person) -> Q:
    return Q(person_id=person.pk) & ~Q(status=Case.Status.CLOSED)


def consents_to_sign(*, person: Person, now: datetime) -> int:
    """Consents waiting for the young person's own signature, which they have not said no to
    and which have not ended."""
    declined = FollowUp.objects.filter(
        kind=FollowUp.Kind.CONSENT_DECLINED, about_consent_id=OuterRef("pk")
    )
    return (
        Consent.objects.filter(
            subject_id=person.pk,
            status=Consent.Status.PENDING_SIGNATURE,
            expires_at__gt=now,
            case__in=Case.objects.filter(_open_cases(person)),
        )
        .exclude(signatures__signer_role=SignerRole.YOUNG_PERSON)
        .exclude(Exists(declined))
        .count()
    )


def plans_to_approve(*, person: Person) -> int:
    """Plan versions waiting for the young person's approval, on their open cases."""
    return PlanVersion.objects.filter(
        status=PlanVersion.Status.AWAITING_APPROVAL,
        plan__case__in=Case.objects.filter(_open_cases(person)),
    ).count()


def service_contacts_due(*, person: Person, now: datetime) -> int:
    """Active services of the young person's open cases whose next contact is due by the end of
    tomorrow in their time zone (the contact clock of tasks/rules.py plus the service's period)."""
    zone = zone_of(person)
    tomorrow_ends = datetime.combine(
        now.astimezone(zone).date() + timedelta(days=2), time.min, tzinfo=zone
    )
    services = PlannedService.objects.filter(
        status=PlannedService.Status.ACTIVE,
        goal__plan__case__in=Case.objects.filter(_open_cases(person)),
    )
    return sum(
        1
        for service in services
        if contact_clock(service, time_zone=str(zone))
        + timedelta(days=service.expected_contact_days)
        < tomorrow_ends
    )


def waiting_for(*, choice: ReminderChoice, now: datetime) -> int:
    """How many things of the kinds the young person chose are waiting for them now."""
    person = choice.person
    count = 0
    if choice.consents_to_sign:
        count += consents_to_sign(person=person, now=now)
    if choice.plans_to_approve:
        count += plans_to_approve(person=person)
    if choice.service_contacts:
        count += service_contacts_due(person=person, now=now)
    return count


def _window(local_day: str) -> str:
    return f"{WINDOW_PREFIX}{local_day}"


def _reminded(person: Person, window: str) -> bool:
    """A reminder was queued in this window already, on whatever channel the rule then allowed
    (its inbox row is written every time, so it marks the window)."""
    key = notification_key(
        recipient=person.user,
        reason=Reason.PORTAL_NOTICE,
        channel=Channel.IN_APP,
        window=window,
        follow_up=None,
    )
    return Notification.objects.filter(key=key).exists()


def remind_young_people(*, now: datetime | None = None) -> ReminderReport:
    """Queue today's reminder for each young person who chose some and has something waiting.

    Idempotent per person and local day, so beat may run it often and a repeated, late or
    concurrent run does no harm (the outbox key is unique).
    """
    now = now or timezone.now()
    report = ReminderReport()
    choices = ReminderChoice.objects.filter(
        Q(consents_to_sign=True) | Q(plans_to_approve=True) | Q(service_contacts=True),
        person__user__isnull=False,
        person__user__is_active=True,
    ).select_related("person__user")
    for choice in choices:
        _remind_one(choice, now=now, report=report)
    return report


def _remind_one(choice: ReminderChoice, *, now: datetime, report: ReminderReport) -> None:
    person = choice.person
    local = now.astimezone(zone_of(person))
    if local.time() < DAY_STARTS:
        report.too_early += 1
        return
    window = _window(local.date().isoformat())
    if _reminded(person, window):
        report.already_today += 1
        return
    count = waiting_for(choice=choice, now=now)
    if not count:
        report.nothing_waiting += 1
        return
    rows = notify_young_person(
        person=person, reason=Reason.PORTAL_NOTICE, window=window, item_count=count, now=now
    )
    outbound = next(row for row in rows if row.channel != Channel.IN_APP)
    if outbound.status == Status.SUPPRESSED:
        report.suppressed += 1
    elif outbound.status == Status.HELD:
        report.held += 1
    else:
        report.queued += 1


@dataclass(frozen=True)
class ReminderRoute:
    """What the portal tells the young person about where and when reminders would go."""

    channels: list[str]
    safe_hours: tuple[time, time] | None
    time_zone: str


def reminder_route(person: Person) -> ReminderRoute:
    """The channels their rule allows (in the order Harbor tries them; the first is used), and
    their safe hours in their time zone. No channels: nothing is ever sent."""
    rule = SafeContactRule.objects.filter(person_id=person.pk).first()
    hours = None
    if rule is not None and rule.safe_hours_start is not None:
        hours = (rule.safe_hours_start, rule.safe_hours_end)
    return ReminderRoute(
        channels=allowed_message_channels(rule), safe_hours=hours, time_zone=str(zone_of(person))
    )


def reminder_preview(person: Person) -> Message:
    """Exactly the message a reminder carries, in the language delivery renders it in."""
    language = (person.user.preferred_language if person.user else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        return render(reason=Reason.PORTAL_NOTICE, item_count=1, to_young_person=True)
