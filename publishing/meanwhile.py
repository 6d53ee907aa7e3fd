"""Work done in a second thread while the main thread does its own, never outliving it.

After the Pelican child exits, the second core is idle while the publishing process
makes system calls one at a time, such as the deploy's links of a release
(docs/publishing.md, "After Pelican: the second core"). ``alongside`` runs a piece of
work that releases the GIL in its system calls (linking, reading, hashing) in a worker
thread while the main thread runs another.

The errors are exactly those of doing both one after the other, the main thread's
first: the main thread's work keeps Ctrl-C and its own error handling (it is not moved
into a thread), a failure there stops the worker (``stop`` is set; the work checks it
between files) and the worker is always joined before anything is raised or returned,
so nothing writes into a folder the caller is about to remove. The worker's own error
(a full disk, with its path) is raised in the main thread as it was raised, and a
worker that ended without finishing or failing fails closed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WorkerLost(RuntimeError):
    """The worker thread ended without finishing its work or raising an error."""


def alongside(work: Callable[[threading.Event], None], main: Callable[[], T]) -> T:
    """Run ``work(stop)`` in a worker thread while ``main()`` runs here; return main's result.

    ``work`` must return soon after ``stop`` is set (it is set when ``main`` fails or the
    wait for the worker is interrupted).
    """
    stop = threading.Event()
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            work(stop)
        except BaseException as error:  # raised in the main thread below
            outcome.append(error)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, name="kpu-meanwhile", daemon=True)
    worker.start()
    try:
        result = main()
        worker.join()
    except BaseException:  # main's error (or Ctrl-C while waiting) wins, as it came first
        stop.set()
        worker.join()
        raise
    if not outcome:
        raise WorkerLost("pekerjaan latar berhenti tanpa hasil")
    if outcome[0] is not None:
        raise outcome[0]
    return result
