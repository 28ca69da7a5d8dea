"""Issue 21, point 5: on the demo data, every outcome table reconciles with its base, for each
organization and for the community, and every measure has something to show."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django import Settings

from cases.models import Case
from reports.outcomes.drilldown import community_cases, organization_cases, referrals_of
from reports.outcomes.measures import Measure, Window
from reports.outcomes.report import outcome_report
from tests.reports.test_outcomes import assert_reconciles

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings: Settings) -> None:
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())


def _window() -> Window:
    today = timezone.localdate()
    start = today - timedelta(days=2 * 365)
    return Window(
        start,
        today,
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min)),
    )


def test_every_outcome_table_of_the_demo_reconciles_with_its_base(seeded: None) -> None:
    window = _window()
    leads = set(Case.objects.values_list("lead_organization_id", flat=True))
    for organization_id in leads:
        cases = organization_cases(organization_id)
        assert_reconciles(outcome_report(cases=cases, referrals=referrals_of(cases), window=window))
    cases = community_cases()
    report = outcome_report(cases=cases, referrals=referrals_of(cases), window=window)
    assert_reconciles(report)
    for measure in Measure:
        table = report.table(measure)
        assert table.exact_base > 0, measure
        # The base and what is left out are every record the measure looked at.
        assert table.exact_base + table.exact_excluded > 0
    assert report.exact_opened > 0
