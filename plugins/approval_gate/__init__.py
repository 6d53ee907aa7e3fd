"""Approval gate: publish only what the four SOP officials signed, for the exact text."""

from .gate import register

__all__ = ["register"]
