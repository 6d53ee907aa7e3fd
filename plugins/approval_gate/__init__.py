"""Approval gate: publish only what the four SOP officials signed, for the exact text."""


def register() -> None:
    """Connect the gate to Pelican (imported here so the CLI need not load Pelican)."""
    from .gate import register as connect

    connect()


__all__ = ["register"]
