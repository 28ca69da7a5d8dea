"""A time limit for integration tests that wait on real workers."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail with TimeoutError instead of hanging (SIGALRM interrupts waits in the main thread)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"integration test still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
