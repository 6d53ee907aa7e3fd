"""Commands for writers, approvers and the web admin (``invoke --list``).

The collection's entry point only: invoke collects the tasks imported here. They live
in the ``commands`` package, by who uses them; the rules live in ``plugins/approval_gate``,
the build and publishing in ``publishing``, the editorial tools in ``editorial``.
Failures end with an Indonesian message and an exit code, no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

from commands.approvals import allowed_signers_, approve, keygen, reject  # noqa: E402
from commands.approvals import sign_roster, status_  # noqa: E402
from commands.desk import meja, meja_undang  # noqa: E402
from commands.editorial import new, report, sheet  # noqa: E402
from commands.history import accept_history_  # noqa: E402
from commands.preview import preview, watch  # noqa: E402
from commands.roster import pin_anchor_, setup_roster  # noqa: E402,F401
from commands.site import build, publish, rollback, serve  # noqa: E402

__all__ = [
    "accept_history_",
    "allowed_signers_",
    "approve",
    "build",
    "keygen",
    "meja",
    "meja_undang",
    "new",
    "preview",
    "publish",
    "reject",
    "report",
    "rollback",
    "serve",
    "sheet",
    "sign_roster",
    "status_",
    "watch",
]
