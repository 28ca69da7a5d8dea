"""Uploads are read into memory only, and only up to the document size limit (R43).

Django's default handlers spool a large upload to a temporary file: plaintext of an ID or a
court order left on the server's disk. This handler keeps every upload in memory and stops
keeping bytes one past ``HARBOR_DOCUMENT_MAX_BYTES``, while still counting the rest, so the
service sees the real size and refuses it in words instead of a truncated file slipping by.
"""

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers


class BoundedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.kept = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = settings.HARBOR_DOCUMENT_MAX_BYTES + 1 - self.kept
        if room > 0:
            self.file.write(raw_data[:room])
            self.kept += min(len(raw_data), room)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def read_upload(upload: UploadedFile) -> tuple[bytes, int]:
    """The upload's bytes as kept (at most one past the limit) and its real size, for the
    services, which judge a file on its content."""
    upload.seek(0)
    return upload.read(), upload.size or 0
