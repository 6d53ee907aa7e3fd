"""The desk's front page: what waits for this person, and the way to each task."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template

from .accounts import needs

bp = Blueprint("beranda", __name__)


@bp.get("/")
@needs()
def halaman() -> Any:
    """Show the person's tasks by role (officials: what waits for them first)."""
    return render_template("beranda.html", account=g.account)


@bp.get("/sehat")
def sehat() -> Any:
    """Answer the reverse proxy's and the tests' health check."""
    return {"ok": True}
