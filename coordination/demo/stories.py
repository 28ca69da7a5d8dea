"""The twenty demo stories: between them they reach every state of a case, of a plan version
and of a referral, with family, safe-contact rules, care teams, flags, notes and contacts.

Only what happens is said here; coordination.demo.casework writes it as rows.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cases.models import (
    Case,
    CaseTransfer,
    FamilyMember,
    Flag,
    Goal,
    PlanVersion,
    Referral,
    SafeContactRule,
)
from coordination.demo.cast import (
    ADA,
    BEN,
    COUNSELLING,
    HANA,
    HOUSING,
    IVY,
    LEAD,
    LEGAL_AID,
    MILO,
    Login,
)

CaseStatus = Case.Status
RefStatus = Referral.Status
PlanStatus = PlanVersion.Status
Channel = SafeContactRule.Channel


@dataclass(frozen=True)
class Story:
    """One young person's case at the demo's end: where it stands and what happened on the way.

    ``plan`` lists the statuses of the plan versions, oldest first; ``referrals`` pairs each
    receiving organization with the status its referral reached.
    """

    name: str
    status: str
    primary: Login
    days_ago: int
    plan: tuple[str, ...] = ()
    referrals: tuple[tuple[str, str], ...] = ()
    closed_reason: str = ""
    lead: str = LEAD
    opened_by: Login | None = None
    channels: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    flags: tuple[tuple[str, str, bool], ...] = ()
    transfer: tuple[str, str] | None = None
    portal: bool = False
    second: Login | None = None
    handover_to: Login | None = None
    lapsed: bool = False

    @property
    def alias(self) -> str:
        return f"{self.name} (demo)"


STORIES = (
    Story(
        "Wren",
        CaseStatus.ACTIVE,
        ADA,
        120,
        plan=(PlanStatus.SUPERSEDED, PlanStatus.APPROVED, PlanStatus.AWAITING_APPROVAL),
        referrals=(
            (HOUSING, RefStatus.IN_SERVICE),
            (COUNSELLING, RefStatus.ACCEPTED),
            (LEGAL_AID, RefStatus.SENT),
        ),
        channels=(Channel.SMS, Channel.CALL),
        family=("mother", "sibling"),
        flags=((Flag.Kind.COURT_DATE, "Court date next month: bring a support person.", False),),
        portal=True,
        second=BEN,
    ),
    Story(
        "Kestrel",
        CaseStatus.ACTIVE,
        ADA,
        90,
        plan=(PlanStatus.APPROVED,),
        referrals=((HOUSING, RefStatus.COMPLETED), (COUNSELLING, RefStatus.DECLINED)),
        channels=(Channel.IN_PERSON,),
        family=("harmful_partner",),
        flags=((Flag.Kind.SAFETY, "Never confirm where she stays to anyone who calls.", False),),
    ),
    Story(
        "Heron",
        CaseStatus.ACTIVE,
        BEN,
        75,
        plan=(PlanStatus.AWAITING_APPROVAL,),
        referrals=((HOUSING, RefStatus.DRAFT),),
        channels=(Channel.EMAIL,),
        family=("grandparent",),
        flags=((Flag.Kind.DO_NOT_CONTACT, "No contact through the school office.", False),),
    ),
    Story("Finch", CaseStatus.OPEN, ADA, 5, opened_by=IVY),
    Story(
        "Lark",
        CaseStatus.ACTIVE,
        BEN,
        60,
        plan=(PlanStatus.SUPERSEDED, PlanStatus.APPROVED),
        referrals=((COUNSELLING, RefStatus.WITHDRAWN), (HOUSING, RefStatus.CLOSED_WITHOUT_SERVICE)),
        channels=(Channel.SMS,),
        flags=((Flag.Kind.MEDICAL, "Allergic to penicillin.", False),),
        transfer=(HOUSING, CaseTransfer.Status.REQUESTED),
    ),
    Story(
        "Robin",
        CaseStatus.CLOSED,
        ADA,
        200,
        plan=(PlanStatus.SUPERSEDED, PlanStatus.APPROVED),
        referrals=((HOUSING, RefStatus.COMPLETED), (COUNSELLING, RefStatus.COMPLETED)),
        closed_reason=Case.ClosedReason.GOALS_MET,
        channels=(Channel.CALL,),
        family=("foster",),
        flags=((Flag.Kind.SAFETY, "Former exploiter released; review the safety plan.", True),),
    ),
    Story(
        "Plover",
        CaseStatus.ACTIVE,
        ADA,
        45,
        plan=(PlanStatus.DRAFT,),
        referrals=((COUNSELLING, RefStatus.SENT),),
        channels=(Channel.SMS, Channel.EMAIL),
    ),
    Story("Sparrow", CaseStatus.OPEN, BEN, 3, opened_by=IVY, family=("mother",)),
    Story(
        "Tern",
        CaseStatus.ACTIVE,
        ADA,
        100,
        plan=(PlanStatus.APPROVED, PlanStatus.DRAFT),
        referrals=((COUNSELLING, RefStatus.IN_SERVICE),),
        channels=(Channel.CALL, Channel.SMS),
        handover_to=BEN,
    ),
    Story(
        "Swift",
        CaseStatus.CLOSED,
        BEN,
        150,
        plan=(PlanStatus.APPROVED,),
        referrals=((HOUSING, RefStatus.DECLINED),),
        closed_reason=Case.ClosedReason.LOST_CONTACT,
        channels=(Channel.SMS,),
    ),
    Story(
        "Osprey",
        CaseStatus.ACTIVE,
        ADA,
        30,
        plan=(PlanStatus.DRAFT,),
        referrals=((HOUSING, RefStatus.ACCEPTED),),
        channels=(Channel.IN_PERSON, Channel.SMS),
        transfer=(COUNSELLING, CaseTransfer.Status.DECLINED),
        second=BEN,
    ),
    Story("Linnet", CaseStatus.OPEN, ADA, 10, plan=(PlanStatus.DRAFT,), family=("sibling",)),
    Story(
        "Dunlin",
        CaseStatus.ACTIVE,
        BEN,
        80,
        plan=(PlanStatus.APPROVED,),
        referrals=((LEGAL_AID, RefStatus.DRAFT), (COUNSELLING, RefStatus.CLOSED_WITHOUT_SERVICE)),
        channels=(Channel.CALL,),
        lapsed=True,
    ),
    Story(
        "Merlin",
        CaseStatus.CLOSED,
        ADA,
        300,
        plan=(PlanStatus.SUPERSEDED, PlanStatus.SUPERSEDED, PlanStatus.APPROVED),
        referrals=((HOUSING, RefStatus.COMPLETED),),
        closed_reason=Case.ClosedReason.AGED_OUT,
        channels=(Channel.EMAIL, Channel.MAIL),
    ),
    Story(
        "Avocet",
        CaseStatus.ACTIVE,
        ADA,
        20,
        plan=(PlanStatus.AWAITING_APPROVAL,),
        referrals=((HOUSING, RefStatus.SENT),),
        channels=(Channel.SMS,),
        family=("mother",),
    ),
    Story("Curlew", CaseStatus.OPEN, BEN, 1, opened_by=IVY),
    Story(
        "Egret",
        CaseStatus.CLOSED,
        BEN,
        60,
        referrals=((COUNSELLING, RefStatus.WITHDRAWN),),
        closed_reason=Case.ClosedReason.DECLINED_SERVICES,
        channels=(Channel.CALL,),
    ),
    Story(
        "Pipit",
        CaseStatus.ACTIVE,
        BEN,
        40,
        plan=(PlanStatus.SUPERSEDED, PlanStatus.APPROVED, PlanStatus.DRAFT),
        referrals=((HOUSING, RefStatus.IN_SERVICE),),
        channels=(Channel.SMS,),
        family=("grandparent", "sibling"),
        second=ADA,
    ),
    Story(
        "Siskin",
        CaseStatus.ACTIVE,
        HANA,
        50,
        plan=(PlanStatus.APPROVED,),
        referrals=((COUNSELLING, RefStatus.ACCEPTED),),
        lead=HOUSING,
        channels=(Channel.IN_PERSON,),
    ),
    Story("Starling", CaseStatus.OPEN, HANA, 7, lead=HOUSING),
)

FAMILY: dict[str, dict[str, Any]] = {
    "mother": {
        "name": "Maple Example (demo)",
        "relation": FamilyMember.Relation.MOTHER,
        "is_legal_guardian": True,
        "is_household_member": True,
        "contact_is_safe": True,
        "phone": "555-0142",
    },
    "harmful_partner": {
        "name": "Former partner (demo)",
        "relation": FamilyMember.Relation.PARTNER,
        "harmed_young_person": True,
        "notes": "Never share location or contact details.",
    },
    "grandparent": {
        "name": "Juniper Example (demo)",
        "relation": FamilyMember.Relation.GRANDPARENT,
        "is_legal_guardian": True,
        "is_court_appointed": True,
        "is_household_member": True,
        "contact_is_safe": True,
        "phone": "555-0177",
    },
    "sibling": {
        "name": "Alder Example (demo)",
        "relation": FamilyMember.Relation.SIBLING,
        "is_household_member": True,
    },
    "foster": {
        "name": "Rowan Example (demo)",
        "relation": FamilyMember.Relation.FOSTER_PARENT,
        "contact_is_safe": True,
        "email": "rowan.foster@example.org",
    },
}

# What each partner offers in the demo: the service a referral asks for, the plan goal it
# serves (in the young person's words), and the data categories the referral carries.
OFFER = {
    HOUSING: (
        "transitional_housing",
        Goal.Domain.HOUSING,
        "I want a safe place to live that feels like mine.",
        ["identity", "contact"],
    ),
    COUNSELLING: (
        "mental_health",
        Goal.Domain.MENTAL_HEALTH,
        "I want to talk to someone about what happened, when I am ready.",
        ["identity", "plan"],
    ),
    LEGAL_AID: (
        "legal_advocacy",
        Goal.Domain.LEGAL,
        "I want to understand my rights before going to court.",
        ["identity"],
    ),
}
RECIPIENT = {HOUSING: HANA, COUNSELLING: MILO}
DECLINE_REASON = {
    HOUSING: Referral.DeclineReason.COULD_NOT_REACH,
    COUNSELLING: Referral.DeclineReason.NO_CAPACITY,
}


@dataclass(frozen=True)
class Clock:
    """The demo's timeline of one case: fraction 0 is the day it opened, 1 is now."""

    start: datetime
    now: datetime

    def at(self, fraction: float) -> datetime:
        return self.start + (self.now - self.start) * fraction
