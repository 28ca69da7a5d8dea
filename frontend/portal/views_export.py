"""Download my information: everything the portal shows me about myself, as a JSON file to
keep, as a zip of that file with my documents (R43), and as a page to print.

It reads through the same selectors as the other portal pages with the young person's own
basis, so it holds what the portal already shows (profile, plans in their words with their
services, referrals' progress, consents with receipts, who looked at the file, notices) and
nothing more: no staff-only notes, no contact logs, no family or safe-contact details (a
safety plan is not something to leave in a downloads folder on a shared device). The export
is recorded in the access log like any other read.
"""

import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.categories import DataCategory
from cases.checkins import CheckIn
from cases.demographics import Sex, SexualOrientation, race_ethnicity_labels
from cases.documents import CaseDocument, DocumentKind
from cases.models import Case, Person, PlannedServiceStatus, PlanVersion, Referral
from cases.services.documents import document_content
from consent.access_history import events_of_cases
from consent.access_log import note_page_access
from consent.document_access import document_response, download_name
from consent.errors import NotVisible
from consent.fhir import effective_status
from consent.models import Consent
from consent.policy import (
    Viewer,
    access_document,
    lead_cases,
    visible_check_ins,
    visible_consents,
    visible_documents,
    visible_people,
    visible_plan_versions,
    visible_referrals,
)
from consent.preview import CATEGORY_WORDS, PURPOSE_WORDS
from consent.receipts import consent_receipt
from consent.staff_names import named_staff
from frontend.access import page_viewer, portal_page
from frontend.check_ins import answer_labels
from frontend.portal.words import action_words, active_language, choice_label, notice_text
from providers.seeded_labels import translated_label
from tasks.models import PortalNotice

EXPORT_ACTION = "export"
EXPORT_CATEGORIES = (DataCategory.IDENTITY, DataCategory.PLAN)
WITH_DOCUMENTS = (*EXPORT_CATEGORIES, DataCategory.DOCUMENTS)
RECEIPTED = (Consent.Status.ACTIVE, Consent.Status.REVOKED, Consent.Status.EXPIRED)


def _profile(viewer: Viewer) -> dict[str, Any]:
    person = visible_people(viewer=viewer).filter(pk=viewer.person_id).first()
    if person is None:
        return {}
    return {
        "alias": person.alias,
        "legal_name": person.legal_name,
        "chosen_name": person.chosen_name,
        "pronouns": person.pronouns,
        "birth_date_precision": choice_label(
            Person.BirthDatePrecision, person.birth_date_precision
        ),
        "birth_date": person.birth_date,
        "birth_year": person.birth_year,
        "age_range": (
            [person.age_range_min, person.age_range_max]
            if person.age_range_min is not None
            else None
        ),
        "gender": person.gender,
        "race_ethnicity_codes": race_ethnicity_labels(person.race_ethnicity_codes),
        "race_ethnicity": person.race_ethnicity,
        "sex": choice_label(Sex, person.sex),
        "sexual_orientation": choice_label(SexualOrientation, person.sexual_orientation),
        "tribal_affiliation": person.tribal_affiliation,
        "area": person.area,
        "primary_language": person.primary_language,
        "languages": person.languages,
        "preferred_not_to_answer": person.declined_fields,
        "time_zone": person.time_zone,
    }


def _cases(viewer: Viewer) -> list[Case]:
    return list(
        lead_cases(viewer=viewer)
        .filter(person_id=viewer.person_id)
        .select_related("lead_organization")
        .order_by("opened_on", "pk")
    )


def _service(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "service": translated_label((entry.get("service_type") or {}).get("name", "")),
        "provider": (entry.get("provider") or {}).get("name", ""),
        "status": choice_label(PlannedServiceStatus, entry.get("status", "")),
        "starts_on": entry.get("starts_on"),
        "ends_on": entry.get("ends_on"),
    }


def _plans(viewer: Viewer) -> list[dict[str, Any]]:
    versions = (
        visible_plan_versions(viewer=viewer)
        .filter(
            plan__case__person_id=viewer.person_id,
            status__in=[PlanVersion.Status.APPROVED, PlanVersion.Status.AWAITING_APPROVAL],
        )
        .select_related("plan")
        .order_by("plan__case_id", "-number")
    )
    return [
        {
            "case": version.plan.case_id,
            "version": version.number,
            "status": choice_label(PlanVersion.Status, version.status),
            "approved_at": version.approved_at,
            "goals": [
                {
                    "in_my_words": goal.get("description", ""),
                    "services": [_service(s) for s in goal.get("services", [])],
                }
                for goal in (version.content or {}).get("goals", [])
            ],
        }
        for version in versions
    ]


def _referrals(viewer: Viewer) -> list[dict[str, Any]]:
    referrals = (
        visible_referrals(viewer=viewer)
        .filter(case__person_id=viewer.person_id)
        .exclude(status=Referral.Status.DRAFT)
        .select_related("service_type", "to_organization")
        .order_by("sent_at", "pk")
    )
    return [
        {
            "case": referral.case_id,
            "service": referral.service_type.label,
            "organization": referral.to_organization.name,
            "status": choice_label(Referral.Status, referral.status),
            "sent_at": referral.sent_at,
            "answered_at": referral.answered_at,
            "closed_at": referral.closed_at,
        }
        for referral in referrals
    ]


def _consents(viewer: Viewer) -> list[dict[str, Any]]:
    language = active_language()
    words, purposes = CATEGORY_WORDS[language], PURPOSE_WORDS[language]
    consents = (
        visible_consents(viewer=viewer)
        .filter(subject_id=viewer.person_id)
        .exclude(status=Consent.Status.DRAFT)
        .select_related("recipient", "case__lead_organization", "case__person")
        .prefetch_related("signatures")
        .order_by("created_at", "pk")
    )
    rows = []
    for consent in consents:
        status = effective_status(consent)
        rows.append(
            {
                "case": consent.case_id,
                "organization": consent.recipient.name,
                "what": [words[c] for c in words if c in consent.categories],
                "why": purposes[consent.purpose].format(text=consent.purpose_text),
                "status": choice_label(Consent.Status, status),
                "starts_at": consent.starts_at,
                "expires_at": consent.expires_at,
                "revoked_at": consent.revoked_at,
                "receipt": consent_receipt(consent) if status in RECEIPTED else None,
            }
        )
    return rows


def _access_log(viewer: Viewer, case_ids: list[int]) -> list[dict[str, Any]]:
    words = CATEGORY_WORDS[active_language()]
    events = events_of_cases(case_ids=case_ids)
    rows = []
    for event in events:
        organization = event.organization if event.organization_id else None
        is_me = event.user_id is not None and event.user_id == viewer.user_id
        staff = event.user if not is_me and event.role != "young_person" else None
        rows.append(
            {
                "at": event.at,
                "by_me": is_me,
                "organization": organization.name if organization else "",
                "staff": named_staff(user=staff, organization=organization),
                "did": action_words(event.action),
                "information": [words.get(c, c) for c in event.categories],
                "consent": event.consent_id,
                "refused": event.outcome != "allowed",
            }
        )
    return rows


def _notices(viewer: Viewer) -> list[dict[str, Any]]:
    notices = PortalNotice.objects.filter(person_id=viewer.person_id).order_by("created_at", "pk")
    return [
        {"text": notice_text(n.kind), "created_at": n.created_at, "read_at": n.read_at}
        for n in notices
    ]


def my_documents(viewer: Viewer) -> list[CaseDocument]:
    """The documents of the young person's own cases, as the policy shows them."""
    return list(
        visible_documents(viewer=viewer)
        .filter(case__person_id=viewer.person_id, deleted_at__isnull=True)
        .order_by("uploaded_at", "pk")
    )


def _documents(documents: list[CaseDocument]) -> list[dict[str, Any]]:
    return [
        {
            "id": document.pk,
            "case": document.case_id,
            "kind": choice_label(DocumentKind, document.kind),
            "title": document.title,
            "uploaded_on": timezone.localdate(document.uploaded_at),
            "type": document.content_type,
            "size_bytes": document.size,
            "file": f"documents/{download_name(document)}",
        }
        for document in documents
    ]


def _check_ins(viewer: Viewer) -> list[dict[str, Any]]:
    """My check-ins (issue 21): what I answered, in the words of the questions."""
    rows = (
        visible_check_ins(viewer=viewer)
        .filter(case__person_id=viewer.person_id)
        .prefetch_related("goal_progress__goal")
        .order_by("case_id", "recorded_at", "pk")
    )
    return [
        {
            "case": row.case_id,
            "occasion": choice_label(CheckIn.Occasion, row.occasion),
            "recorded_at": row.recorded_at,
            "answers": [{"question": q, "answer": a} for q, a in answer_labels(row)],
            "goals": [
                {"goal": p.goal.description, "in_my_words": p.words}
                for p in row.goal_progress.all()
            ],
        }
        for row in rows
    ]


def my_information(viewer: Viewer, documents: list[CaseDocument] | None = None) -> dict[str, Any]:
    """Everything the portal shows the young person about themselves; recorded as an export."""
    cases = _cases(viewer)
    case_ids = [case.pk for case in cases]
    documents = my_documents(viewer) if documents is None else documents
    note_page_access(
        viewer=viewer,
        case_ids=case_ids,
        action=EXPORT_ACTION,
        categories=WITH_DOCUMENTS if documents else EXPORT_CATEGORIES,
    )
    return {
        "exported_at": timezone.now(),
        "about": _("Everything Harbor shows you about yourself in the portal."),
        "profile": _profile(viewer),
        "cases": [
            {
                "id": case.pk,
                "organization": case.lead_organization.name,
                "status": choice_label(Case.Status, case.status),
                "opened_on": case.opened_on,
                "closed_on": case.closed_on,
            }
            for case in cases
        ],
        "plans": _plans(viewer),
        "referrals": _referrals(viewer),
        "consents": _consents(viewer),
        "access_log": _access_log(viewer, case_ids),
        "documents": _documents(documents),
        "check_ins": _check_ins(viewer),
        "notices": _notices(viewer),
    }


@portal_page
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    """My information on one page, to read or print."""
    context = {"data": my_information(page_viewer(request))}
    return render(request, "frontend/portal/export.html", context)


@portal_page
@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    """My information as a JSON file to keep."""
    response = JsonResponse(my_information(page_viewer(request)), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-information.json"'
    return response


@portal_page
@require_GET
def export_zip(request: HttpRequest) -> HttpResponse:
    """My information with my documents' files, in one zip to keep (R43)."""
    viewer = page_viewer(request)
    documents = my_documents(viewer)
    data = my_information(viewer, documents)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("my-information.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        for document in documents:
            bundle.writestr(f"documents/{download_name(document)}", document_content(document))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="my-information.zip"'
    return response


@portal_page
@require_GET
def document_file(request: HttpRequest, document_id: int) -> HttpResponse:
    """One of my documents."""
    viewer = page_viewer(request)
    document = access_document(viewer=viewer, document_id=document_id)
    if document.is_deleted:
        raise NotVisible("No such document.")
    return document_response(viewer, document)
