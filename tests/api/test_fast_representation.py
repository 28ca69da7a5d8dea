"""The faster read path of the case list's serializers gives exactly DRF's output."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework import serializers

from api.fast_representation import FastRepresentationMixin
from api.serializers_cases import CaseSerializer
from cases.models import Case, Person
from cases.selectors import with_case_summary
from consent.policy import releases_for_cases, viewer_for
from tests import factories as f

pytestmark = pytest.mark.django_db


def _varied_cases(world) -> list[Case]:
    """Cases with every kind of value the list shows: blanks, nulls, lists, closed cases,
    several team members, flags, a young person with and without a portal login."""
    full = f.PersonFactory(
        legal_name="Ana Ruiz",
        chosen_name="Ana",
        pronouns="she/her",
        birth_date=dt.date(2010, 2, 3),
        birth_date_precision=Person.BirthDatePrecision.EXACT,
        languages=["es", "en"],
        area="Travis",
        declined_fields=["race_ethnicity"],
        user=f.UserFactory(),
    )
    rich = f.CaseFactory(lead_organization=world.lead, person=full, closed=True)
    f.CareTeamMemberFactory(case=rich, user=world.advocate)
    f.CareTeamMemberFactory(case=rich, user=world.other_advocate, role="secondary")
    f.FlagFactory(case=rich, raised_by=world.advocate)
    year_only = f.PersonFactory(
        alias="Q", birth_date_precision=Person.BirthDatePrecision.YEAR, birth_year=2009
    )
    bare = f.CaseFactory(lead_organization=world.lead, person=year_only)
    f.CareTeamMemberFactory(case=bare, user=world.advocate)
    shared = f.CaseFactory(lead_organization=world.partner)
    f.ConsentFactory(case=shared, recipient=world.lead, categories=["identity"])
    return [rich, bare, world.case, shared]


def _drf_output(monkeypatch, serializer_data) -> object:
    monkeypatch.setattr(
        FastRepresentationMixin, "to_representation", serializers.Serializer.to_representation
    )
    return serializer_data()


@pytest.mark.parametrize("viewer_name", ["advocate", "supervisor", "partner_staff"])
def test_the_case_list_serializes_exactly_as_drf_would(world, monkeypatch, viewer_name):
    cases = _varied_cases(world)
    viewer = viewer_for(getattr(world, viewer_name))
    rows = list(with_case_summary(Case.objects.filter(pk__in=[c.pk for c in cases])))
    releases = releases_for_cases(viewer=viewer, case_ids=[c.pk for c in rows])

    def data() -> object:
        return CaseSerializer(rows, many=True, context={"releases": releases}).data

    fast = data()
    assert _drf_output(monkeypatch, data) == fast
    shown = {name for row in fast for name, value in row.items() if value}
    if viewer_name == "partner_staff":
        assert {"care_team", "flags"}.isdisjoint(shown)
    else:
        assert {"person", "care_team", "flags", "closed_on"} <= shown


def test_a_value_the_fast_path_cannot_read_falls_back_to_drf(world, monkeypatch):
    """A missing related object: DRF's own rule (None for a nullable field) applies."""

    class OrganizationName(FastRepresentationMixin, serializers.Serializer):
        name = serializers.CharField(source="lead_organization.name", allow_null=True)
        when = serializers.DateTimeField(source="created_at")

    case = Case(lead_organization=None, created_at=timezone.now())
    fast = OrganizationName(case).data

    assert fast["name"] is None
    assert _drf_output(monkeypatch, lambda: OrganizationName(case).data) == fast
