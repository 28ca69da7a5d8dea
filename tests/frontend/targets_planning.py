"""The planning pages in the page authorization matrix (see tests/frontend/pages.py).

Only the lead organization's care team and supervisors plan, ask for consents and refer: a
partner reading under a consent, the young person and other staff get 404 (R21).
"""

from tests.frontend.pages import LEAD_STAFF, PageTarget, PageWorld


def _case(pw: PageWorld) -> dict[str, int]:
    return {"case_id": pw.case_id}


def _with(**names: str):
    def kwargs(pw: PageWorld) -> dict[str, int]:
        found = {key: getattr(pw, attribute) for key, attribute in names.items()}
        found = {key: getattr(value, "pk", value) for key, value in found.items()}
        return {"case_id": pw.case_id, **found}

    return kwargs


PAGE = {"readers": LEAD_STAFF, "writers": LEAD_STAFF}
FORM = {**PAGE, "post": True}
ACTION = {"writers": LEAD_STAFF, "get": False, "post": True}

TARGETS: dict[str, PageTarget] = {
    "plan-editor": PageTarget(kwargs=_case, **PAGE),
    "plan-goal-add": PageTarget(kwargs=_case, **ACTION),
    "plan-goal-edit": PageTarget(kwargs=_with(goal_id="goal_id"), **FORM),
    "plan-service-add": PageTarget(kwargs=_with(goal_id="goal_id"), **FORM),
    "plan-service-edit": PageTarget(kwargs=_with(service_id="planned_service_id"), **FORM),
    "plan-service-move": PageTarget(kwargs=_with(service_id="planned_service_id"), **ACTION),
    "plan-version-submit": PageTarget(kwargs=_case, **ACTION),
    "plan-version-approve-in-person": PageTarget(
        kwargs=_with(version_id="plan_version_id"), **ACTION
    ),
    "consent-request": PageTarget(kwargs=_case, **FORM),
    "consent-detail": PageTarget(kwargs=_with(consent_id="pending_consent"), **PAGE),
    "consent-form": PageTarget(kwargs=_with(consent_id="pending_consent"), **PAGE),
    "consent-sign": PageTarget(kwargs=_with(consent_id="pending_consent"), **FORM),
    "consent-withdraw": PageTarget(kwargs=_with(consent_id="active_consent"), **FORM),
    "consent-renew": PageTarget(kwargs=_with(consent_id="active_consent"), **ACTION),
    "referral-new": PageTarget(kwargs=_case, **FORM),
    "referral-withdraw": PageTarget(kwargs=_with(referral_id="referral_id"), **FORM),
}
