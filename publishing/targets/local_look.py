"""The local target's look at its live release, made by a small process while the audit runs.

Why: a changed-one publish's plan spent about 0.3 s at 5,000 items reading the live
release's hash record and walking the release (a ``stat`` per file) on one core, right
after the audit, another 0.6 s on that core, while the second core idled (issue 12).
Neither needs the other, so the walk now runs in a process of its own while the audit
runs, and the plan takes its answer (``compare``, targets/local.py).

Not a fork of the publishing process: at that moment the audit touches most of that
process's memory, and every page either of two forked processes writes is then held
twice (publishing/side_process.py). The look is a fresh interpreter that imports only
``publishing/tree.py``: it holds the record it is given (packed, 72 bytes a file), its
walk and its answer, 37-46 MB at 10,000 items.

The publishing process reads and checks the record itself (its seal needs this machine's
key) and hands its bytes over as they are; the look only reads the release. Whatever goes
wrong with it (it cannot start, dies, answers nothing or nonsense) costs only time: the
plan then lists the live release itself, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..side_process import SideProcess

#: Lists the release ``ARGS[0]`` with the record on standard input (publishing/tree.py).
_LOOK = """
from pathlib import Path
from publishing.tree import Packed, pack_output
root = Path(ARGS[0])
answer = pack_output(root, Packed.from_wire(root, sys.stdin.buffer.read())).wire()
with ANSWER:
    ANSWER.write(answer)
"""


@dataclass(frozen=True)
class Live:
    """The live release's files as one walk found them, in ``tree.Packed``'s bytes."""

    release: str
    wire: bytes


class LocalLook:
    """The look at release ``release`` (its folder ``root``), started with its record.

    ``recorded`` is the record's ``tree.Packed`` bytes (targets/local_record.py), handed
    over as read; b"" when there is none (the look then hashes every file).
    """

    def __init__(self, release: str, root: Path, recorded: bytes) -> None:
        self.release = release
        self._work = SideProcess(_LOOK, [str(root)], recorded)

    def result(self) -> Live | None:
        """Wait for the look; return what it found, or None (the plan looks itself)."""
        answer = self._work.result()
        return None if answer is None else Live(self.release, answer)

    def cancel(self) -> None:
        """End the look unless it has ended (its answer is no longer wanted)."""
        self._work.cancel()
