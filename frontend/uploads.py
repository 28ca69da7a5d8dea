"""Reading a posted file for the services, which judge it on its content (R43)."""

from django.core.files.uploadedfile import UploadedFile


def read_upload(upload: UploadedFile) -> tuple[bytes, int]:
    """The upload's bytes as kept (at most one past the size limit: cases.uploads) and its
    real size."""
    upload.seek(0)
    return upload.read(), upload.size or 0
