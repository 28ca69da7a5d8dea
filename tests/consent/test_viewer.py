"""Who is asking: the viewer the policy builds once per request."""

import pytest

from consent.policy import viewer_for
from providers.models import Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_staff_members_viewer_costs_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        viewer = viewer_for(world.advocate)

    assert viewer.roles == {world.lead.pk: frozenset({"advocate"})}
    assert viewer.groups == {world.lead.pk: world.lead.group_id}
    assert viewer.person_id is None


def test_a_young_persons_viewer_finds_their_record(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        viewer = viewer_for(world.young_person)

    assert viewer.roles == {}
    assert viewer.person_id == world.case.person_id


def test_staff_who_is_also_a_young_person_keeps_both(world):
    """Someone with a portal record who also works somewhere (an alumni peer mentor, say)."""
    person = f.PersonFactory(user=f.UserFactory())
    f.MembershipFactory(user=person.user, organization=world.partner, role="advocate")

    viewer = viewer_for(person.user)

    assert viewer.person_id == person.pk
    assert viewer.roles == {world.partner.pk: frozenset({"advocate"})}


def test_suspended_roles_and_suspended_organizations_give_no_role(world):
    Membership.objects.filter(user=world.advocate).update(is_active=False)
    world.partner.is_active = False
    world.partner.save()

    assert viewer_for(world.advocate).roles == {}
    assert viewer_for(world.partner_staff).roles == {}
