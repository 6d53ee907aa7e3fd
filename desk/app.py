"""The desk as a WSGI application: settings, store, security headers, pages.

``create_app`` is the one place the desk is put together; each page family is a Flask
blueprint in its own module (``login``, ``writing``, ``officials``, ``push``,
``publishing``). What holds for every response is set here: the Content-Security-Policy
(no inline script, no foreign origin: a writer's Markdown can never run script in the
desk's origin, where it could ask a passkey to sign another payload), the other security
headers, the session and CSRF checks, and errors as a page in Indonesian.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from approval_gate.api import ROLE_IDS

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
#: Largest request (a .docx with its pictures, or attachments): 40 MB.
MAX_UPLOAD = 40 * 1024 * 1024
ROLE_NAMES = {"penulis": "Penulis"}


def create_app(settings: DeskSettings, **config: Any) -> Flask:
    """Return the desk for ``settings`` (``config``: extra Flask config, tests only)."""
    app = Flask("desk", root_path=str(__import__("pathlib").Path(__file__).parent))
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

    from . import home, login, officials, people, publishing, push, writing

    for module in (home, login, writing, officials, push, publishing, people):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _endpoints() -> dict[str, Any]:
        return {"url_rules": set(app.view_functions)}

    return app


def _error_page(message: str, hint: str, status: int) -> Any:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"galat": message, "saran": hint}), status
    return render_template("galat.html", message=message, hint=hint), status
