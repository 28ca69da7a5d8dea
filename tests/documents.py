"""Small files of the kinds documents may be (R43), for tests that upload one."""

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16 + b"IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16 + b"\xff\xd9"


def pdf(marker: str = "") -> bytes:
    """A PDF whose content carries ``marker``, so a test can find it again."""
    return PDF.replace(b"trailer", f"% {marker}\ntrailer".encode())


def scan_upload(name: str = "signed-form.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
