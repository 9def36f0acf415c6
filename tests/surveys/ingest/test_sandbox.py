"""The child process that reads untrusted files (surveys.ingest.sandbox): its results come back in order, and a
child that runs out of memory, crashes, hangs or refuses the file ends as an IngestError in the caller, which
lives on (pure: no database)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from surveys.ingest import IngestError
from surveys.ingest.sandbox import ChildStats, Limits, in_child, in_child_once

LIMITS = Limits(memory_mb=256, seconds=2)


def _count(n: int):
    yield from range(n)


def _hog() -> int:
    return len(bytearray(2 << 30))  # 2 GB, far over the ceiling


def _segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)  # what a crash in a C reader looks like


def _hang() -> None:
    time.sleep(30)


def _refuse() -> None:
    raise IngestError("The file is empty.")


def test_results_come_back_in_order_with_the_childs_figures():
    stats = ChildStats()
    assert list(in_child(_count, 5, limits=LIMITS, stats=stats)) == [0, 1, 2, 3, 4]
    assert stats.ended == "done" and stats.peak_rss_mb > 0


@pytest.mark.parametrize(
    ("work", "message", "ended"),
    [
        (_hog, "needs more than 256 MB of memory, the limit", "memory"),
        (_segfault, "made the reader crash (signal 11)", "signal 11"),
        (_hang, "took longer than 2 seconds, the limit", "timeout"),
        (_refuse, "The file is empty.", "refused"),
    ],
    ids=["memory", "crash", "hang", "refusal"],
)
def test_a_child_that_fails_ends_as_a_message_and_the_caller_lives(work, message, ended):
    stats = ChildStats()
    started = time.monotonic()
    with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        in_child_once(work, limits=LIMITS, stats=stats)
    assert stats.ended == ended
    assert time.monotonic() - started < 5
    assert in_child_once(sum, [1, 2, 3], limits=LIMITS) == 6  # this process goes on


def test_a_generator_left_early_stops_its_child():
    chunks = in_child(_count, 10**9, limits=LIMITS)
    assert next(chunks) == 0
    chunks.close()  # the import stopped storing (an error): the child is killed and reaped, not left running
    assert in_child_once(sum, [1], limits=LIMITS) == 1
