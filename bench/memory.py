"""Peak resident memory of a process tree, read from /proc (Linux), for the benchmarks.

``VmHWM`` is the kernel's high-water mark of a process's resident set: read once at the end of
a run, it gives the peak during the run without sampling. A gunicorn or Celery master forks its
workers, so the peak of a tree is reported per process and as the largest single worker.
"""

from pathlib import Path


def _status_kib(pid: int, field: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def children_of(pid: int) -> list[int]:
    """Every descendant of ``pid`` (children first, then theirs)."""
    found: list[int] = []
    queue = [pid]
    while queue:
        parent = queue.pop(0)
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for kid in map(int, kids):
                if kid not in found:
                    found.append(kid)
                    queue.append(kid)
    return found


def peak_rss(pid: int) -> dict[str, object]:
    """Peak resident memory (MiB) of ``pid`` and of each descendant still alive, by VmHWM.

    ``max_mib`` is the largest single process: the number to compare with a worker's memory
    limit. Processes that already exited are not counted (read this before stopping them).
    """
    processes = {}
    for each in [pid, *children_of(pid)]:
        kib = _status_kib(each, "VmHWM")
        if kib is not None:
            processes[each] = round(kib / 1024, 1)
    return {
        "pid": pid,
        "processes_mib": processes,
        "max_mib": max(processes.values(), default=0.0),
        "sum_mib": round(sum(processes.values()), 1),
    }


def self_peak_mib() -> float:
    """Peak resident memory of the calling process, MiB."""
    import os

    return round((_status_kib(os.getpid(), "VmHWM") or 0) / 1024, 1)
