"""Consents: staff draft them with the young person and record written signatures and spoken
withdrawals; the young person signs and withdraws their own in the portal; the organization a
consent names can read its terms."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as FieldErrors
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import ViewerMixin
from api.conditional import IF_MATCH, VersionedRecordMixin
from api.fields import ID_PATTERN, IdFilter
from api.filters import IdFilterSet
from api.serializers_cases import CaseSerializer
from api.serializers_consents import (
    ChangeDraftSerializer,
    ConsentPreviewSerializer,
    ConsentSerializer,
    DraftConsentSerializer,
    RecipientConsentSerializer,
    RecordSignatureSerializer,
    RenewConsentSerializer,
    RevokeConsentSerializer,
)
from api.serializers_people import (
    FamilyMemberRecordSerializer,
    PersonRecordSerializer,
    SafeContactRecordSerializer,
)
from api.serializers_plans import PlanVersionRecordSerializer
from api.serializers_records import NoteRecordSerializer
from cases.categories import DataCategory
from cases.models import Case, CaseDocument, CaseNote, FamilyMember, PlanVersion, SafeContactRule
from cases.selectors import load_case_summary
from consent import services
from consent.errors import NotVisible
from consent.models import Consent, RevocationChannel, SignatureMethod
from consent.policy import (
    Action,
    ConsentGrant,
    Release,
    access_case,
    access_consent,
    is_own_consent,
    lead_cases,
    visible_cases,
    visible_consent,
    visible_consents,
)
from consent.preview import LANGUAGES, plain_preview

_ID = ID_PATTERN
STAFF_CHANNELS = (RevocationChannel.SPOKEN, RevocationChannel.WRITTEN)


class ConsentFilter(IdFilterSet):
    case = IdFilter(field_name="case_id")
    status = django_filters.MultipleChoiceFilter(choices=Consent.Status.choices)
    recipient = IdFilter(field_name="recipient_id")

    class Meta:
        model = Consent
        fields = ["case", "status", "recipient"]


def recipient_view(case: Case, release: Release) -> dict[str, Any]:
    """Exactly what the recipient's views show of the case under ``release``."""
    by_case = {"releases": {case.pk: release}}
    by_person = {"releases": {case.person_id: release}}
    shown: dict[str, Any] = {"case": CaseSerializer(load_case_summary(case), context=by_case).data}
    categories = release.categories
    if DataCategory.IDENTITY in categories:
        shown["person"] = PersonRecordSerializer(case.person, context=by_person).data
    if DataCategory.CONTACT in categories:
        rule = SafeContactRule.objects.filter(person_id=case.person_id).first()
        if rule is not None:
            shown["safe_contact"] = SafeContactRecordSerializer(rule, context=by_person).data
    if DataCategory.FAMILY in categories:
        family = FamilyMember.objects.filter(person_id=case.person_id).order_by("pk")
        shown["family_members"] = FamilyMemberRecordSerializer(
            family, many=True, context=by_person
        ).data
    if DataCategory.NOTES in categories:
        notes = CaseNote.objects.filter(case=case, staff_only=False).order_by("-created_at")
        shown["notes"] = NoteRecordSerializer(notes, many=True, context=by_case).data
    if DataCategory.PLAN in categories:
        approved = PlanVersion.objects.filter(
            plan__case=case, status=PlanVersion.Status.APPROVED
        ).select_related("plan")
        shown["plan_versions"] = PlanVersionRecordSerializer(
            approved, many=True, context=by_case
        ).data
    return shown


def _with_details(consents: QuerySet[Consent]) -> QuerySet[Consent]:
    return consents.select_related("recipient").prefetch_related("signatures")


class ConsentViewSet(
    VersionedRecordMixin,
    ViewerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Consents of cases the viewer leads (care team, supervisor, the young person), and those
    in force for the viewer's organization."""

    access_log_case_field = "case_id"

    serializer_class = ConsentSerializer
    versioned_model = Consent
    filterset_class = ConsentFilter
    lookup_value_regex = _ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Consent]:
        return _with_details(visible_consents(viewer=self.viewer)).order_by("-created_at", "-pk")

    def _shape(self, consent: Consent) -> dict[str, Any]:
        lead = consent.case_id in self._led_case_ids([consent])
        return (ConsentSerializer if lead else RecipientConsentSerializer)(consent).data

    def _led_case_ids(self, consents: list[Consent]) -> set[int]:
        """Cases of these consents the viewer leads: they see the whole consent record."""
        case_ids = {c.case_id for c in consents}
        led = lead_cases(viewer=self.viewer).filter(pk__in=case_ids)
        return set(led.values_list("pk", flat=True))

    def _respond(self, consent: Consent, code: int = status.HTTP_200_OK) -> Response:
        fresh = visible_consent(
            viewer=self.viewer, consent_id=consent.pk, consents=_with_details(Consent.objects)
        )
        if fresh is None:  # the write took it out of the viewer's sight
            raise NotFound("No such consent.")
        return Response(self._shape(fresh), code)

    def access(self, pk: str, action: Action) -> Consent:
        return access_consent(viewer=self.viewer, consent_id=int(pk), action=action)

    @extend_schema(responses=ConsentSerializer(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        led = self._led_case_ids(page)
        rows = [
            (ConsentSerializer if c.case_id in led else RecipientConsentSerializer)(c).data
            for c in page
        ]
        return self.get_paginated_response(rows)

    @extend_schema(responses=ConsentSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._shape(self.access(pk, Action.VIEW)))

    @extend_schema(request=DraftConsentSerializer, responses={201: ConsentSerializer})
    def create(self, request: Request) -> Response:
        """Draft a consent with the young person. It shares nothing until it is signed."""
        serializer = DraftConsentSerializer(data=request.data)
        serializer.fields["case"].queryset = visible_cases(viewer=self.viewer)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        access = access_case(viewer=self.viewer, case_id=data.pop("case").pk, action=Action.EDIT)
        starts_at = data.pop("starts_at", None) or timezone.now()
        if "expires_at" not in data:
            data["expires_at"] = services.default_expiry(starts_at)
        consent = services.draft_consent(
            case=access.case, actor=request.user, starts_at=starts_at, **data
        )
        return self._respond(consent, status.HTTP_201_CREATED)

    @extend_schema(
        request=ChangeDraftSerializer, responses=ConsentSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change a draft. Once submitted, the terms stay: a change is a new consent (R12)."""
        consent = self.access(pk, Action.EDIT)
        serializer = ChangeDraftSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        consent = services.change_draft(
            consent=consent, actor=request.user, changes=serializer.validated_data
        )
        return self._respond(consent)

    @extend_schema(request=None, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Ask for signatures: Harbor fixes who must sign from the young person's age today."""
        consent = services.submit_for_signature(
            consent=self.access(pk, Action.EDIT), actor=request.user
        )
        return self._respond(consent)

    @extend_schema(request=RecordSignatureSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str) -> Response:
        """The young person signs in the portal; staff record a signed form (theirs or a
        parent's or guardian's). The last required signature activates the consent."""
        consent = self.access(pk, Action.GIVE_CONSENT)
        in_portal = is_own_consent(viewer=self.viewer, consent=consent)
        serializer = RecordSignatureSerializer(data=request.data)
        serializer.fields["family_member"].queryset = FamilyMember.objects.filter(
            person_id=consent.subject_id
        )
        serializer.fields["document"].queryset = CaseDocument.objects.filter(
            case_id=consent.case_id, deleted_at__isnull=True
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if in_portal:
            if data.get("family_member"):
                raise FieldErrors({"family_member": ["In the portal you sign for yourself."]})
            method, evidence = SignatureMethod.PORTAL, _portal_evidence(request)
            signed_at = timezone.now()
        else:
            if data.get("method") == SignatureMethod.PORTAL:
                raise FieldErrors(
                    {"method": ["Only the young person signs in the portal; record the form."]}
                )
            method = data.get("method", SignatureMethod.UPLOADED_FORM)
            evidence, signed_at = data.get("evidence", ""), data.get("signed_at")
        services.add_signature(
            consent=consent,
            recorded_by=request.user,
            method=method,
            evidence=evidence,
            signed_at=signed_at,
            family_member=data.get("family_member"),
            evidence_sha256=data.get("evidence_sha256", ""),
            document=None if in_portal else data.get("document"),
        )
        return self._respond(consent)

    @extend_schema(request=RevokeConsentSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        """Withdraw the consent now. The young person does it in the portal; staff record a
        spoken or written withdrawal. Access ends in the same transaction."""
        consent = self.access(pk, Action.GIVE_CONSENT)
        in_portal = is_own_consent(viewer=self.viewer, consent=consent)
        serializer = RevokeConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = serializer.validated_data.get("channel")
        if in_portal:
            channel = RevocationChannel.PORTAL
        elif channel not in STAFF_CHANNELS:
            raise FieldErrors(
                {"channel": ["Record how the young person withdrew: spoken or written."]}
            )
        consent = services.revoke_consent(
            consent=consent,
            actor=request.user,
            channel=channel,
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._respond(consent)

    @extend_schema(request=RenewConsentSerializer, responses={201: ConsentSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str) -> Response:
        """Start a new consent with the same terms; it replaces this one once signed."""
        consent = self.access(pk, Action.EDIT)
        serializer = RenewConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        renewal = services.renew_consent(
            consent=consent,
            actor=request.user,
            expires_at=serializer.validated_data.get("expires_at"),
        )
        return self._respond(renewal, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("language", enum=[*LANGUAGES], required=False)],
        responses=ConsentPreviewSerializer,
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        """Before signing: in plain words and as data, exactly what the recipient would see."""
        consent = self.access(pk, Action.VIEW)
        access = access_case(viewer=self.viewer, case_id=consent.case_id, action=Action.VIEW)
        if not access.is_lead:
            raise NotVisible("No such consent.")
        plain = plain_preview(consent, request.query_params.get("language", "en"))
        grant = ConsentGrant(
            consent.pk, consent.recipient_id, frozenset(consent.categories), consent.purpose
        )
        return Response(
            {
                "language": plain.language,
                "summary": plain.summary,
                "shared": plain.shared,
                "not_shared": plain.not_shared,
                "redisclosure_notice": plain.redisclosure_notice,
                "recipient_will_see": recipient_view(access.case, Release(False, (grant,))),
            }
        )


def _portal_evidence(request: Request) -> str:
    """A reference to the signed-in portal session, not the session key itself."""
    request_id = getattr(request._request, "request_id", "") or "no-request-id"
    return f"portal e-signature, request {request_id}"
