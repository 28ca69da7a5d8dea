"""One case and everything around it, from a ``CaseSpec`` (bench.specs): the young person,
family, care team, plan and versions, referrals with their transitions, consents with
signatures, notes, contacts, follow-ups, and the guardian rows
``consent.permissions.sync_case_permissions`` would write.
"""

import random
from datetime import date, datetime, timedelta

from accounts.models import User
from bench.loader import Loader
from bench.outcomes import Outcomes
from bench.shape import EMAIL_DOMAIN
from bench.specs import CS, REFERRAL_PATHS, RS, CaseSpec, ConsentSpec, ServiceSpec
from bench.world import World
from cases.categories import DATA_CATEGORIES, category_permission
from cases.models import (
    CareTeamMember,
    Case,
    CaseNote,
    CaseTransfer,
    Contact,
    FamilyMember,
    Flag,
    Goal,
    Person,
    PlannedService,
    PlanVersion,
    Referral,
    ReferralTransition,
    SafeContactRule,
    ServicePlan,
)
from consent.models import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    CompelledDisclosure,
    Consent,
    Signature,
    SignerRule,
)
from consent.permissions import CARE_TEAM_PERMISSIONS, VIEW_CASE, case_permission_ids
from consent.services import principal_id_for
from consent.signers import self_consent_age, signer_role_of
from tasks.models import FollowUp, PortalNotice

SERVICE_STATUS_OF_REFERRAL = {
    RS.DRAFT: PlannedService.Status.PROPOSED,
    RS.SENT: PlannedService.Status.REFERRED,
    RS.ACCEPTED: PlannedService.Status.REFERRED,
    RS.DECLINED: PlannedService.Status.DECLINED,
    RS.WITHDRAWN: PlannedService.Status.PROPOSED,
    RS.IN_SERVICE: PlannedService.Status.ACTIVE,
    RS.COMPLETED: PlannedService.Status.COMPLETED,
    RS.CLOSED_WITHOUT_SERVICE: PlannedService.Status.DECLINED,
}
NAMES = ("Ana", "Luis", "Maya", "Jordan", "Sofia", "Diego", "Imani", "Kai", "Rosa", "Eli")


class CaseBuilder:
    """Writes the rows of one ``CaseSpec`` through the loader; collects access events."""

    def __init__(
        self,
        loader: Loader,
        world: World,
        rng: random.Random,
        now: datetime,
        *,
        coded: random.Random,
    ) -> None:
        self.loader, self.world, self.rng, self.now = loader, world, rng, now
        # Issue 21's records come from a generator of their own: the rest stays as it was.
        self.outcomes = Outcomes(loader, coded, now)
        self.today = now.date()
        self.permission_ids = case_permission_ids()
        self.events: list[dict] = []
        self.service_types = world.service_types
        self._types = {t[0]: t for t in world.service_types}
        self._group_of = world.group_of
        self._org_by_id = {org.id: org for org in world.orgs}
        self._youth = 0

    def build(self, spec: CaseSpec) -> Case:
        opened = self.today - timedelta(days=spec.opened_days_ago)
        person, parent, user_id = self._person(spec, opened)
        case = self._case(spec, person, opened)
        team = self._care_team(spec, case, opened)
        plan = self.loader.add_new(ServicePlan, case_id=case.pk, last_reviewed_at=self._at(opened))
        consents = [self._consent(spec, case, c, parent, user_id, opened) for c in spec.consents]
        services, referrals, goals = self._plan(spec, case, plan, consents, opened, user_id)
        self._records(spec, case, services, opened)
        self._follow_ups(spec, case, plan, services, referrals, opened)
        self._extras(spec, case, person, consents, user_id, opened)
        self._grants(case, team, consents)
        self._access_history(spec, case, team, consents, user_id, opened)
        self.outcomes.check_ins(
            case, goals, primary=spec.primary, user_id=user_id, showcase=spec.showcase
        )
        self.outcomes.system_involvement(
            case, organization=spec.lead.id, primary=spec.primary, showcase=spec.showcase
        )
        return case

    # -- the young person ---------------------------------------------------------------------

    def _person(
        self, spec: CaseSpec, opened: date
    ) -> tuple[Person, FamilyMember | None, int | None]:
        rng, self._youth = self.rng, self._youth + 1
        user_id = None
        if spec.portal_email:
            user_id = self.loader.next_id(User)
            email = spec.portal_email
            if email == "portal":
                email = f"youth-{user_id}@{EMAIL_DOMAIN}"
            self.loader.add_new(
                User, id=user_id, email=email, password=self.world.unusable_password
            )
        person = self.loader.new(
            Person,
            alias=f"{rng.choice(NAMES)} {self._youth}",
            legal_name=f"{rng.choice(NAMES)} Example {self._youth}" if rng.random() < 0.6 else "",
            pronouns=rng.choice(["", "she/her", "he/him", "they/them"]),
            languages=rng.choice([["en"], ["es"], ["en", "es"]]),
            area=f"County {rng.randint(1, 30):02d}",
            user_id=user_id,
        )
        if spec.age is not None:
            person.birth_date_precision = Person.BirthDatePrecision.EXACT
            person.birth_date = self.today - timedelta(days=365 * spec.age + rng.randint(1, 360))
        self.outcomes.demographics(person)
        self.loader.add(person)
        self.loader.add_new(
            SafeContactRule,
            person_id=person.pk,
            allowed_channels=["sms", "call"] if rng.random() < 0.7 else ["in_person"],
            phone=f"+1 555 01{rng.randint(10, 99)} {rng.randint(1000, 9999)}"
            if rng.random() < 0.5
            else "",
            voicemail_ok=rng.random() < 0.3,
            code_word="blue heron" if rng.random() < 0.2 else "",
            confirmed_at=self._at(opened),
            confirmed_by_id=spec.primary,
        )
        parent = None
        if self._is_minor(spec):
            parent = self.loader.add_new(
                FamilyMember,
                person_id=person.pk,
                name=f"Parent of {self._youth}",
                relation=rng.choice([FamilyMember.Relation.MOTHER, FamilyMember.Relation.FATHER]),
                is_legal_guardian=True,
                contact_is_safe=True,
                phone="+1 555 0100 2000",
            )
        if rng.random() < 0.3:
            self.loader.add_new(
                FamilyMember,
                person_id=person.pk,
                name=f"Sibling of {self._youth}",
                relation=FamilyMember.Relation.SIBLING,
                is_household_member=True,
            )
        return person, parent, user_id

    def _is_minor(self, spec: CaseSpec) -> bool:
        return spec.age is None or spec.age < self_consent_age()

    # -- the case and its team ----------------------------------------------------------------

    def _case(self, spec: CaseSpec, person: Person, opened: date) -> Case:
        case = self.loader.new(
            Case,
            person_id=person.pk,
            lead_organization_id=spec.lead.id,
            status=spec.status,
            opened_on=opened,
            created_by_id=spec.primary,
            referral_source=self.outcomes.referral_source(),
        )
        if spec.status == Case.Status.CLOSED:
            case.closed_on = opened + timedelta(days=self.rng.randint(0, spec.opened_days_ago))
            case.closed_reason = self.rng.choice(
                [r for r in Case.ClosedReason.values if r != Case.ClosedReason.OTHER]
            )
        return self.loader.add(case)

    def _care_team(self, spec: CaseSpec, case: Case, opened: date) -> list[int]:
        since = opened
        if spec.former_primary:
            handover = opened + timedelta(days=spec.opened_days_ago // 2)
            self.loader.add_new(
                CareTeamMember,
                case_id=case.pk,
                user_id=spec.former_primary,
                role=CareTeamMember.Role.PRIMARY,
                since=opened,
                until=handover,
            )
            since = handover
        team = [spec.primary]
        self.loader.add_new(
            CareTeamMember,
            case_id=case.pk,
            user_id=spec.primary,
            role=CareTeamMember.Role.PRIMARY,
            since=since,
        )
        if spec.secondary:
            team.append(spec.secondary)
            self.loader.add_new(
                CareTeamMember,
                case_id=case.pk,
                user_id=spec.secondary,
                role=CareTeamMember.Role.SECONDARY,
                since=opened,
            )
        return team

    # -- consents -----------------------------------------------------------------------------

    def _consent(
        self,
        spec: CaseSpec,
        case: Case,
        terms: ConsentSpec,
        parent: FamilyMember | None,
        user_id: int | None,
        opened: date,
    ) -> Consent:
        rng, now = self.rng, self.now
        status = terms.status
        if status == CS.EXPIRED:
            expires = now - timedelta(days=rng.randint(1, 120))
            starts = expires - timedelta(days=rng.randint(30, 180))
        else:
            starts = now - timedelta(days=rng.randint(1, 200))
            expires = max(starts + timedelta(days=rng.randint(30, 365)), now + timedelta(days=2))
            expires = min(expires, starts + timedelta(days=365))
            if expires <= now:
                starts, expires = now - timedelta(days=10), now + timedelta(days=60)
            if terms.expires_in_days is not None:
                starts, expires = (
                    now - timedelta(days=30),
                    now + timedelta(days=terms.expires_in_days),
                )
        consent = self.loader.new(
            Consent,
            case_id=case.pk,
            subject_id=case.person_id,
            recipient_id=terms.recipient.id,
            categories=terms.categories,
            purpose=rng.choice(["referral", "care_coordination", "benefits_eligibility"]),
            starts_at=starts,
            expires_at=expires,
            status=status,
            principal_id=principal_id_for(case),
            created_by_id=spec.primary,
            created_at=starts - timedelta(days=2),
        )
        signed = status in (CS.ACTIVE, CS.REVOKED, CS.EXPIRED)
        if status != CS.DRAFT:
            minor = self._is_minor(spec)
            consent.signer_rule = SignerRule.MINOR_WITH_PARENT if minor else SignerRule.SELF
            consent.submitted_at = starts - timedelta(days=1)
        if signed:
            consent.activated_at = starts - timedelta(hours=1)
        if status == CS.REVOKED:
            consent.revoked_at = self._between(starts, now)
            consent.revocation_channel = rng.choice(["portal", "staff_spoken", "staff_written"])
            consent.revoked_by_id = user_id or spec.primary
        if status == CS.EXPIRED:
            consent.expired_at = expires
        self.loader.add(consent)
        if signed or (status == CS.PENDING_SIGNATURE and parent is not None):
            # A pending consent waits for the parent: the young person signed already.
            self._signatures(consent, spec, parent, user_id, complete=signed)
        return consent

    def _signatures(
        self,
        consent: Consent,
        spec: CaseSpec,
        parent: FamilyMember | None,
        user_id: int | None,
        *,
        complete: bool,
    ) -> None:
        at = consent.submitted_at + timedelta(hours=2)
        method = "portal_esignature" if user_id else "uploaded_form"
        self.loader.add_new(
            Signature,
            consent_id=consent.pk,
            signer_role="young_person",
            method=method,
            signed_at=at,
            evidence=f"bench signature {consent.pk}",
            recorded_by_id=spec.primary,
        )
        if complete and parent is not None:
            self.loader.add_new(
                Signature,
                consent_id=consent.pk,
                signer_role=signer_role_of(parent),
                family_member_id=parent.pk,
                method="uploaded_form",
                signed_at=at,
                evidence=f"bench parent form {consent.pk}",
                recorded_by_id=spec.primary,
            )

    # -- the plan, its versions and referrals --------------------------------------------------

    def _plan(
        self,
        spec: CaseSpec,
        case: Case,
        plan: ServicePlan,
        consents: list[Consent],
        opened: date,
        user_id: int | None,
    ) -> tuple[list[PlannedService], list[Referral], list[Goal]]:
        rng = self.rng
        services, referrals, goals, snapshot = [], [], [], []
        for position, service_specs in enumerate(spec.goals):
            goal = self.loader.add_new(
                Goal,
                plan_id=plan.pk,
                description=f"Goal {position + 1} in my own words",
                domain=rng.choice(Goal.Domain.values),
                position=position,
            )
            goals.append(goal)
            goal_snapshot = {
                "id": goal.pk,
                "description": goal.description,
                "domain": goal.domain,
                "status": goal.status,
                "position": position,
                "services": [],
            }
            for service_spec in service_specs:
                service = self._planned_service(spec, goal, service_spec, opened)
                services.append(service)
                goal_snapshot["services"].append(self._service_snapshot(service, service_spec))
                if service_spec.referral:
                    referrals.append(
                        self._referral(spec, case, service, service_spec, consents, opened)
                    )
            snapshot.append(goal_snapshot)
        self._versions(spec, plan, {"goals": snapshot}, opened, user_id)
        return services, referrals, goals

    def _planned_service(
        self, spec: CaseSpec, goal: Goal, service_spec: ServiceSpec, opened: date
    ) -> PlannedService:
        rng = self.rng
        if service_spec.referral:
            status = SERVICE_STATUS_OF_REFERRAL[service_spec.referral]
        else:
            status = rng.choice(
                ["proposed", "active", "active", "completed", "lapsed"]
                if spec.status != "open"
                else ["proposed"]
            )
        starts = opened + timedelta(days=rng.randint(0, 30))
        return self.loader.add_new(
            PlannedService,
            goal_id=goal.pk,
            service_type_id=rng.choice(self.service_types)[0],
            provider_id=service_spec.provider.id if service_spec.provider else None,
            responsible_id=spec.primary,
            status=status,
            starts_on=starts,
            expected_contact_days=rng.choice([7, 14, 14, 30]),
            last_contact_at=self._at(opened) if status == "active" else None,
        )

    def _service_snapshot(self, service: PlannedService, service_spec: ServiceSpec) -> dict:
        _, code, name = self._types[service.service_type_id]
        provider = service_spec.provider
        return {
            "id": service.pk,
            "service_type": {"code": code, "name": name},
            "provider": None if provider is None else {"id": provider.id, "name": provider.name},
            "status": service.status,
            "starts_on": service.starts_on.isoformat() if service.starts_on else None,
            "ends_on": None,
            "expected_contact_days": service.expected_contact_days,
        }

    def _versions(
        self, spec: CaseSpec, plan: ServicePlan, content: dict, opened: date, user_id: int | None
    ) -> None:
        statuses = {
            "none": [],
            "draft": ["draft"],
            "approved": ["approved"],
            "superseded+approved": ["superseded", "approved"],
            "approved+awaiting": ["approved", "awaiting_approval"],
            "superseded+approved+awaiting": ["superseded", "approved", "awaiting_approval"],
        }[spec.versions]
        at = self._at(opened)
        for number, status in enumerate(statuses, start=1):
            version = self.loader.new(
                PlanVersion,
                plan_id=plan.pk,
                number=number,
                status=status,
                summary=f"Version {number}",
                content=content,
                created_by_id=spec.primary,
            )
            if status != "draft":
                version.submitted_at = at
            if status in ("approved", "superseded"):
                version.approved_at = at + timedelta(days=1)
                version.approved_by_id = user_id or spec.primary
                version.approval_channel = "portal" if user_id else "in_person"
            if status == "superseded":
                version.superseded_at = at + timedelta(days=20)
            self.loader.add(version)
            at += timedelta(days=20)

    def _referral_clock(self, spec: CaseSpec, opened: date) -> datetime:
        """When the referral was drafted; the showcase's moved within the last two weeks, so
        the period figures and the supervisor's lists always hold one."""
        if spec.showcase:
            return self.now - timedelta(days=14)
        return self._at(opened)

    def _referral(
        self,
        spec: CaseSpec,
        case: Case,
        service: PlannedService,
        service_spec: ServiceSpec,
        consents: list[Consent],
        opened: date,
    ) -> Referral:
        rng, status = self.rng, service_spec.referral
        to = service_spec.provider
        granted = next((c for c in consents if c.recipient_id == to.id), None)
        referral = self.loader.new(
            Referral,
            case_id=case.pk,
            planned_service_id=service.pk,
            from_organization_id=spec.lead.id,
            to_organization_id=to.id,
            service_type_id=service.service_type_id,
            status=status,
            categories=granted.categories if granted else ["plan"],
            message="Please reach out about this service.",
            created_by_id=spec.primary,
        )
        at = self._referral_clock(spec, opened)
        moves = []
        previous = RS.DRAFT
        for move in REFERRAL_PATHS[status]:
            at += timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 20))
            at = min(at, self.now - timedelta(minutes=5))
            side = spec.lead if move in (RS.SENT, RS.WITHDRAWN) else to
            actor = spec.primary if side is spec.lead else rng.choice(to.advocates)
            moves.append((previous, move, actor, side.id, at))
            if move == RS.SENT:
                referral.sent_at = at
            elif move in (RS.ACCEPTED, RS.DECLINED):
                referral.answered_at = at
            elif move in (RS.COMPLETED, RS.CLOSED_WITHOUT_SERVICE, RS.WITHDRAWN):
                referral.closed_at = at
            previous = move
        if status == RS.DECLINED:
            referral.decline_reason = rng.choice(["no_capacity", "not_eligible", "could_not_reach"])
        if status == RS.COMPLETED:
            referral.outcome_note = "Service delivered."
        self.loader.add(referral)
        for from_status, to_status, actor, organization_id, moved_at in moves:
            self.loader.add_new(
                ReferralTransition,
                referral_id=referral.pk,
                from_status=from_status,
                to_status=to_status,
                actor_id=actor,
                organization_id=organization_id,
                at=moved_at,
            )
        return referral

    # -- notes, contacts, flags ----------------------------------------------------------------

    def _records(
        self, spec: CaseSpec, case: Case, services: list[PlannedService], opened: date
    ) -> None:
        rng = self.rng
        for n in range(spec.notes):
            self.loader.add_new(
                CaseNote,
                case_id=case.pk,
                author_id=spec.primary,
                organization_id=spec.lead.id,
                category=rng.choice(CaseNote.Category.values),
                body=f"Met at the drop-in centre; talked about next steps ({n}).",
                staff_only=n == 1,
                created_at=self._at(opened),
            )
        for n in range(spec.contacts):
            self.loader.add_new(
                Contact,
                case_id=case.pk,
                staff_id=spec.primary,
                organization_id=spec.lead.id,
                planned_service_id=services[0].pk if services and n == 0 else None,
                occurred_at=self._at(opened),
                channel=rng.choice(["in_person", "call", "sms"]),
                outcome=rng.choice(["reached", "no_answer", "left_message"]),
                summary="Checked in; all well." if rng.random() < 0.5 else "",
            )
        if spec.flag:
            self.loader.add_new(
                Flag,
                case_id=case.pk,
                kind="safety",
                text="Only call after 4pm",
                raised_by_id=spec.primary,
            )

    # -- follow-ups ------------------------------------------------------------------------------

    def _follow_ups(
        self,
        spec: CaseSpec,
        case: Case,
        plan: ServicePlan,
        services: list[PlannedService],
        referrals: list[Referral],
        opened: date,
    ) -> None:
        rng, now = self.rng, self.now
        open_about: set[tuple] = set()
        closed_case = spec.status == "closed"
        for n in range(spec.follow_ups):
            if closed_case:
                status = rng.choices(["done", "cancelled"], weights=[90, 10])[0]
            elif spec.showcase and n < 3:
                status = ["due", "due", "upcoming"][n]
            else:
                status = rng.choices(
                    ["due", "upcoming", "done", "cancelled"], weights=[235, 150, 550, 65]
                )[0]
            follow_up = self.loader.new(
                FollowUp,
                case_id=case.pk,
                organization_id=spec.lead.id,
                assignee_id=spec.primary if rng.random() < 0.9 or spec.showcase else None,
                created_by_id=spec.primary,
                status="open" if status in ("due", "upcoming") else status,
            )
            self._about(follow_up, plan, services, referrals, open_about, status)
            if status == "due":
                follow_up.due_at = now - timedelta(
                    days=rng.randint(0, 20), hours=rng.randint(1, 23)
                )
                if now - follow_up.due_at > timedelta(days=5) and rng.random() < 0.4:
                    follow_up.escalated_to_id = spec.lead.supervisor
                    follow_up.escalated_at = follow_up.due_at + timedelta(days=3)
            elif status == "upcoming":
                follow_up.due_at = now + timedelta(days=rng.randint(1, 30))
            else:
                follow_up.due_at = self._at(opened)
                follow_up.completed_at = follow_up.due_at + timedelta(hours=rng.randint(1, 72))
                follow_up.completed_by_id = spec.primary
            self.loader.add(follow_up)

    def _about(
        self,
        follow_up: FollowUp,
        plan: ServicePlan,
        services: list[PlannedService],
        referrals: list[Referral],
        open_about: set[tuple],
        status: str,
    ) -> None:
        """A kind and the object it is about; at most one open follow-up per kind and object."""
        choices = [("plan_review", "about_plan_id", plan.pk)]
        choices += [("service_no_contact", "about_planned_service_id", s.pk) for s in services]
        choices += [
            ("referral_unanswered", "about_referral_id", r.pk)
            for r in referrals
            if r.status == RS.SENT
        ]
        self.rng.shuffle(choices)
        for kind, attname, pk in choices:
            if status in ("done", "cancelled") or (kind, pk) not in open_about:
                if status in ("due", "upcoming"):
                    open_about.add((kind, pk))
                follow_up.kind = kind
                setattr(follow_up, attname, pk)
                return
        follow_up.kind = FollowUp.Kind.OTHER
        follow_up.description = "Call back about school enrolment"

    # -- compelled disclosures, transfers, portal notices --------------------------------------

    def _extras(
        self,
        spec: CaseSpec,
        case: Case,
        person: Person,
        consents: list[Consent],
        user_id: int | None,
        opened: date,
    ) -> None:
        if spec.compelled:
            self.loader.add_new(
                CompelledDisclosure,
                case_id=case.pk,
                authority="court_order",
                legal_authority="Docket 24-JV-0001",
                recipient_name="County juvenile court",
                categories=["identity"],
                disclosed_at=self._at(opened),
                recorded_by_id=spec.primary,
                young_person_notified_at=self.now - timedelta(days=1),
            )
        if spec.transfer:
            other = spec.transfer_to or self.world.pick_partner(self.rng, besides={spec.lead.id})
            requested = self._at(opened)
            self.loader.add_new(
                CaseTransfer,
                case_id=case.pk,
                from_organization_id=spec.lead.id,
                to_organization_id=other.id,
                status=spec.transfer,
                reason="The young person moved to another county.",
                requested_by_id=spec.primary,
                requested_at=requested,
                answered_at=None if spec.transfer == "requested" else requested + timedelta(days=2),
            )
        active = [c for c in consents if c.status == CS.ACTIVE]
        if user_id and active:
            self.loader.add_new(
                PortalNotice,
                case_id=case.pk,
                person_id=person.pk,
                kind="consent_renewal",
                object_id=active[0].pk,
            )

    # -- guardian rows, as consent.permissions would write them --------------------------------

    def _grants(self, case: Case, team: list[int], consents: list[Consent]) -> None:
        ids = self.permission_ids
        for user_id in dict.fromkeys(team):
            for codename in CARE_TEAM_PERMISSIONS:
                self.loader.add_values(
                    CaseUserObjectPermission,
                    permission_id=ids[codename],
                    user_id=user_id,
                    content_object_id=case.pk,
                )
        windows: dict[tuple[int, int], list[tuple[datetime, datetime]]] = {}
        for consent in consents:
            if consent.status != CS.ACTIVE or consent.expires_at <= self.now:
                continue
            group_id = self._group_of[consent.recipient_id]
            for codename in (VIEW_CASE, *(category_permission(c) for c in consent.categories)):
                windows.setdefault((group_id, ids[codename]), []).append(
                    (consent.starts_at, consent.expires_at)
                )
        for (group_id, permission_id), spans in windows.items():
            in_force = [w for w in spans if w[0] <= self.now] or [min(spans)]
            self.loader.add_values(
                CaseGroupObjectPermission,
                permission_id=permission_id,
                group_id=group_id,
                content_object_id=case.pk,
                valid_from=min(w[0] for w in in_force),
                valid_until=max(w[1] for w in in_force),
            )

    # -- access history ------------------------------------------------------------------------

    def _access_history(
        self,
        spec: CaseSpec,
        case: Case,
        team: list[int],
        consents: list[Consent],
        user_id: int | None,
        opened: date,
    ) -> None:
        """Event drafts, chained later in time order by ``bench.history``."""
        rng = self.rng
        granted = [c for c in consents if c.status in (CS.ACTIVE, CS.REVOKED, CS.EXPIRED)]
        for _ in range(spec.events):
            event = {
                "at": self._at(opened),
                "case_id": case.pk,
                "action": rng.choice(["view", "view", "list", "edit"]),
                "outcome": "allowed",
            }
            who = rng.random()
            if granted and who < 0.3:
                consent = rng.choice(granted)
                partner = self._org_by_id[consent.recipient_id]
                event.update(
                    user_id=rng.choice(partner.advocates),
                    organization_id=partner.id,
                    role="advocate",
                    categories=consent.categories,
                    basis=f"consent:{consent.pk}",
                    consent_id=consent.pk,
                    purpose=consent.purpose,
                )
            elif user_id and who < 0.4:
                event.update(
                    user_id=user_id,
                    role="young_person",
                    categories=list(DATA_CATEGORIES),
                    basis="young_person",
                    purpose="own_record",
                )
            elif who < 0.97:
                event.update(
                    user_id=rng.choice(team),
                    organization_id=spec.lead.id,
                    role="advocate",
                    categories=list(DATA_CATEGORIES),
                    basis="primary_advocate",
                    purpose="care_coordination",
                )
            else:
                partner = self.world.pick_partner(rng, besides={spec.lead.id})
                event.update(
                    user_id=rng.choice(partner.advocates),
                    organization_id=partner.id,
                    role="advocate",
                    outcome="denied",
                )
            self.events.append(event)

    # -- time -----------------------------------------------------------------------------------

    def _at(self, opened: date) -> datetime:
        """A moment between the case's opening and now."""
        start = datetime.combine(opened, datetime.min.time(), tzinfo=self.now.tzinfo)
        return self._between(start, self.now - timedelta(hours=1))

    def _between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return end
        span = (end - start).total_seconds()
        return start + timedelta(seconds=self.rng.uniform(0, span))
