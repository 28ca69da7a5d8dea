"""Documents on a case (R43): an ID, a court order, the scan of a signed consent form.

The row holds what the pages list; the file itself is encrypted with the field keys and kept
in the "documents" storage (cases.document_store). Deleting a document removes its file and
keeps the row, with who deleted it and when, as the record that it existed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.encryption import EncryptedCharField
from providers.models import Organization


class DocumentKind(models.TextChoices):
    ID_DOCUMENT = "id_document", _("ID document")
    COURT_ORDER = "court_order", _("Court order")
    SIGNED_CONSENT_FORM = "signed_consent_form", _("Signed consent form")
    OTHER = "other", _("Other")


class CaseDocument(models.Model):
    """One uploaded file of a case, in the name of the organization that led it then."""

    Kind = DocumentKind

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="documents")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # Titles can name people ("Court order, custody of ..."): encrypted like notes (R37).
    title = EncryptedCharField(max_length=200)
    # Partners see a document only when it is marked for them AND a consent in force releases
    # documents to their organization; the default keeps it with the lead organization.
    shared_with_partners = models.BooleanField(default=False)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deletion_reason = EncryptedCharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"
            ),
            # A document is either stored or deleted, never both nor neither.
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) & ~Q(storage_name="")
                | Q(deleted_at__isnull=False, storage_name=""),
                name="document_stored_or_deleted",
            ),
        ]
        indexes = [models.Index(fields=["case", "uploaded_at"], name="document_case_time")]

    def __str__(self) -> str:
        return f"document {self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
