"""R41: a case's lead moves only under the young person's written consent naming the receiving
organization for transferring their services (with the signer rules R04-R10); before it
accepts, that organization sees only a non-identifying offer; a declined or withdrawn transfer
leaves it nothing; after acceptance the previous lead keeps only what a consent gives it."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.categories import DATA_CATEGORIES
from cases.models import CareTeamMember, Case, CaseNote, CaseTransfer, FamilyMember, Goal, Person
from cases.models import PlannedService as Service
from consent import services
from consent.models import (
    AccessEvent,
    CaseUserObjectPermission,
    Consent,
    ConsentPurpose,
    RevocationChannel,
)
from consent.offers import age_band, transfer_offers
from consent.policy import viewer_for, visible_cases, visible_consents
from providers.models import Membership
from tests import factories as f
from tests.consents import grant_consent, safe_parent, sign, store

pytestmark = pytest.mark.django_db

Status = CaseTransfer.Status
TRANSFER = ConsentPurpose.TRANSFER
EVERYTHING = list(DATA_CATEGORIES)
NO_CONSENT = "No active consent of the young person for transferring their services to"


@pytest.fixture
def receiving_supervisor(world):
    return f.MembershipFactory(organization=world.partner, role=Membership.Role.SUPERVISOR).user


@pytest.fixture
def new_primary(world):
    return f.MembershipFactory(organization=world.partner, role=Membership.Role.ADVOCATE).user


def _minor(world, age: int = 16) -> Case:
    person = world.case.person
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    today = timezone.localdate()
    person.birth_date = date(today.year - age - 1, 1, 1) + timedelta(days=200)
    person.save()
    return world.case


def _adult(world) -> Case:
    person = world.case.person
    person.birth_date_precision = Person.BirthDatePrecision.EXACT
    person.birth_date = date(timezone.localdate().year - 25, 1, 1)
    person.save()
    return world.case


def _consent(world, recipient=None, **terms) -> Consent:
    return grant_consent(
        world.case, recipient or world.partner, EVERYTHING, by=world.advocate, purpose=TRANSFER
    )


def _request(world, api_for, to=None):
    body = {"case": world.case.pk, "to_organization": (to or world.partner).pk, "reason": "Moved"}
    return api_for(world.advocate).post(reverse("transfer-list"), body)


def _url(name: str, transfer: CaseTransfer) -> str:
    return reverse(f"transfer-{name}", kwargs={"pk": transfer.pk})


def _requested(world, api_for) -> CaseTransfer:
    response = _request(world, api_for)
    assert response.status_code == 201, response.data
    return CaseTransfer.objects.get(pk=response.data["id"])


def _accept(api_for, supervisor, transfer, primary):
    return api_for(supervisor).post(_url("accept", transfer), {"primary_advocate": primary.pk})


# -- only under the young person's written consent naming the organization -------------------


def test_r41_without_a_transfer_consent_the_request_is_a_field_error_naming_what_is_missing(
    world, api_for
):
    response = _request(world, api_for)

    assert response.status_code == 400
    assert response.data["to_organization"] == [
        f"{NO_CONSENT} {world.partner.name}. Ask them to sign a consent to this organization "
        "for transferring their services first."
    ]
    assert not CaseTransfer.objects.exists()


def test_r41_a_consent_to_the_organization_for_another_purpose_does_not_move_the_case(
    world, api_for
):
    grant_consent(world.case, world.partner, EVERYTHING, by=world.advocate)  # care coordination

    response = _request(world, api_for)

    assert response.status_code == 400
    assert NO_CONSENT in response.data["to_organization"][0]
    assert not CaseTransfer.objects.exists()


def test_r41_a_transfer_consent_naming_another_organization_does_not_move_the_case(world, api_for):
    third = f.OrganizationFactory()
    _consent(world, recipient=third)

    response = _request(world, api_for)

    assert response.status_code == 400
    assert NO_CONSENT in response.data["to_organization"][0]


@pytest.mark.parametrize("ended", ["revoked", "expired", "not_started"])
def test_r41_only_a_transfer_consent_in_force_moves_the_case(world, api_for, ended):
    consent = _consent(world)
    if ended == "revoked":
        services.revoke_consent(
            consent=consent, actor=world.advocate, channel=RevocationChannel.WRITTEN
        )
    elif ended == "expired":
        consent.expires_at = timezone.now() - timedelta(minutes=1)
        consent.starts_at = consent.expires_at - timedelta(days=30)
        store(consent)
    else:
        consent.starts_at = timezone.now() + timedelta(days=2)
        store(consent)

    response = _request(world, api_for)

    assert response.status_code == 400
    assert NO_CONSENT in response.data["to_organization"][0]
    assert not CaseTransfer.objects.exists()


def test_r41_with_the_transfer_consent_the_case_is_offered(world, api_for):
    _consent(world)

    response = _request(world, api_for)

    assert response.status_code == 201, response.data
    assert response.data["status"] == Status.REQUESTED
    assert response.data["case"] == world.case.pk


def test_r41_a_transfer_consent_covers_the_whole_record(world):
    with pytest.raises(ValidationError) as caught:
        services.draft_consent(
            case=world.case,
            recipient=world.partner,
            categories=["plan"],
            purpose=TRANSFER,
            actor=world.advocate,
            expires_at=timezone.now() + timedelta(days=30),
        )

    assert "categories" in caught.value.message_dict


def test_r41_a_consent_withdrawn_before_acceptance_refuses_it_and_the_transfer_waits(
    world, api_for, receiving_supervisor, new_primary
):
    consent = _consent(world)
    transfer = _requested(world, api_for)
    services.revoke_consent(consent=consent, actor=world.advocate, channel=RevocationChannel.SPOKEN)

    response = _accept(api_for, receiving_supervisor, transfer, new_primary)

    assert response.status_code == 400
    assert "consent" in response.data
    transfer.refresh_from_db()
    assert transfer.status == Status.REQUESTED
    assert Case.objects.get(pk=world.case.pk).lead_organization == world.lead
    # The receiver can still say no; the sender can still take it back.
    declined = api_for(receiving_supervisor).post(_url("decline", transfer), {"note": "Withdrawn"})
    assert declined.status_code == 200


def test_r41_a_transfer_consent_releases_nothing_to_read(world, api_for):
    consent = _consent(world)
    viewer = viewer_for(world.partner_staff)

    assert not visible_cases(viewer=viewer).exists()
    assert not visible_consents(viewer=viewer).filter(pk=consent.pk).exists()
    case_url = reverse("case-detail", kwargs={"pk": world.case.pk})
    assert api_for(world.partner_staff).get(case_url).status_code == 404


# -- with the signer rules of R04-R10 ----------------------------------------------------------


def _pending_transfer_consent(world) -> Consent:
    consent = services.draft_consent(
        case=world.case,
        recipient=world.partner,
        categories=EVERYTHING,
        purpose=TRANSFER,
        actor=world.advocate,
        expires_at=timezone.now() + timedelta(days=90),
    )
    return services.submit_for_signature(consent=consent, actor=world.advocate)


def test_r41_r06_a_minors_transfer_consent_signed_by_the_young_person_alone_moves_nothing(
    world, api_for
):
    _minor(world)
    consent = _pending_transfer_consent(world)
    sign(consent, by=world.advocate)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE

    response = _request(world, api_for)

    assert response.status_code == 400
    assert NO_CONSENT in response.data["to_organization"][0]
    assert not CaseTransfer.objects.exists()


def test_r41_r06_with_a_parents_signature_too_the_minors_case_is_offered(world, api_for):
    _minor(world)
    consent = _pending_transfer_consent(world)
    sign(consent, by=world.advocate)
    sign(consent, by=world.advocate, family_member=safe_parent(world.case))
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE

    assert _request(world, api_for).status_code == 201


def test_r41_r07_a_parent_who_harmed_the_young_person_cannot_sign_the_transfer_consent(world):
    _minor(world)
    consent = _pending_transfer_consent(world)
    sign(consent, by=world.advocate)
    abuser = f.FamilyMemberFactory(person=world.case.person, harmed_young_person=True)

    with pytest.raises(ValidationError):
        sign(consent, by=world.advocate, family_member=abuser)

    consent.refresh_from_db()
    assert consent.status == Consent.Status.PENDING_SIGNATURE


def test_r41_an_adult_signs_their_transfer_consent_alone(world, api_for):
    _adult(world)
    consent = _pending_transfer_consent(world)
    sign(consent, by=world.advocate)
    consent.refresh_from_db()

    assert consent.status == Consent.Status.ACTIVE
    assert _request(world, api_for).status_code == 201


# -- before acceptance: a non-identifying offer only -------------------------------------------


def _identifying_record(world) -> dict[str, str]:
    person = world.case.person
    person.legal_name = "Maribel Quintanilla"
    person.chosen_name = "Mari"
    person.alias = "Sparrow"
    person.area = "Travis County"
    person.save()
    _minor(world)
    family = f.FamilyMemberFactory(person=person, name="Rosalind Quintanilla", phone="5125550199")
    CaseNote.objects.create(
        case=world.case, author=world.advocate, organization=world.lead, body="Stays with her aunt"
    )
    plan = world.case.plan
    housing = f.GoalFactory(plan=plan, domain=Goal.Domain.HOUSING)
    f.PlannedServiceFactory(
        goal=housing, service_type=f.service_type("housing"), status=Service.Status.ACTIVE
    )
    f.PlannedServiceFactory(
        goal=housing, service_type=f.service_type("legal_aid"), status=Service.Status.COMPLETED
    )
    f.GoalFactory(plan=plan, domain=Goal.Domain.EDUCATION, status=Goal.Status.ACHIEVED)
    f.GoalFactory(plan=plan, domain=Goal.Domain.HEALTH)
    return {
        "legal name": person.legal_name,
        "chosen name": person.chosen_name,
        "alias": person.alias,
        "birth date": person.birth_date.isoformat(),
        "family": family.name,
        "family phone": family.phone,
        "note": "Stays with her aunt",
        "reason": "Moved",
    }


OFFER_FIELDS = {
    "id",
    "from_organization",
    "from_organization_name",
    "to_organization",
    "to_organization_name",
    "status",
    "requested_by",
    "requested_at",
    "answered_by",
    "answered_at",
    "answer_note",
    "offer",
}


def test_r41_before_acceptance_the_receiver_sees_only_age_band_needs_and_area(
    world, api_for, receiving_supervisor
):
    identifying = _identifying_record(world)
    _consent(world)
    transfer = _requested(world, api_for)
    client = api_for(receiving_supervisor)

    detail = client.get(_url("detail", transfer))
    listed = client.get(reverse("transfer-list"))

    assert detail.status_code == 200
    assert set(detail.data) == OFFER_FIELDS  # no case, person or reason
    assert detail.data["offer"] == {
        "age_band": "15-17",
        "needs": ["health", "housing"],
        "services": ["housing"],
        "area": "Travis County",
    }
    assert [dict(row) for row in listed.data["results"]] == [dict(detail.data)]
    for response in (detail, listed):
        body = response.content.decode()
        for what, value in identifying.items():
            assert value not in body, what


def test_r41_before_acceptance_the_receiver_reads_nothing_of_the_case(
    world, api_for, receiving_supervisor
):
    _consent(world)
    _requested(world, api_for)
    client = api_for(receiving_supervisor)

    assert client.get(reverse("case-detail", kwargs={"pk": world.case.pk})).status_code == 404
    person_url = reverse("person-detail", kwargs={"pk": world.case.person_id})
    assert client.get(person_url).status_code == 404
    assert client.get(reverse("transfer-list"), {"case": world.case.pk}).data["results"] == []


def test_r41_the_age_band_comes_from_any_precision_of_the_birth_date():
    today = date(2026, 6, 1)
    exact = Person(birth_date_precision="exact", birth_date=date(2010, 1, 1))
    year = Person(birth_date_precision="year", birth_year=2009)  # 16 or 17
    straddling = Person(birth_date_precision="year", birth_year=2011)  # 14 or 15
    ranged = Person(birth_date_precision="age_range", age_range_min=19, age_range_max=23)
    adult = Person(birth_date_precision="exact", birth_date=date(1990, 1, 1))

    assert age_band(exact, today) == "15-17"
    assert age_band(year, today) == "15-17"
    assert age_band(straddling, today) == "12-17"
    assert age_band(ranged, today) == "18-24"
    assert age_band(adult, today) == "25+"
    assert age_band(Person(), today) == ""


def test_r41_an_area_the_young_person_declined_to_give_stays_out_of_the_offer(world):
    person = world.case.person
    person.area = ""
    person.declined_fields = ["area"]
    person.save()

    offer = transfer_offers([world.case.pk])[world.case.pk]

    assert offer.area == ""
    assert offer.age_band == ""


# -- a declined or withdrawn transfer leaves the receiver nothing -------------------------------


@pytest.mark.parametrize("answer", ["decline", "cancel"])
def test_r41_a_declined_or_withdrawn_transfer_leaves_the_receiver_nothing(
    world, api_for, receiving_supervisor, answer
):
    _identifying_record(world)
    _consent(world)
    transfer = _requested(world, api_for)
    client = api_for(receiving_supervisor)

    if answer == "decline":
        answered = client.post(_url("decline", transfer), {"note": "No room"})
        assert answered.status_code == 200
        assert answered.data["offer"] is None
    else:
        assert api_for(world.advocate).post(_url("cancel", transfer)).status_code == 200

    assert client.get(_url("detail", transfer)).status_code == 404
    assert client.get(reverse("transfer-list")).data["results"] == []
    assert client.post(_url("decline", transfer), {"note": "x"}).status_code == 404
    assert client.get(reverse("case-detail", kwargs={"pk": world.case.pk})).status_code == 404


# -- after acceptance the previous lead keeps only what a consent gives it ----------------------


def test_r41_after_acceptance_the_previous_lead_keeps_nothing_without_a_consent(
    world, api_for, receiving_supervisor, new_primary
):
    _consent(world)
    transfer = _requested(world, api_for)

    response = _accept(api_for, receiving_supervisor, transfer, new_primary)

    assert response.status_code == 200, response.data
    assert response.data["case"] == world.case.pk
    assert Case.objects.get(pk=world.case.pk).lead_organization == world.partner
    case_url = reverse("case-detail", kwargs={"pk": world.case.pk})
    for old in (world.advocate, world.supervisor, world.other_advocate):
        assert api_for(old).get(case_url).status_code == 404
    assert not CareTeamMember.objects.filter(
        case=world.case, user=world.advocate, until__isnull=True
    ).exists()
    assert not CaseUserObjectPermission.objects.filter(
        content_object_id=world.case.pk, user=world.advocate
    ).exists()
    assert api_for(new_primary).get(case_url).status_code == 200


def test_r41_after_acceptance_the_previous_lead_sees_what_a_consent_to_it_releases(
    world, api_for, receiving_supervisor, new_primary
):
    _consent(world)
    transfer = _requested(world, api_for)
    assert _accept(api_for, receiving_supervisor, transfer, new_primary).status_code == 200
    world.case.refresh_from_db()
    grant_consent(world.case, world.lead, ["plan"], by=new_primary)
    client = api_for(world.advocate)

    assert client.get(reverse("case-detail", kwargs={"pk": world.case.pk})).status_code == 200
    person_url = reverse("person-detail", kwargs={"pk": world.case.person_id})
    assert client.get(person_url).status_code == 404  # identity was not released
    # It reads the case as a partner does: it may not change it.
    assert not CaseUserObjectPermission.objects.filter(
        content_object_id=world.case.pk, user=world.advocate
    ).exists()


def test_r41_the_acceptance_is_access_logged_on_the_transfer_consent(
    world, api_for, receiving_supervisor, new_primary
):
    consent = _consent(world)
    transfer = _requested(world, api_for)

    _accept(api_for, receiving_supervisor, transfer, new_primary)

    event = AccessEvent.objects.get(action="accept_transfer")
    assert event.user_id == receiving_supervisor.pk
    assert event.case_id == world.case.pk
    assert event.organization_id == world.partner.pk
    assert event.consent_id == consent.pk
    assert event.purpose == ConsentPurpose.TRANSFER
    assert event.outcome == "allowed"
    assert list(event.categories) == EVERYTHING


def test_r41_the_family_record_reaches_the_receiver_only_after_acceptance(
    world, api_for, receiving_supervisor, new_primary
):
    family = f.FamilyMemberFactory(person=world.case.person, name="Rosalind Quintanilla")
    _consent(world)
    transfer = _requested(world, api_for)
    family_url = reverse("family-member-detail", kwargs={"pk": family.pk})
    assert api_for(receiving_supervisor).get(family_url).status_code == 404

    _accept(api_for, receiving_supervisor, transfer, new_primary)

    assert api_for(new_primary).get(family_url).status_code == 200
    assert FamilyMember.objects.filter(pk=family.pk).exists()
