"""The advocate's pages: caseload, intake, the case page, contacts, notes, safe-contact rules and
the follow-up inbox, over the same policy and services as the API."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.categories import DATA_CATEGORIES
from cases.models import (
    Case,
    CaseNote,
    Contact,
    Person,
    PlannedService,
    SafeContactRule,
    ServicePlan,
)
from consent.models import AccessEvent
from tasks.follow_ups import create_follow_up_by_hand
from tasks.models import FollowUp
from tests import factories as f
from tests.access_events import cases_named
from tests.conftest import World
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _case_url(world: World, name: str = "case") -> str:
    return reverse(f"frontend:{name}", kwargs={"case_id": world.case.pk})


def _follow_up(world: World, *, overdue: bool = False, assignee: User | None = None) -> FollowUp:
    follow_up = create_follow_up_by_hand(
        case=world.case,
        organization=world.lead,
        actor=world.advocate,
        assignee=assignee or world.advocate,
        due_at=timezone.now() + timedelta(days=2),
        description="Call back about housing",
    )
    if overdue:
        FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(days=1))
    return follow_up


def _allow(world: World, *channels: str, confirmed: bool = True) -> SafeContactRule:
    rule = world.case.person.safe_contact
    rule.allowed_channels = list(channels)
    rule.confirmed_at = timezone.now() if confirmed else timezone.now() - timedelta(days=400)
    rule.save()
    return rule


def _my_case(world: World, alias: str, **kwargs: object) -> Case:
    case = f.CaseFactory(
        lead_organization=world.lead, person=f.PersonFactory(alias=alias), **kwargs
    )
    f.CareTeamMemberFactory(case=case, user=world.advocate)
    return case


def _main(body: str) -> str:
    return body.split('<main id="main" tabindex="-1">', 1)[1]


# --- caseload ------------------------------------------------------------------------------


def test_caseload_lists_the_advocates_cases_with_a_link_to_each(world: World) -> None:
    response = _client(world.advocate).get(reverse("frontend:caseload"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.case.person.alias in body
    assert _case_url(world) in body
    assert reverse("frontend:case-open") in body


def test_caseload_of_a_colleague_off_the_care_team_does_not_show_the_case(world: World) -> None:
    response = _client(world.other_advocate).get(reverse("frontend:caseload"))
    assert response.status_code == 200
    assert world.case.person.alias not in response.content.decode()


def test_caseload_search_finds_a_case_by_alias_and_leaves_out_the_others(world: World) -> None:
    _my_case(world, "Quillon")
    response = _client(world.advocate).get(reverse("frontend:caseload"), {"q": "quill"})
    body = response.content.decode()
    assert "Quillon" in body
    assert world.case.person.alias not in body


def test_caseload_search_finds_by_legal_name_too(world: World) -> None:
    person = world.case.person
    person.legal_name = "Ottoline Brightwater"
    person.save()
    response = _client(world.advocate).get(reverse("frontend:caseload"), {"q": "brightwater"})
    assert person.alias in response.content.decode()


def test_caseload_search_never_reaches_a_case_outside_the_policy(world: World) -> None:
    hidden = f.CaseFactory(lead_organization=world.lead, person=f.PersonFactory(alias="Hiddenna"))
    response = _client(world.advocate).get(reverse("frontend:caseload"), {"q": "Hiddenna"})
    body = response.content.decode()
    assert "No cases match." in body
    assert reverse("frontend:case", kwargs={"case_id": hidden.pk}) not in body


def test_consent_holder_searching_by_alias_finds_nothing_on_the_lead_caseload(
    world: World,
) -> None:
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    response = _client(world.partner_staff).get(
        reverse("frontend:caseload"), {"q": world.case.person.alias}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "No cases match." in body
    assert _case_url(world) not in body


def test_caseload_filters_by_status(world: World) -> None:
    _my_case(world, "Closedia", closed=True)
    client = _client(world.advocate)
    closed = client.get(reverse("frontend:caseload"), {"status": "closed"}).content.decode()
    opened = client.get(reverse("frontend:caseload"), {"status": "open"}).content.decode()
    assert "Closedia" in closed and world.case.person.alias not in closed
    assert "Closedia" not in opened and world.case.person.alias in opened


def test_caseload_with_an_unknown_status_is_400_with_the_field_message(world: World) -> None:
    response = _client(world.advocate).get(reverse("frontend:caseload"), {"status": "lost"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_caseload_shows_overdue_follow_ups_and_lapsed_services_in_words(world: World) -> None:
    _follow_up(world, overdue=True)
    plan = ServicePlan.objects.get(case=world.case)
    f.PlannedServiceFactory(goal=f.GoalFactory(plan=plan), status=PlannedService.Status.LAPSED)
    body = _client(world.advocate).get(reverse("frontend:caseload")).content.decode()
    assert "Follow-up overdue" in body
    assert "Service lapsed" in body


def test_caseload_shows_the_next_follow_up_due(world: World) -> None:
    follow_up = _follow_up(world)
    body = _client(world.advocate).get(reverse("frontend:caseload")).content.decode()
    assert f'datetime="{timezone.localtime(follow_up.due_at).isoformat()}' in body
    assert "Follow-up overdue" not in body


def test_caseload_records_a_list_access_event_naming_each_case_shown(world: World) -> None:
    other = _my_case(world, "Listeda")
    _client(world.advocate).get(reverse("frontend:caseload"))
    listed = cases_named(AccessEvent.objects.filter(user=world.advocate, action="list"))
    assert listed == {world.case.pk, other.pk}


def test_caseload_shows_fifty_cases_a_page(world: World) -> None:
    for n in range(50):
        _my_case(world, f"Paged{n}")
    client = _client(world.advocate)
    first = client.get(reverse("frontend:caseload")).content.decode()
    second = client.get(reverse("frontend:caseload"), {"page": 2}).content.decode()
    assert first.count('data-label="Young person"') == 50
    assert second.count('data-label="Young person"') == 1
    assert "Page 2 of 2" in second


def test_caseload_costs_the_same_queries_for_two_cases_and_for_twelve(
    world: World, constant_queries: object
) -> None:
    client = _client(world.advocate)
    _my_case(world, "Sizeone")
    for n, size in enumerate((2, 12)):
        while Case.objects.filter(care_team__user=world.advocate).count() < size:
            case = _my_case(world, f"Size{n}x{Case.objects.count()}")
            _follow_up(world, overdue=True)
            f.FlagFactory(case=case)
        with constant_queries(15):
            assert client.get(reverse("frontend:caseload")).status_code == 200


def test_an_organization_admin_has_no_caseload(world: World) -> None:
    assert _client(world.org_admin).get(reverse("frontend:caseload")).status_code == 404


# --- opening a case (R34) ------------------------------------------------------------------


def _open(client: Client, world: World, **data: object) -> object:
    return client.post(
        reverse("frontend:case-open"),
        {"lead_organization": world.lead.pk, "birth_date_precision": "unknown", **data},
    )


def test_r34_a_case_opens_with_an_alias_alone(world: World) -> None:
    response = _open(_client(world.advocate), world, alias="Wren")
    person = Person.objects.get(alias="Wren")
    case = Case.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:case", kwargs={"case_id": case.pk})
    assert person.legal_name == "" and person.birth_date is None
    assert case.care_team.get().user == world.advocate


def test_r34_a_birth_year_stands_in_for_the_date_of_birth(world: World) -> None:
    _open(
        _client(world.advocate), world, alias="Yara", birth_date_precision="year", birth_year=2008
    )
    person = Person.objects.get(alias="Yara")
    assert (person.birth_date_precision, person.birth_year, person.birth_date) == (
        "year",
        2008,
        None,
    )


def test_r34_an_age_range_stands_in_for_the_date_of_birth(world: World) -> None:
    _open(
        _client(world.advocate),
        world,
        alias="Ines",
        birth_date_precision="age_range",
        age_range_min=16,
        age_range_max=18,
    )
    person = Person.objects.get(alias="Ines")
    assert (person.age_range_min, person.age_range_max) == (16, 18)


def test_r34_each_identifying_field_accepts_prefers_not_to_answer(world: World) -> None:
    declined = list(Person.DECLINABLE_FIELDS)
    response = _open(_client(world.advocate), world, alias="Moss", declined_fields=declined)
    assert response.status_code == 302
    person = Person.objects.get(alias="Moss")
    assert sorted(person.declined_fields) == sorted(declined)
    assert person.birth_date_precision == "unknown"


def test_r34_the_intake_form_offers_prefers_not_to_answer_for_every_identifying_field(
    world: World,
) -> None:
    body = _client(world.intake).get(reverse("frontend:case-open")).content.decode()
    assert "Prefers not to answer" in body
    for name in Person.DECLINABLE_FIELDS:
        assert f'value="{name}"' in body


def test_r34_a_declined_field_with_an_answer_is_400_and_opens_nothing(world: World) -> None:
    before = Case.objects.count()
    response = _open(
        _client(world.advocate), world, alias="Fen", gender="x", declined_fields=["gender"]
    )
    assert response.status_code == 400
    assert "prefers not to answer" in response.content.decode()
    assert Case.objects.count() == before
    assert not Person.objects.filter(alias="Fen").exists()


def test_r34_a_birth_year_precision_without_a_year_is_400_and_opens_nothing(
    world: World,
) -> None:
    before = Person.objects.count()
    response = _open(_client(world.advocate), world, alias="Ash", birth_date_precision="year")
    assert response.status_code == 400
    assert "Required when the date of birth" in response.content.decode()
    assert Person.objects.count() == before


def test_opening_a_case_without_any_name_is_400_with_the_message(world: World) -> None:
    before = Case.objects.count()
    response = _open(_client(world.advocate), world)
    assert response.status_code == 400
    assert "Give a name or an alias" in response.content.decode()
    assert Case.objects.count() == before


def test_a_case_cannot_be_opened_for_an_organization_the_opener_does_not_staff(
    world: World,
) -> None:
    before = Case.objects.count()
    response = _client(world.advocate).post(
        reverse("frontend:case-open"),
        {
            "lead_organization": world.partner.pk,
            "alias": "Stray",
            "birth_date_precision": "unknown",
        },
    )
    assert response.status_code == 400
    assert Case.objects.count() == before


def test_an_intake_worker_opens_a_case_and_joins_its_care_team(world: World) -> None:
    _open(_client(world.intake), world, alias="Kit")
    case = Case.objects.get(person__alias="Kit")
    assert list(case.care_team.values_list("user_id", flat=True)) == [world.intake.pk]


# --- the case page -------------------------------------------------------------------------


def test_case_page_shows_the_safe_contact_banner_before_anything_else_in_main(
    world: World,
) -> None:
    _allow(world, "sms", "call")
    rule = world.case.person.safe_contact
    rule.voicemail_ok, rule.code_word = True, "blue heron"
    rule.save()
    response = _client(world.advocate).get(_case_url(world))
    assert response.status_code == 200
    main = _main(response.content.decode()).lstrip()
    assert main.startswith('<section class="safe-contact"')
    banner = main.split("</section>", 1)[0]
    assert "Text message" in banner and "Phone call" in banner
    assert "Voicemail is OK" in banner and "blue heron" in banner


def test_case_page_shows_messages_after_the_safe_contact_banner(world: World) -> None:
    client = _client(world.advocate)
    client.post(
        _case_url(world, "note-new"), {"body": "Met at the library.", "category": "general"}
    )
    main = _main(client.get(_case_url(world)).content.decode())
    assert main.index('class="safe-contact"') < main.index("The note is saved.")


def test_case_page_says_no_channel_is_confirmed_when_none_is(world: World) -> None:
    body = _client(world.advocate).get(_case_url(world)).content.decode()
    assert "No channel confirmed" in body


def test_r31_case_page_asks_to_reconfirm_stale_safe_contact_preferences(world: World) -> None:
    _allow(world, "sms", confirmed=False)
    body = _client(world.advocate).get(_case_url(world)).content.decode()
    assert "Re-confirm before any contact" in body
    assert _case_url(world, "safe-contact") in body


def test_case_page_shows_plan_referrals_contacts_notes_and_follow_ups(world: World) -> None:
    plan = ServicePlan.objects.get(case=world.case)
    goal = f.GoalFactory(plan=plan, description="Finish my GED")
    f.PlannedServiceFactory(goal=goal, provider=world.partner)
    f.ReferralFactory(case=world.case, to_organization=world.partner, sent=True)
    f.ContactFactory(case=world.case, staff=world.advocate, summary="Talked about school")
    f.CaseNoteFactory(
        case=world.case, author=world.advocate, body="Private remark", staff_only=True
    )
    _follow_up(world, overdue=True)
    body = _client(world.advocate).get(_case_url(world)).content.decode()
    for text in (
        "Finish my GED",
        world.partner.name,
        "Sent",
        "Talked about school",
        "Private remark",
        "Staff only",
        "Call back about housing",
        "Overdue",
    ):
        assert text in body, text
    for name in ("plan-editor", "referral-new", "consent-request", "contact-new", "note-new"):
        assert _case_url(world, name) in body, name


def test_case_page_opens_with_contents_that_jump_to_each_section_safety_first(
    world: World,
) -> None:
    body = _client(world.advocate).get(_case_url(world)).content.decode()
    contents = body[body.index('<nav class="contents"') :]
    contents = contents[: contents.index("</nav>")]
    anchors = re.findall(r'href="#([a-z-]+)"', contents)

    assert anchors[0] == "safe-contact-title"
    assert anchors[1:] == [
        "family",
        "plan",
        "referrals",
        "contacts",
        "notes",
        "system-involvement",
        "documents",
        "check-ins",
        "follow-ups",
        "access",
    ]
    for anchor in anchors:
        assert f'id="{anchor}"' in body, anchor
    assert body.index('id="safe-contact-title"') < body.index('<nav class="contents"')


def test_case_page_pages_long_lists_of_contacts(world: World) -> None:
    start = timezone.now() - timedelta(days=30)
    for day in range(12):
        f.ContactFactory(
            case=world.case,
            staff=world.advocate,
            occurred_at=start + timedelta(days=day),
            summary=f"Check-in number {day:02d}",
        )
    client = _client(world.advocate)

    first = client.get(_case_url(world)).content.decode()
    older = client.get(_case_url(world) + "?contacts=2").content.decode()

    assert "Check-in number 11" in first and "Check-in number 01" not in first
    assert 'href="?contacts=2#contacts"' in first
    assert "Check-in number 01" in older and "Check-in number 11" not in older


def test_case_page_explains_who_has_access_and_why(world: World) -> None:
    consent = grant_consent(world.case, world.partner, ["identity", "plan"], by=world.advocate)
    body = _client(world.advocate).get(_case_url(world)).content.decode()
    section = body.split("Who has access and why", 1)[1]
    assert world.advocate.full_name in section and "Primary advocate" in section
    assert world.supervisor.full_name in section
    assert world.partner.name in section and "Identity, Service plan" in section
    assert consent.get_purpose_display() in section


def test_case_page_is_404_for_a_consent_holder_and_logs_the_refusal(world: World) -> None:
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    response = _client(world.partner_staff).get(_case_url(world))
    assert response.status_code == 404
    assert world.case.person.alias not in response.content.decode()
    events = AccessEvent.objects.filter(user=world.partner_staff, case=world.case)
    assert list(events.values_list("outcome", flat=True)) == ["denied"]


@pytest.mark.parametrize("persona", ["other_advocate", "intake", "young_person", "org_admin"])
def test_case_page_is_404_without_a_lead_staff_basis(world: World, persona: str) -> None:
    response = _client(getattr(world, persona)).get(_case_url(world))
    assert response.status_code == 404
    assert world.case.person.alias not in response.content.decode()


def test_case_page_records_the_read_with_its_basis(world: World) -> None:
    _client(world.supervisor).get(_case_url(world))
    event = AccessEvent.objects.get(user=world.supervisor, case=world.case, action="view")
    assert (event.outcome, event.basis) == ("allowed", "supervisor")


def test_case_page_title_names_no_one(world: World) -> None:
    body = _client(world.advocate).get(_case_url(world)).content.decode()
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert world.case.person.alias not in title


# --- contacts (R28, R31) -------------------------------------------------------------------


def _contact(client: Client, world: World, **data: object) -> object:
    values = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "contact_with": "young_person",
        "channel": "sms",
        "outcome": "reached",
        "summary": "Checked in",
        **data,
    }
    return client.post(_case_url(world, "contact-new"), values)


def test_a_contact_through_an_allowed_channel_is_logged(world: World) -> None:
    _allow(world, "sms")
    response = _contact(_client(world.advocate), world)
    assert response.status_code == 302
    contact = Contact.objects.get(case=world.case)
    assert contact.summary == "Checked in"
    assert (contact.channel, contact.staff) == ("sms", world.advocate)


def test_r28_a_channel_the_safe_contact_rules_do_not_allow_is_refused(world: World) -> None:
    _allow(world, "email")
    response = _contact(_client(world.advocate), world, channel="call")
    assert response.status_code == 400
    assert "do not allow this channel" in response.content.decode()
    assert not Contact.objects.filter(case=world.case).exists()


def test_r28_with_no_channel_allowed_no_contact_with_the_young_person_is_logged(
    world: World,
) -> None:
    for channel in Contact.Channel.values:
        response = _contact(_client(world.advocate), world, channel=channel)
        assert response.status_code == 400, channel
    assert not Contact.objects.filter(case=world.case).exists()


def test_r28_a_contact_with_a_family_member_is_not_held_to_the_young_persons_channels(
    world: World,
) -> None:
    response = _contact(_client(world.advocate), world, contact_with="family", channel="call")
    assert response.status_code == 302


def test_r31_stale_preferences_must_be_reconfirmed_before_logging_a_contact(
    world: World,
) -> None:
    rule = _allow(world, "sms", confirmed=False)
    client = _client(world.advocate)
    assert "Re-confirm" in client.get(_case_url(world, "contact-new")).content.decode()
    response = _contact(client, world)
    assert response.status_code == 400
    assert "Re-confirm the young person&#x27;s safe-contact preferences" in (
        response.content.decode()
    )
    assert not Contact.objects.filter(case=world.case).exists()
    rule.refresh_from_db()
    assert rule.confirmed_at < timezone.now() - timedelta(days=300)


def test_r31_reconfirming_in_the_contact_form_confirms_the_rules_and_logs_the_contact(
    world: World,
) -> None:
    rule = _allow(world, "sms", confirmed=False)
    response = _contact(_client(world.advocate), world, reconfirm="on")
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.confirmed_at > timezone.now() - timedelta(minutes=1)
    assert rule.confirmed_by == world.advocate
    assert Contact.objects.filter(case=world.case).count() == 1


def test_r31_a_refused_contact_does_not_reconfirm_the_rules(world: World) -> None:
    rule = _allow(world, "sms", confirmed=False)
    response = _contact(_client(world.advocate), world, reconfirm="on", channel="call")
    assert response.status_code == 400
    rule.refresh_from_db()
    assert rule.confirmed_at < timezone.now() - timedelta(days=300)


def test_a_contact_logged_in_the_future_is_400_and_writes_nothing(world: World) -> None:
    _allow(world, "sms")
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = _contact(_client(world.advocate), world, occurred_at=later)
    assert response.status_code == 400
    assert "cannot be logged before it happened" in response.content.decode()
    assert not Contact.objects.filter(case=world.case).exists()


def test_logging_a_contact_is_404_for_a_colleague_off_the_care_team(world: World) -> None:
    _allow(world, "sms")
    assert _contact(_client(world.other_advocate), world).status_code == 404
    assert not Contact.objects.exists()


def test_logging_a_contact_records_a_write_in_the_access_log(world: World) -> None:
    _allow(world, "sms")
    _contact(_client(world.advocate), world)
    assert AccessEvent.objects.filter(
        user=world.advocate, case=world.case, action="edit", outcome="allowed"
    ).exists()


# --- notes and safe-contact rules ----------------------------------------------------------


def test_a_staff_only_note_is_added(world: World) -> None:
    response = _client(world.advocate).post(
        _case_url(world, "note-new"),
        {"body": "Mentioned a new address", "category": "safety", "staff_only": "on"},
    )
    assert response.status_code == 302
    note = CaseNote.objects.get(case=world.case)
    assert (note.body, note.category, note.staff_only) == (
        "Mentioned a new address",
        "safety",
        True,
    )


def test_an_empty_note_is_400_and_writes_nothing(world: World) -> None:
    response = _client(world.advocate).post(
        _case_url(world, "note-new"), {"body": "   ", "category": "general"}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not CaseNote.objects.exists()


def _rules(client: Client, world: World, **data: object) -> object:
    values = {
        "allowed_channels": ["sms"],
        "phone": "+1 555 0100",
        "confirmed_with_young_person": "on",
    }
    return client.post(_case_url(world, "safe-contact"), {**values, **data})


def test_r31_saving_the_safe_contact_rules_records_them_and_confirms_them(world: World) -> None:
    _allow(world, confirmed=False)
    response = _rules(_client(world.advocate), world, code_word="heron")
    assert response.status_code == 302
    rule = SafeContactRule.objects.get(person=world.case.person)
    assert (rule.allowed_channels, rule.phone, rule.code_word) == (["sms"], "+1 555 0100", "heron")
    assert rule.confirmed_at > timezone.now() - timedelta(minutes=1)


def test_safe_contact_voicemail_without_calls_is_400_and_changes_nothing(world: World) -> None:
    _allow(world, "email")
    response = _rules(_client(world.advocate), world, voicemail_ok="on")
    assert response.status_code == 400
    assert "Voicemail needs phone calls" in response.content.decode()
    assert SafeContactRule.objects.get(person=world.case.person).allowed_channels == ["email"]


def test_safe_contact_rules_need_the_young_persons_confirmation(world: World) -> None:
    response = _rules(_client(world.advocate), world, confirmed_with_young_person="")
    assert response.status_code == 400
    assert SafeContactRule.objects.get(person=world.case.person).allowed_channels == []


def test_safe_contact_rules_are_404_for_a_consent_holder(world: World) -> None:
    grant_consent(world.case, world.partner, list(DATA_CATEGORIES), by=world.advocate)
    assert _rules(_client(world.partner_staff), world).status_code == 404
    assert SafeContactRule.objects.get(person=world.case.person).allowed_channels == []


# --- follow-ups ----------------------------------------------------------------------------


def test_inbox_lists_my_open_follow_ups_with_due_date_overdue_badge_and_case_link(
    world: World,
) -> None:
    _follow_up(world, overdue=True)
    body = _client(world.advocate).get(reverse("frontend:follow-ups")).content.decode()
    assert "Call back about housing" in body
    assert "Overdue" in body
    assert _case_url(world) in body


def test_inbox_shows_the_organizations_queue_on_request(world: World) -> None:
    _follow_up(world, assignee=world.supervisor)
    client = _client(world.advocate)
    mine = client.get(reverse("frontend:follow-ups")).content.decode()
    queue = client.get(reverse("frontend:follow-ups"), {"show": "queue"}).content.decode()
    assert "Call back about housing" not in mine
    assert "Call back about housing" in queue


def test_inbox_records_a_list_access_event_for_the_cases_shown(world: World) -> None:
    _follow_up(world)
    _client(world.advocate).get(reverse("frontend:follow-ups"))
    assert AccessEvent.objects.filter(user=world.advocate, case=world.case, action="list").exists()


def test_inbox_costs_the_same_queries_for_two_follow_ups_and_for_twelve(
    world: World, constant_queries: object
) -> None:
    client = _client(world.advocate)
    for size in (2, 12):
        while FollowUp.objects.count() < size:
            case = _my_case(world, f"Queue{FollowUp.objects.count()}")
            create_follow_up_by_hand(
                case=case,
                organization=world.lead,
                actor=world.advocate,
                assignee=world.advocate,
                due_at=timezone.now() + timedelta(days=1),
                description="Check in",
            )
        with constant_queries(12):
            assert client.get(reverse("frontend:follow-ups")).status_code == 200


def test_completing_a_follow_up_records_the_note(world: World) -> None:
    follow_up = _follow_up(world)
    url = reverse("frontend:follow-up-complete", kwargs={"follow_up_id": follow_up.pk})
    response = _client(world.advocate).post(url, {"note": "Called, all good"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.completion_note) == ("done", "Called, all good")
    assert follow_up.completed_by == world.advocate


def test_cancelling_a_follow_up_without_a_reason_is_400_and_leaves_it_open(world: World) -> None:
    follow_up = _follow_up(world)
    url = reverse("frontend:follow-up-cancel", kwargs={"follow_up_id": follow_up.pk})
    response = _client(world.advocate).post(url, {"note": ""})
    assert response.status_code == 400
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_cancelling_a_follow_up_with_a_reason_closes_it(world: World) -> None:
    follow_up = _follow_up(world)
    url = reverse("frontend:follow-up-cancel", kwargs={"follow_up_id": follow_up.pk})
    _client(world.advocate).post(url, {"note": "The young person moved away"})
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.completion_note) == (
        "cancelled",
        "The young person moved away",
    )


def test_completing_a_follow_up_twice_is_400(world: World) -> None:
    follow_up = _follow_up(world)
    url = reverse("frontend:follow-up-complete", kwargs={"follow_up_id": follow_up.pk})
    client = _client(world.advocate)
    client.post(url, {"note": "done"})
    response = client.post(url, {"note": "again"})
    assert response.status_code == 400
    follow_up.refresh_from_db()
    assert follow_up.completion_note == "done"


def test_a_follow_up_of_a_case_without_a_basis_is_404(world: World) -> None:
    follow_up = _follow_up(world)
    url = reverse("frontend:follow-up-complete", kwargs={"follow_up_id": follow_up.pk})
    client = _client(world.other_advocate)
    assert client.get(url).status_code == 404
    assert client.post(url, {"note": "x"}).status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_the_case_page_costs_the_same_queries_however_much_the_case_holds(
    world: World, constant_queries: object
) -> None:
    client = _client(world.advocate)
    partners = [f.OrganizationFactory() for _ in range(3)]
    for size in (1, 3):
        while world.case.plan.goals.count() < size:
            goal = f.GoalFactory(plan=world.case.plan)
            partner = partners[world.case.plan.goals.count() - 1]
            f.PlannedServiceFactory(goal=goal, provider=partner)
            f.ReferralFactory(case=world.case, to_organization=partner, sent=True)
            grant_consent(world.case, partner, ["plan", "notes"], by=world.advocate)
            f.CaseNoteFactory(case=world.case, author=world.advocate)
            f.ContactFactory(case=world.case, staff=world.advocate)
            staff = f.MembershipFactory(organization=world.lead, role="advocate").user
            f.CareTeamMemberFactory(case=world.case, user=staff, role="secondary")
            _follow_up(world)
            f.FamilyMemberFactory(person=world.case.person, contact_is_safe=True)
            f.FamilyMemberFactory(person=world.case.person, harmed_young_person=True)
        with constant_queries(40):
            assert client.get(_case_url(world)).status_code == 200
