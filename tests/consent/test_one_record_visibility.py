"""One case or one consent by its id (what every case and consent route and page reads first)
follows exactly the rule of the lists (R13, R14, R17, R41), read as an index probe of that
one case instead of gathering every case the viewer holds."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.models import Consent, ConsentPurpose
from consent.policy import (
    NotVisible,
    access_case,
    viewer_for,
    visible_cases,
    visible_consent,
    visible_consents,
)
from consent.services import revoke_consent
from tests import factories as f
from tests.consents import grant_consent

pytestmark = pytest.mark.django_db

VIEWERS = [
    "advocate",
    "other_advocate",
    "supervisor",
    "intake",
    "org_admin",
    "partner_staff",
    "young_person",
    "other_young_person",
]


def _consents(world) -> list[Consent]:
    """In force, ended and not yet started, to the partner or elsewhere, a transfer, a draft;
    on the world's case, on another case of the lead and on a case the partner leads."""
    now = timezone.now()
    lead_case = world.case
    other_lead_case = f.CaseFactory(lead_organization=world.lead)
    partner_case = f.CaseFactory(lead_organization=world.partner)
    made = [
        f.ConsentFactory(case=lead_case, recipient=world.partner),
        f.ConsentFactory(case=other_lead_case, recipient=world.partner),
        f.ConsentFactory(case=lead_case, recipient=f.OrganizationFactory()),
        f.ConsentFactory(
            case=lead_case,
            recipient=world.partner,
            starts_at=now - dt.timedelta(days=100),
            expires_at=now - dt.timedelta(days=1),
        ),
        f.ConsentFactory(
            case=lead_case, recipient=world.partner, starts_at=now + dt.timedelta(days=2)
        ),
        f.ConsentFactory(
            case=lead_case,
            recipient=world.partner,
            status=Consent.Status.REVOKED,
            revoked_at=now,
            revocation_channel="staff_spoken",
        ),
        f.ConsentFactory(
            case=other_lead_case, recipient=world.partner, purpose=ConsentPurpose.TRANSFER
        ),
        f.ConsentFactory(case=lead_case, recipient=world.partner, status=Consent.Status.DRAFT),
        f.ConsentFactory(case=partner_case, recipient=world.lead),
    ]
    return made


@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_r13_r17_r41_one_consent_by_its_id_is_visible_exactly_when_the_list_holds_it(
    world, viewer_name
):
    consents = _consents(world)
    viewer = viewer_for(getattr(world, viewer_name))
    listed = set(visible_consents(viewer=viewer).values_list("pk", flat=True))

    found = {c.pk for c in consents if visible_consent(viewer=viewer, consent_id=c.pk)}

    assert found == listed & {c.pk for c in consents}


def test_one_consent_is_read_without_gathering_every_case_the_viewer_holds(world):
    """The probe reads the consent's own case: an advocate with many cases pays the same."""
    consent = f.ConsentFactory(case=world.case, recipient=world.partner)
    viewer = viewer_for(world.advocate)

    with CaptureQueriesContext(connection) as queries:
        assert visible_consent(viewer=viewer, consent_id=consent.pk) == consent

    (query,) = queries.captured_queries
    assert "EXISTS" in query["sql"].upper()
    assert " IN (SELECT" not in query["sql"].upper()


def test_r13_a_revoke_answers_with_the_revoked_consent(world, api_for):
    consent = f.ConsentFactory(case=world.case, recipient=world.partner)

    response = api_for(world.advocate).post(
        reverse("consent-revoke", args=[consent.pk]),
        {"channel": "staff_spoken", "reason": "said so on the phone"},
        format="json",
    )

    assert response.status_code == 200
    assert response.data["id"] == consent.pk
    assert response.data["status"] == "revoked"


def _cases(world) -> list[int]:
    """Led (on the team, and not), shared with the partner in force, shared and ended, the
    partner's own, and a stranger's."""
    on_team = world.case
    off_team = f.CaseFactory(lead_organization=world.lead)
    shared = f.CaseFactory(lead_organization=world.lead)
    grant_consent(shared, world.partner, categories=["identity"], by=world.advocate)
    ended = f.CaseFactory(lead_organization=world.lead)
    withdrawn = grant_consent(ended, world.partner, categories=["identity"], by=world.advocate)
    revoke_consent(
        consent=withdrawn, actor=world.advocate, channel="staff_spoken", reason="asked to"
    )
    partners_own = f.CaseFactory(lead_organization=world.partner)
    stranger = f.CaseFactory(lead_organization=f.OrganizationFactory())
    return [c.pk for c in (on_team, off_team, shared, ended, partners_own, stranger)]


def _opens(viewer, case_id: int) -> bool:
    try:
        access_case(viewer=viewer, case_id=case_id)
    except NotVisible:
        return False
    return True


@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_r13_r17_one_case_by_its_id_opens_exactly_when_the_list_holds_it(world, viewer_name):
    case_ids = _cases(world)
    viewer = viewer_for(getattr(world, viewer_name))
    listed = set(visible_cases(viewer=viewer).filter(pk__in=case_ids).values_list("pk", flat=True))

    assert {pk for pk in case_ids if _opens(viewer, pk)} == listed
