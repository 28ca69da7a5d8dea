"""Reports that leave the lead organization: counts only, small cells suppressed (R22).

A funder or a continuum of care learns how many cases and referrals an organization carries,
never which: no row holds a case id, name, alias or date of birth, and any count between one
and the threshold (``HARBOR_REPORT_SUPPRESSION_THRESHOLD``, default 5) is withheld. When a
group has exactly one withheld cell its total would give it away, so the next smallest cell
is withheld too (complementary suppression).
"""

from collections import Counter
from collections.abc import Iterable

from django.db.models import Count

from cases.models import Case, Referral
from providers.models import Organization
from reports.suppression import Group, suppress, threshold


def _group(title: str, labels: Iterable[str], counter: Counter) -> Group:
    counts = [(label, counter.get(label, 0)) for label in labels]
    total = sum(n for _, n in counts)
    shown_total = None if 0 < total < threshold() else total
    return Group(title=title, cells=suppress(counts), total=shown_total)


def caseload_report(organization: Organization) -> list[Group]:
    """The organization's cases by status and its referrals by status, as suppressed counts."""
    cases = Counter(
        dict(
            Case.objects.filter(lead_organization=organization)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
    )
    referrals = Counter(
        dict(
            Referral.objects.filter(from_organization=organization)
            .exclude(status=Referral.Status.DRAFT)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
    )
    sent = [s for s in Referral.Status.values if s != Referral.Status.DRAFT]
    return [
        _group("cases by status", Case.Status.values, cases),
        _group("referrals by status", sent, referrals),
    ]
