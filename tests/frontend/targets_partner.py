"""The partner pages in the page authorization matrix (see tests/frontend/pages.py).

The world's referral is sent to the consented partner's organization, which holds a consent
in force for every category; the world's ``partner_staff`` works at an organization that
received nothing and holds no consent. Lists answer every staff member (their own
organization's referrals, possibly none); organization admins and superusers staff none.
"""

from tests.frontend.pages import PageTarget

STAFF = ("advocate", "other_advocate", "intake", "supervisor", "partner_staff", "consented_partner")
RECEIVER = ("consented_partner",)
# The world's case is offered for transfer to partner_staff's organization, where they are also
# an intake worker: they answer it, seeing only the offer (R41).
TAKES_IN = ("partner_staff",)


def _referral(pw: object) -> dict[str, int]:
    return {"referral_id": pw.referral_id}  # type: ignore[attr-defined]


def _transfer(pw: object) -> dict[str, int]:
    return {"transfer_id": pw.transfer_id}  # type: ignore[attr-defined]


def _answer() -> PageTarget:
    return PageTarget(kwargs=_referral, writers=RECEIVER, get=False, post=True)


TARGETS: dict[str, PageTarget] = {
    "incoming-referrals": PageTarget(readers=STAFF),
    "incoming-referral": PageTarget(kwargs=_referral, readers=RECEIVER),
    "incoming-referral-accept": _answer(),
    "incoming-referral-decline": _answer(),
    "incoming-referral-start": _answer(),
    "incoming-referral-complete": _answer(),
    "incoming-referral-close": _answer(),
    "incoming-referral-contact": _answer(),
    "incoming-transfers": PageTarget(readers=STAFF),
    "incoming-transfer": PageTarget(kwargs=_transfer, readers=TAKES_IN),
    "incoming-transfer-accept": PageTarget(
        kwargs=_transfer, writers=TAKES_IN, get=False, post=True
    ),
    "incoming-transfer-decline": PageTarget(
        kwargs=_transfer, writers=TAKES_IN, get=False, post=True
    ),
    "partner-services": PageTarget(readers=STAFF),
    "partner-case": PageTarget(kwargs=lambda pw: {"case_id": pw.case_id}, readers=RECEIVER),
    # A document the consent in force releases (R43).
    "partner-document-file": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id, "document_id": pw.document_id},
        readers=RECEIVER,
    ),
}
