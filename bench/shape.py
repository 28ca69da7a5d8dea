"""The sizes of each benchmark scale, and the accounts the measurements sign in as.

Organizations and staff stay fixed while cases, follow-ups and access history grow, so a
persona's own lists grow with the scale (ten times from 20k to 200k), which is what exposes a
query per row. ``smoke`` and ``smoke3`` are the same shape, small enough for CI.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    organizations: int
    staff_per_organization: int
    cases: int
    follow_ups: int
    access_events: int
    seed: int = 8


SCALES = {
    scale.name: scale
    for scale in (
        Scale("smoke", organizations=6, staff_per_organization=10, cases=120, follow_ups=300,
              access_events=240),
        Scale("smoke3", organizations=6, staff_per_organization=10, cases=360, follow_ups=900,
              access_events=720),
        Scale("20k", organizations=200, staff_per_organization=10, cases=20_000,
              follow_ups=50_000, access_events=40_000),
        Scale("200k", organizations=200, staff_per_organization=10, cases=200_000,
              follow_ups=500_000, access_events=400_000),
    )
}  # fmt: skip

EMAIL_DOMAIN = "bench.harbor.invalid"
# The personas: staff of the largest organization, staff of a small partner organization that
# holds consents to five cases, and the young person of the showcase case.
ADVOCATE_EMAIL = f"advocate@{EMAIL_DOMAIN}"
SUPERVISOR_EMAIL = f"supervisor@{EMAIL_DOMAIN}"
PARTNER_EMAIL = f"partner@{EMAIL_DOMAIN}"
YOUNG_PERSON_EMAIL = f"young-person@{EMAIL_DOMAIN}"
PERSONA_EMAILS = {
    "advocate": ADVOCATE_EMAIL,
    "supervisor": SUPERVISOR_EMAIL,
    "small_partner": PARTNER_EMAIL,
    "young_person": YOUNG_PERSON_EMAIL,
}
PARTNER_CASES = 5
