"""The status snapshot's one file: the table's part sealed on its own, the chains after it.

A warm ``invoke status`` shows no chain of decisions, yet the chains are four fifths of
the snapshot (5 MB at 5,000 items). So the file holds two sealed parts: the verdicts
without their chains, which every run reads, then the chains, which only ``--json``
reads. Layout: the table's length (12 ASCII digits), the table's MAC, the table, the
chains' MAC, the chains. The chains' MAC covers the table's MAC too, so the chains of
one snapshot can never be read with the table of another. A part that fails its check
reads as None: the caller judges everything again.
"""

from __future__ import annotations

from pathlib import Path

from .machine_cache import MachineCache

_LENGTH = 12
_MAC = 32


def _chains_name(name: str) -> str:
    return f"{name}#rantai"


def packed(sealer: MachineCache, name: str, table: bytes, chains: bytes) -> bytes:
    """Return the file's bytes for ``table`` and ``chains``, each part sealed."""
    first = sealer.seal(table, name)
    second = sealer.seal(first[:_MAC] + chains, _chains_name(name))
    return b"%012d" % len(table) + first + second[:_MAC] + chains


def read_table(path: Path, sealer: MachineCache, name: str) -> tuple[bytes, bytes] | None:
    """Return the table's MAC and bytes, or None (missing, cut short, failing its check)."""
    try:
        with path.open("rb") as stream:
            length = stream.read(_LENGTH)
            if len(length) != _LENGTH or not length.isdigit():
                return None
            blob = stream.read(_MAC + int(length))
    except OSError:
        return None
    table = sealer.unseal(blob, name)
    return None if table is None else (blob[:_MAC], table)


def read_chains(path: Path, sealer: MachineCache, name: str, table_mac: bytes) -> bytes | None:
    """Return the chains kept with the table whose MAC is ``table_mac``, or None."""
    try:
        with path.open("rb") as stream:
            length = stream.read(_LENGTH)
            if len(length) != _LENGTH or not length.isdigit():
                return None
            stream.seek(_MAC + int(length), 1)
            rest = stream.read()
    except OSError:
        return None
    data = sealer.unseal(rest[:_MAC] + table_mac + rest[_MAC:], _chains_name(name))
    return None if data is None else data[_MAC:]
