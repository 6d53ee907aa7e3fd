"""The desk as a WSGI application: settings, store, security headers, pages.

``create_app`` is the one place the desk is put together; each page family is a Flask
blueprint in its own module (``login``, ``writing``, ``officials``, ``push``,
``publishing``). What holds for every response is set here: the Content-Security-Policy
(no inline script, no foreign origin: a writer's Markdown can never run script in the
desk's origin, where it could ask a passkey to sign another payload), the other security
headers, the session and CSRF checks, and errors as a page in Indonesian.

An unexpected error (a bug, a full disk under the SQLite file) is logged with its
traceback under a short reference (``kode galat``) and the time, in the output of
``invoke meja``; the page shows the person only what to do and that reference, so the
web admin can find the log line without the page ever showing internals.
"""

from __future__ import annotations

import secrets
from types import TracebackType
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from approval_gate.api import ROLE_IDS, moment_words, now, wib_text

from . import accounts
from .errors import Refused
from .settings import DeskSettings
from .store import Store

#: The desk's own pages: scripts and styles from the desk only, frames from the desk only
#: (the item preview is served by the desk with a sandbox policy of its own).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Not "no-referrer": under it browsers send "Origin: null" with the desk's own form
    # and fetch POSTs, which the CSRF check must refuse; foreign sites still get nothing.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
#: Endpoints that serve the desk's own files (styles, scripts, icons, the service worker):
#: the same bytes for everyone, so they never look up the session. A broken store then
#: still gets its error page (and the login page) styled.
ASSETS = frozenset({"static", "notifikasi.service_worker"})  # push.py: /sw.js
#: Largest request (a .docx with its pictures, or attachments): 40 MB.
MAX_UPLOAD = 40 * 1024 * 1024
ROLE_NAMES = {"penulis": "Penulis"}
ExcInfo = tuple[type, BaseException, TracebackType] | tuple[None, None, None]


class _Desk(Flask):
    """Flask, logging each unexpected error under the reference its error page shows."""

    def log_exception(self, exc_info: ExcInfo) -> None:
        """Log the traceback under a new ``kode galat`` (Flask calls this before the page)."""
        _log_unexpected(self, exc_info)


def _log_unexpected(app: Flask, exc_info: ExcInfo | None) -> None:
    """Log one unexpected error with a new reference and the time, both kept in ``g``."""
    g.error_reference, g.error_moment = secrets.token_hex(4).upper(), now()
    app.logger.error(
        "Galat tak terduga (kode %s, %s) pada %s %s",
        g.error_reference,
        wib_text(g.error_moment),
        request.method,
        request.path,
        exc_info=exc_info,
    )


def create_app(settings: DeskSettings, **config: Any) -> Flask:
    """Return the desk for ``settings`` (``config``: extra Flask config, tests only)."""
    app = _Desk("desk", root_path=str(__import__("pathlib").Path(__file__).parent))
    app.config.update(
        MEJA_SETTINGS=settings,
        MEJA_STORE=Store(settings.data / "meja.sqlite3"),
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.config.update(config)
    app.jinja_env.globals.update(role_ids=ROLE_IDS)

    @app.before_request
    def _session() -> None:
        if request.endpoint in ASSETS:
            g.account, g.csrf = None, None  # no store: a file, the same for everyone
            return
        accounts.load_session()
        accounts.check_csrf()

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        if g.get("account") is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(Refused)
    def _refused(error: Refused) -> Any:
        return _error_page(error.message, error.hint, error.status)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        texts = {
            404: "Halaman tidak ditemukan.",
            405: "Cara membuka halaman ini tidak diizinkan.",
            413: "Berkas terlalu besar (paling besar 40 MB).",
        }
        return _error_page(
            texts.get(error.code or 500, "Permintaan tidak dapat dilayani."), "", error.code or 500
        )

    @app.errorhandler(InternalServerError)
    def _unexpected(error: InternalServerError) -> Any:
        if "error_reference" not in g:  # abort(500) without an exception: log it all the same
            _log_unexpected(app, None)
        reference, moment = g.error_reference, g.error_moment
        return _error_page(
            "Permintaan tidak dapat dilayani.",
            f"Silakan coba lagi beberapa saat lagi. Bila tetap gagal, beri tahu Web Admin "
            f"kode galat {reference} dan waktunya, {moment_words(moment)}.",
            500,
            note=f"Untuk Web Admin: rinciannya tercatat di keluaran (log) 'invoke meja' pada "
            f"waktu itu, di baris yang memuat kode {reference}.",
        )

    from . import home, login, officials, people, publishing, push, writing

    for module in (home, login, writing, officials, push, publishing, people):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _endpoints() -> dict[str, Any]:
        return {"url_rules": set(app.view_functions)}

    return app


def _error_page(message: str, hint: str, status: int, note: str = "") -> Any:
    """Answer an error as the page or, to a script, as ``{galat, saran}``."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"galat": message, "saran": " ".join(filter(None, (hint, note)))}), status
    return render_template("galat.html", message=message, hint=hint, note=note), status
