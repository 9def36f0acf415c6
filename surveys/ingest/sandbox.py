"""Run the reading of an untrusted file in a child process with a memory and a time ceiling (issue 16).

A zip bomb, a file that needs far more memory than any export, or a crash in a C reader (openpyxl's lxml,
pyreadstat's readstat, pyarrow) must end one upload, not the worker that runs it, and never the web process
(which does not read files at all). ``in_child`` forks the calling process; the child sets ``RLIMIT_AS`` (its
address space may grow by ``memory_mb`` over what it inherited), runs ``work`` and sends what it yields back through
a pipe; the parent waits at most ``seconds`` for each message, and kills the child when it is late.

How a child ends, and what the caller gets:
- it yields items: the parent yields them on, in order;
- it raises ``IngestError``: the same ``IngestError`` in the parent (the file's own problem, said by the reader);
- it runs out of memory (``MemoryError``, or the allocator aborts under the ceiling): ``IngestError`` "needs more
  than N MB";
- it is killed by a signal (a segfault in a C reader) or exits: ``IngestError`` "made the reader crash";
- it is late: killed, ``IngestError`` "took longer than N s".

The child never touches the parent's database connection (it runs pure ``surveys.ingest`` code only, and leaves
with ``os._exit``, so no inherited socket is closed or written to). Pure: no Django.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from surveys.ingest.errors import IngestError

_ITEM, _DONE, _REFUSED, _MEMORY, _CRASH = "item", "done", "refused", "memory", "crash"


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 2048  # growth of the child's address space over the parent's (RLIMIT_AS)
    seconds: float = 120.0  # the longest wait for the child's next message (and for its whole run when it yields once)


@dataclass
class ChildStats:
    """What the last child used (filled when it ends): peak resident memory and wall time."""

    peak_rss_mb: float = 0.0
    seconds: float = 0.0
    ended: str = ""
    start_rss_mb: float = 0.0  # the parent's resident memory when it forked (the child starts with those pages)


def _resident_mb() -> float:
    """The process's current resident memory in MB (from /proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except (OSError, ValueError, IndexError):
        return 0.0


def _address_space() -> int:
    """The process's current virtual size in bytes (from /proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _die_with_parent() -> None:
    """Linux: the child is killed when the process that forked it dies (a worker killed mid-read)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(send, work: Callable[..., Iterable[Any]], args: tuple, memory_mb: int) -> None:
    code = 0
    try:
        faulthandler.disable()  # a crash here is reported by the parent, not dumped into the worker's log
        _die_with_parent()
        if memory_mb > 0:
            ceiling = _address_space() + (memory_mb << 20)
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        for item in work(*args):
            send.send((_ITEM, item))
        send.send((_DONE, None))
    except IngestError as exc:
        send.send((_REFUSED, str(exc)))
    except MemoryError:
        send.send((_MEMORY, ""))
    except BaseException as exc:  # noqa: BLE001 - whatever a reader raises ends this child, never the parent
        name = type(exc).__name__
        if "memory" in str(exc).lower() or "bad_alloc" in str(exc):
            send.send((_MEMORY, name))  # pyarrow / C++ allocators report running out as their own errors
        else:
            traceback.print_exc()
            send.send((_CRASH, name))
        code = 1
    finally:
        os._exit(code)


def in_child(
    work: Callable[..., Iterable[Any]], *args: Any, limits: Limits, stats: ChildStats | None = None
) -> Iterator[Any]:
    """Yields what ``work(*args)`` yields, computed in a forked child under ``limits`` (see the module doc)."""
    stats = stats if stats is not None else ChildStats()
    receive, send = multiprocessing.Pipe(duplex=False)
    start = time.monotonic()
    stats.start_rss_mb = _resident_mb()
    pid = os.fork()
    if pid == 0:  # the child
        receive.close()
        _child(send, work, args, limits.memory_mb)
    send.close()
    status: int | None = None
    ended = ""

    def reap() -> int:
        nonlocal status
        if status is None:
            _, status, usage = os.wait4(pid, 0)
            stats.peak_rss_mb = usage.ru_maxrss / 1024  # Linux: KB
        return os.waitstatus_to_exitcode(status)

    try:
        while True:
            if not receive.poll(limits.seconds):
                ended = "timeout"
                raise IngestError(
                    f"Reading the file took longer than {limits.seconds:g} seconds, the limit; it was stopped and "
                    "nothing was imported. Save it as CSV, or split it, and upload again."
                )
            try:
                kind, value = receive.recv()
            except (EOFError, OSError):
                code = reap()
                ended = f"signal {-code}" if code < 0 else f"exit {code}"
                if code == -signal.SIGKILL or (
                    code in (-signal.SIGABRT, -signal.SIGSEGV) and _near_ceiling(stats, limits)
                ):
                    raise IngestError(_memory_message(limits)) from None
                raise IngestError(
                    "The file made the reader crash"
                    + (f" (signal {-code})" if code < 0 else "")
                    + "; nothing was imported. Check that it is a complete, undamaged export (save it again, or as "
                    "CSV) and upload again."
                ) from None
            if kind == _ITEM:
                yield value
                continue
            ended = kind
            if kind == _DONE:
                return
            if kind == _REFUSED:
                raise IngestError(value)
            if kind == _MEMORY:
                raise IngestError(_memory_message(limits))
            raise IngestError(
                f"The file could not be read ({value}); nothing was imported. Check that it is a complete, "
                "undamaged export (save it again, or as CSV) and upload again."
            )
    finally:
        receive.close()
        if status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            reap()
        stats.seconds = time.monotonic() - start
        stats.ended = ended or "stopped"


def _near_ceiling(stats: ChildStats, limits: Limits) -> bool:
    """A child killed by a signal with its resident memory near the ceiling ran out of memory (an allocator that
    aborts instead of raising)."""
    return limits.memory_mb > 0 and stats.peak_rss_mb - stats.start_rss_mb > 0.8 * limits.memory_mb


def in_child_once(work: Callable[..., Any], *args: Any, limits: Limits, stats: ChildStats | None = None) -> Any:
    """``work(*args)``'s one result, computed in a forked child under ``limits``."""
    results = list(in_child(_once, work, args, limits=limits, stats=stats))
    return results[0]


def _once(work: Callable[..., Any], args: tuple) -> Iterator[Any]:
    yield work(*args)


def _memory_message(limits: Limits) -> str:
    return (
        f"Reading the file needs more than {limits.memory_mb:,} MB of memory, the limit; it was stopped and nothing "
        "was imported. Save it as CSV, or split it, and upload again."
    )
