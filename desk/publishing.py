"""The web admin's pages: the publish plan, publishing, rollback and the SOP report.

``/terbit`` shows what a publish would do before anything is done (the dry run's own
answer: published, held with the gate's reason, withdrawn from the live site, the next
scheduled change; ``publish_plan.py``), then runs ``invoke publish`` as a child process
whose output the page follows live (``publish_jobs.py``, ``static/terbit.js``), and
offers ``invoke rollback`` after a confirmation. Nothing of a publish runs in the web
server: the child is the same command the web admin types, with the same flags, so the
desk adds no second way to publish. Invitations, the roster changes awaiting the chair
and the SOP report (``/laporan``) are one tap away.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from markupsafe import Markup

from approval_gate.api import KpuError, now, read_settings_file, run_git

from .accounts import ADMIN, needs
from .errors import Refused
from .publish_jobs import Job, Jobs
from .publish_plan import child_env, demo_site, plan, publish_settings
from .settings import DeskSettings

bp = Blueprint("terbit", __name__)
#: A plan is reused for this long while nothing it depends on changed (HEAD, a job ended).
PLAN_SECONDS = 60
_SETUP = threading.Lock()


class _Place:
    """What the pages need to know once: files, the job list, the plan cache."""

    def __init__(self, settings: DeskSettings) -> None:
        self.settings = settings
        self.publish_file = publish_settings(settings.settings_file)
        try:
            approvals = read_settings_file(settings.settings_file).get(
                "APPROVAL_GATE_APPROVALS_PATH", settings.root / "approvals"
            )
        except KpuError:
            approvals = settings.root / "approvals"
        self.approvals = Path(approvals)
        self.jobs = Jobs(settings.data)
        self.plan_lock = threading.Lock()
        self.plan_cache: tuple[tuple[Any, ...], float, dict[str, Any]] | None = None

    @property
    def demo(self) -> bool:
        """Whether the site is the sample (the ``--demo`` box is offered)."""
        return demo_site(self.approvals)

    def shown_settings(self) -> str:
        """Return the publish settings file as a person names it (relative to the site)."""
        try:
            return str(self.publish_file.relative_to(self.settings.root))
        except ValueError:
            return str(self.publish_file)


def _place() -> _Place:
    with _SETUP:
        place = current_app.config.get("MEJA_TERBIT")
        if place is None:
            place = _Place(current_app.config["MEJA_SETTINGS"])
            current_app.config["MEJA_TERBIT"] = place
    return place  # type: ignore[no-any-return]


def _plan(place: _Place, demo: bool, fresh: bool) -> dict[str, Any]:
    """Return the dry run's plan, reused while HEAD and the finished jobs are the same."""
    head = run_git(place.settings.root, "rev-parse", "HEAD")
    key = (head.stdout.strip() if head else "", demo, place.jobs.finished)
    with place.plan_lock:  # one dry run at a time (each holds the publish lock)
        cached = place.plan_cache
        young = cached is not None and time.monotonic() - cached[1] < PLAN_SECONDS
        if not fresh and cached and cached[0] == key and young:
            return cached[2]
        answer = plan(place.publish_file, demo)
        if "galat" not in answer:
            place.plan_cache = (key, time.monotonic(), answer)
        return answer


def _site(place: _Place, demo: bool) -> str:
    cached = place.plan_cache
    return str(cached[2].get("situs", "")) if cached and cached[2].get("demo") == demo else ""


@bp.get("/terbit")
@needs(ADMIN)
def halaman() -> Any:
    """Show the plan, or the job being followed (``?tugas=``), and the buttons."""
    place = _place()
    asked = request.args.get("tugas", "")
    job = place.jobs.get(asked) if asked else place.jobs.running()
    running = place.jobs.running()
    demo = place.demo
    rencana = None if running else _plan(place, demo, bool(request.args.get("segarkan")))
    return render_template(
        "terbit.html",
        job=job,
        view=job.view() if job else None,
        busy=running is not None,
        rencana=rencana,
        demo=demo,
        settings_name=place.shown_settings(),
        last_month=f"{date.fromordinal(now().date().replace(day=1).toordinal() - 1):%Y-%m}",
    )


def _start(kind: str, demo: bool) -> Job:
    place = _place()
    root = place.settings.root
    task = "publish" if kind == "terbit" else "rollback"
    flags = ["--settings", place.shown_settings(), *(["--demo"] if demo else [])]
    if kind == "terbit":
        flags.append("--kemajuan")  # one line per finished step for #kemajuan
    command = [sys.executable, "-m", "invoke", "-r", str(root), task, *flags]
    return place.jobs.start(
        kind,
        command,
        shown=" ".join(["invoke", task, *flags]),
        cwd=root,
        env=child_env(),
        by=g.account.name,
        demo=demo,
        site=_site(place, demo) if kind == "terbit" else "",
    )


@bp.post("/terbit/mulai")
@needs(ADMIN)
def mulai() -> Any:
    """Start ``invoke publish`` (``--demo`` only for the sample) and follow it."""
    demo = request.form.get("demo") == "1" and _place().demo
    job = _start("terbit", demo)
    return redirect(url_for("terbit.halaman", tugas=job.id), code=303)


@bp.get("/terbit/kembalikan")
@needs(ADMIN)
def konfirmasi() -> Any:
    """Ask once more before the live site goes back to the release before it."""
    return render_template(
        "terbit_kembalikan.html", demo=_place().demo, busy=_place().jobs.running() is not None
    )


@bp.post("/terbit/kembalikan")
@needs(ADMIN)
def kembalikan() -> Any:
    """Start ``invoke rollback`` (the sample's: ``--demo``) and follow it."""
    if request.form.get("yakin") != "1":
        raise Refused(
            "Rollback belum dikonfirmasi.",
            hint="Buka lagi 'Kembalikan rilis sebelumnya', lalu pilih 'Ya, kembalikan'.",
        )
    job = _start("kembalikan", _place().demo)
    return redirect(url_for("terbit.halaman", tugas=job.id), code=303)


@bp.get("/api/terbit/tugas/<job_id>")
@needs(ADMIN)
def tugas(job_id: str) -> Any:
    """Answer the page's script: the job's new lines from ``?dari=`` and its result."""
    job = _place().jobs.get(job_id)
    if job is None:
        raise Refused(
            "Tugas penerbitan itu tidak ditemukan.",
            status=404,
            hint="Muat ulang halaman Terbitkan.",
        )
    try:
        since = max(0, int(request.args.get("dari", "0")))
    except ValueError:
        since = 0
    return job.view(since)


def _month(text: str | None) -> tuple[date, date]:
    """Return the first and last day of ``YYYY-MM`` (default: this month, up to today)."""
    today = now().date()
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    if first == today.replace(day=1):
        return first, today
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


@bp.get("/laporan")
@needs(ADMIN)
def laporan() -> Any:
    """Show the month's SOP report (``invoke report``'s HTML page), ``?bulan=YYYY-MM``."""
    from approval_gate.api import open_ledger

    from editorial.report.inputs import gather
    from editorial.report.period import Period
    from editorial.report.render import report_body

    settings: DeskSettings = current_app.config["MEJA_SETTINGS"]
    first, last = _month(request.args.get("bulan"))
    try:
        ledger = open_ledger(settings.settings_file)
        report, _problems = gather(ledger, settings.root / "var", Period(first, last))
    except KpuError as error:
        raise Refused(f"Laporan SOP tidak dapat dibuat: {error.render()}", status=500) from None
    return render_template(
        "laporan.html", body=Markup(report_body(report)), month=first, today=now().date()
    )
