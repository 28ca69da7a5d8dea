"""Domain errors raised by the services of cases/; the doors turn them into 400s."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError


class TransitionNotAllowed(ValidationError):
    """A state-machine move that the current status does not allow."""

    def __init__(self, *, record: str, current: str, target: str, allowed: Iterable[str]) -> None:
        self.allowed = sorted(allowed)
        names = ", ".join(self.allowed) or "none (final state)"
        super().__init__(
            f"A {record} cannot move from '{current}' to '{target}'. Allowed from '{current}': "
            f"{names}.",
            code="transition_not_allowed",
        )


def check_transition(
    *, record: str, current: str, target: str, moves: dict[str, frozenset[str]]
) -> None:
    """Raise TransitionNotAllowed unless ``moves`` lists ``current -> target``."""
    allowed = moves.get(current, frozenset())
    if target not in allowed:
        raise TransitionNotAllowed(record=record, current=current, target=target, allowed=allowed)
