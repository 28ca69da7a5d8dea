"""Which files a case document may be, judged by their content, never their name (R43).

Scans and photographs of papers: PDF, PNG and JPEG. A file counts as one of them when it
opens and closes the way that format does; anything else is refused, whatever its name or the
type the browser claimed.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    extension: str
    starts: bytes
    ends: bytes  # must occur in the file's last TAIL bytes


TAIL = 2048
DOCUMENT_TYPES = (
    DocumentType("application/pdf", "pdf", b"%PDF-", b"%%EOF"),
    DocumentType("image/png", "png", b"\x89PNG\r\n\x1a\n", b"IEND"),
    DocumentType("image/jpeg", "jpg", b"\xff\xd8\xff", b"\xff\xd9"),
)
ACCEPTED_WORDS = _("a PDF, PNG or JPEG file")
EXTENSIONS = {kind.content_type: kind.extension for kind in DOCUMENT_TYPES}


def detect_type(content: bytes) -> DocumentType | None:
    """The accepted type ``content`` is, or None."""
    tail = content[-TAIL:]
    for kind in DOCUMENT_TYPES:
        if content.startswith(kind.starts) and kind.ends in tail:
            return kind
    return None
