"""Domain errors raised by the services of cases/; the doors turn them into 400s."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# The records the services move, listed so makemessages finds their names; the message names
# the record in the reader's language (a name not listed here stays as given).
RECORD_NAMES = (
    gettext_noop("case"),
    gettext_noop("case transfer"),
    gettext_noop("consent"),
    gettext_noop("flag"),
    gettext_noop("follow-up"),
    gettext_noop("plan version"),
    gettext_noop("planned service"),
    gettext_noop("referral"),
)


class TransitionNotAllowed(ValidationError):
    """A state-machine move that the current status does not allow."""

    def __init__(self, *, record: str, current: str, target: str, allowed: Iterable[str]) -> None:
        self.allowed = sorted(allowed)
        names = ", ".join(self.allowed) or _("none (final state)")
        super().__init__(
            _(
                "A %(record)s cannot move from '%(current)s' to '%(target)s'. Allowed from "
                "'%(current)s': %(names)s."
            )
            % {"record": _(record), "current": current, "target": target, "names": names},
            code="transition_not_allowed",
        )


def check_transition(
    *, record: str, current: str, target: str, moves: dict[str, frozenset[str]]
) -> None:
    """Raise TransitionNotAllowed unless ``moves`` lists ``current -> target``."""
    allowed = moves.get(current, frozenset())
    if target not in allowed:
        raise TransitionNotAllowed(record=record, current=current, target=target, allowed=allowed)
