"""The embedded mode's Celery broker: kombu's filesystem transport, with atomic writes.

kombu writes a message file in place, so a worker listing the folder at that moment can move
and read an empty file and die on it ("Unrecoverable error: JSONDecodeError"). Here a message
is written under a name the worker ignores and renamed into place once whole.
"""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.partial"  # not "<queue>.msg": the worker skips it
        with open(partial, "wb") as file:
            file.write(str_to_bytes(dumps(payload)))
        os.replace(partial, final)


class Transport(filesystem.Transport):
    Channel = Channel
