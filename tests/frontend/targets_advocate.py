"""The advocate pages in the page authorization matrix (see tests/frontend/pages.py)."""

from tests.frontend.pages import LEAD_STAFF, PageTarget

# Everyone who works at an organization as staff (not only as its admin) has a caseload,
# a follow-up inbox and may open cases for their own organization.
STAFF = (
    "advocate",
    "other_advocate",
    "intake",
    "supervisor",
    "partner_staff",
    "consented_partner",
)


def _case(pw: object) -> dict[str, int]:
    return {"case_id": pw.case_id}  # type: ignore[attr-defined]


def _family_member(pw: object) -> dict[str, int]:
    return {"case_id": pw.case_id, "member_id": pw.family_member_id}  # type: ignore[attr-defined]


def _document(pw: object) -> dict[str, int]:
    return {"case_id": pw.case_id, "document_id": pw.document_id}  # type: ignore[attr-defined]


def _system_involvement(pw: object) -> dict[str, int]:
    return {"case_id": pw.case_id, "event_id": pw.system_involvement_id}  # type: ignore[attr-defined]


def _follow_up(pw: object) -> dict[str, int]:
    return {"follow_up_id": pw.follow_up_id}  # type: ignore[attr-defined]


TARGETS: dict[str, PageTarget] = {
    "caseload": PageTarget(readers=STAFF),
    "case-open": PageTarget(readers=STAFF, writers=STAFF, post=True),
    # Lead staff only: a consent holder, the young person and colleagues off the team get 404.
    "case": PageTarget(kwargs=_case, readers=LEAD_STAFF),
    "person-edit": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "care-team": PageTarget(
        kwargs=_case, readers=LEAD_STAFF, writers=("advocate", "supervisor"), post=True
    ),
    "care-team-end": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id, "member_id": pw.world.case.care_team.get().pk},
        writers=("advocate", "supervisor"),
        get=False,
        post=True,
    ),
    "follow-up-new": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "flags": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    # Outcome check-ins (issue 21): the lead's working record; the young person has the portal.
    "check-ins": PageTarget(kwargs=_case, readers=LEAD_STAFF),
    "check-in-new": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "check-in-correct": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id, "check_in_id": pw.check_in_id},
        readers=LEAD_STAFF,
        writers=LEAD_STAFF,
        post=True,
    ),
    # Documents (R43): lead staff upload, download and delete; partners use their own door.
    "documents": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "document-file": PageTarget(kwargs=_document, readers=LEAD_STAFF),
    "document-delete": PageTarget(
        kwargs=_document, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    # How they came and what the systems did (issue 21): the lead staff's own record; a
    # consent holder (whatever it releases) and the young person get the missing page.
    "system-involvement": PageTarget(
        kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    "system-involvement-edit": PageTarget(
        kwargs=_system_involvement, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    "system-involvement-remove": PageTarget(
        kwargs=_system_involvement, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    "flag-clear": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id, "flag_id": pw.flag_id},
        writers=LEAD_STAFF,
        get=False,
        post=True,
    ),
    # Transfers (R41): whoever may transfer the case (care team, supervisor) asks or withdraws.
    "case-transfer": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "case-transfer-cancel": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id, "transfer_id": pw.transfer_id},
        writers=LEAD_STAFF,
        get=False,
        post=True,
    ),
    "case-status": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "contact-new": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "note-new": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "safe-contact": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    # The family record and who may sign for the young person (R06-R10): harm and safety marks
    # are the lead organization's, so only its staff on the case read or write them.
    "family-new": PageTarget(kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True),
    "family-edit": PageTarget(
        kwargs=_family_member, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    "family-end": PageTarget(
        kwargs=_family_member, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    "may-consent-alone": PageTarget(
        kwargs=_case, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    # The young person's portal login (R42): only the care team gives, renews or ends it.
    "portal-access": PageTarget(
        kwargs=_case, readers=("advocate",), writers=("advocate",), post=True
    ),
    "follow-ups": PageTarget(readers=STAFF),
    "follow-up-complete": PageTarget(
        kwargs=_follow_up, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
    "follow-up-cancel": PageTarget(
        kwargs=_follow_up, readers=LEAD_STAFF, writers=LEAD_STAFF, post=True
    ),
}
