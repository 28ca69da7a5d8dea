"""Refusals read as an API user would read them: what is wrong and what to do (issue 19)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.disclosures import send_referral
from consent.errors import AccessDenied
from consent.models import ConsentPurpose
from consent.policy import Action, access_case, viewer_for
from consent.services import default_expiry, draft_consent, submit_for_signature
from tests import factories as f
from tests.consents import grant_consent, safe_parent, sign

pytestmark = pytest.mark.django_db


def _other_purpose_consent(world) -> None:
    consent = draft_consent(
        case=world.case,
        recipient=world.partner,
        categories=["plan"],
        purpose=ConsentPurpose.OTHER,
        purpose_text="Summer camp registration",
        actor=world.advocate,
        expires_at=default_expiry(timezone.now()),
    )
    submit_for_signature(consent=consent, actor=world.advocate)
    sign(consent, by=world.advocate)
    consent.refresh_from_db()
    if consent.status != consent.Status.ACTIVE:
        sign(consent, by=world.advocate, family_member=safe_parent(world.case))


def _refusal(world, referral) -> str:
    with pytest.raises(ValidationError) as refused:
        send_referral(referral=referral, actor=world.advocate)
    (message,) = refused.value.message_dict["consent"]
    return message


def test_a_consent_for_another_purpose_is_said_not_to_cover_a_referral(world):
    _other_purpose_consent(world)
    referral = f.ReferralFactory(
        case=world.case, to_organization=world.partner, categories=["plan"]
    )

    message = _refusal(world, referral)

    assert "does not cover sending a referral" in message
    assert "Other" in message
    assert "Partner Housing" in message
    assert "No active consent" not in message


def test_no_consent_at_all_says_so_and_what_to_ask_for(world):
    referral = f.ReferralFactory(
        case=world.case, to_organization=world.partner, categories=["plan"]
    )

    message = _refusal(world, referral)

    assert message.startswith("No consent in force lets Partner Housing receive anything")
    assert "consent to this organization for a referral" in message


def test_categories_the_referral_consent_lacks_are_named_in_words(world):
    grant_consent(world.case, world.partner, ["plan"], by=world.advocate)
    referral = f.ReferralFactory(
        case=world.case, to_organization=world.partner, categories=["plan", "contact"]
    )

    message = _refusal(world, referral)

    assert "does not cover: Contact (phone, e-mail, address, safe-contact rules)" in message
    assert ": contact" not in message


def test_a_refused_action_on_a_visible_case_is_said_in_plain_words(world):
    with pytest.raises(AccessDenied) as refused:
        access_case(
            viewer=viewer_for(world.young_person),
            case_id=world.case.pk,
            action=Action.VIEW_HISTORY,
        )

    assert str(refused.value) == "You may see this case, but not read its change history."
