"""The approval gate's one front door: everything other packages may use, and nothing else.

Publishing, the editorial tools, the theme, the commands, tools, benchmarks and tests
import from here only (``tests/test_architecture.py`` fails otherwise), so the modules
behind it can change without breaking their users. Names are loaded on first use: a
settings file that needs only the anchor or the content kinds does not pay for the
signature libraries.

What is here, by concern:

* errors and exit codes: ``KpuError`` (the base of every family in the project),
  ``ExitCode``, the gate's families, ``Finding`` and ``LOGGED_FINDING`` (the log record
  field that carries one);
* settings: the option engine (``options``), ``load_settings``, ``read_settings_file``;
* the clock (``WIB``, ``now``) and the SOP's facts (``ROLE_IDS``, ``KINDS``);
* trust: the roster, the anchor, signatures, the allowed-signers file;
* decisions: ``open_ledger`` (settings file -> roster -> sign-offs), verdicts, ``judge``
  and ``admit``, digests, sign-off records, ``decide`` (and its halves for the approval
  desk, ``prepare_decision`` and ``record_decision``), status rows;
* passkeys: ``sshsig_challenge``, ``sk_public_key``, ``webauthn_signature`` (a WebAuthn
  answer as the OpenSSH signature ssh-keygen verifies), ``origin_refusal``;
* naskah checks: ``check_naskah`` and ``scan_text`` (what a text must fix before anyone
  signs it), ``NEEDS_FIX`` (the verdict state of such an item), ``marker_lines``;
* the approvals provider a theme reads from Pelican's shared context;
* ``run_git``, the one way to ask git;
* the machine's kept tables: ``MachineCache`` (sealed entries), ``cache_key``,
  ``dump_bytes`` and ``load_bytes`` (their JSON, written fast), ``key_text``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> module (under approval_gate) that defines it.
_EXPORTS: dict[str, str] = {
    # errors and exit codes
    **dict.fromkeys(
        (
            "KpuError",
            "ExitCode",
            "GateError",
            "ConfigError",
            "RosterError",
            "AnchorError",
            "SigningError",
            "UnknownItem",
            "Finding",
            "LOGGED_FINDING",
        ),
        "errors",
    ),
    # settings
    **dict.fromkeys(
        ("GateSettings", "load_settings", "read_settings_file", "settings_source"), "settings"
    ),
    # the clock and the SOP's facts
    **dict.fromkeys(("WIB", "now", "settings_now", "moment_words", "wib_text"), "clock"),
    **dict.fromkeys(
        (
            "write_whole",
            "write_new",
            "NEW_FILE",
            "OPEN_FOLDER",
            "READ_STORED",
            "read_stored",
            "read_ahead",
            "reading_ahead",
            "writer_gone",
            "process_alive",
        ),
        "atomic",
    ),
    "MachineCache": "machine_cache",
    **dict.fromkeys(("dump_bytes", "load_bytes", "key_text"), "json_tables"),
    "cache_key": "machine_cache",
    "code_digest": "machine_cache",
    "finish_packs": "machine_cache",
    "packed_keys": "cache_pack",
    **dict.fromkeys(
        (
            "ROLE_IDS",
            "KINDS",
            "CATEGORIES",
            "ContentKind",
            "kind_by_id",
            "kind_fields",
            "number_word",
            "all_of",
        ),
        "sop",
    ),
    # trust: roster, anchor, signatures
    **dict.fromkeys(
        (
            "Roster",
            "Role",
            "Person",
            "PersonKey",
            "Publisher",
            "Holding",
            "DEMO_FINGERPRINTS",
            "UnknownRole",
            "find_role",
        ),
        "roster",
    ),
    **dict.fromkeys(
        (
            "load_roster",
            "check_version",
            "verify_anchor",
        ),
        "roster_file",
    ),
    **dict.fromkeys(
        (
            "DEMO_ANCHOR",
            "pinned_anchor",
            "anchor_file",
            "sign_roster",
            "local_anchor",
            "office_anchor",
            "anchor_origin",
            "missing_anchor_hint",
            "OFFICE_ANCHOR_FILE",
            "PIN_COMMAND",
            "ANCHOR_VARIABLE",
            "pin_anchor",
            "write_office_anchor",
        ),
        "anchor",
    ),
    **dict.fromkeys(
        (
            "SIGNOFF_NAMESPACE",
            "ROSTER_NAMESPACE",
            "GIT_NAMESPACE",
            "ARCHIVE_NAMESPACE",
            "SignatureInvalid",
            "fingerprint",
            "normalise_key",
            "signing_key",
            "sign_with_ssh_keygen",
            "generate_key",
            "KeyRefused",
            "public_key_from_private",
            "Signed",
            "verify_signature",
            "signed_data",
        ),
        "signatures",
    ),
    # passkeys (the approval desk): packing a WebAuthn answer, the gate's policy
    **dict.fromkeys(("sshsig_challenge", "sk_public_key", "webauthn_signature"), "passkey_armor"),
    **dict.fromkeys(("origin_refusal", "origin_problem"), "passkeys"),
    **dict.fromkeys(("explain_ssh_keygen", "ready_demo_key", "DEMO_KEYS"), "keyfiles"),
    **dict.fromkeys(
        ("allowed_signers", "principal", "code_allowed_signers", "publisher_allowed_signers"),
        "allowed",
    ),
    # decisions
    **dict.fromkeys(("Known", "Ledger", "open_ledger", "load_trusted"), "ledger"),
    "write_export_hashes": "export_hashes",
    **dict.fromkeys(("Decision", "Verdict", "admit", "judge"), "rules"),
    **dict.fromkeys(
        (
            "ContentDigest",
            "ContentFiles",
            "content_digest",
            "referenced_files",
            "DIGEST_HEADER",
            "SOURCE_SUFFIXES",
            "Limits",
            "FileRefused",
            "read_regular",
        ),
        "digest",
    ),
    **dict.fromkeys(
        (
            "SignOff",
            "canonical_payload",
            "render_signoff",
            "signoff_path",
            "item_folder",
            "parse_signoff",
            "ARCHIVE_FOLDER",
            "DECISIONS",
            "signoff_fields",
            "SIGNOFF_LIMIT",
        ),
        "records",
    ),
    **dict.fromkeys(("discover_items", "item_name", "existing_item", "FURNITURE_FOLDERS"), "items"),
    **dict.fromkeys(("StatusRow", "StatusView", "site_status", "status_rows"), "status"),
    **dict.fromkeys(
        (
            "Made",
            "decide",
            "public_key_of",
            "PendingDecision",
            "prepare_decision",
            "record_decision",
        ),
        "decide",
    ),
    **dict.fromkeys(
        (
            "NEEDS_FIX",
            "REASON_PREFIX",
            "NaskahRefused",
            "check_naskah",
            "needs_fix_reason",
            "scan_text",
        ),
        "naskah",
    ),
    **dict.fromkeys(("Scan", "marker_lines"), "naskah_text"),
    **dict.fromkeys(("read_item_source",), "naskah_cache"),
    **dict.fromkeys(("Manifest",), "manifest"),
    **dict.fromkeys(("EXPIRY_KEY",), "schedule"),
    **dict.fromkeys(("as_moment", "parse", "YamlProblem"), "yamlfile"),
    # the approvals provider in Pelican's shared context
    **dict.fromkeys(("Approvals", "Entry", "APPROVALS_KEY", "install", "approvals_in"), "provider"),
    # git
    **dict.fromkeys(
        (
            "GitOutput",
            "run_git",
            "git_text",
            "git_lines",
            "GitMissing",
            "git_missing",
            "require_git",
        ),
        "git",
    ),
}

#: Modules exported whole (their names are a vocabulary of their own).
_MODULES = ("options",)

__all__ = sorted([*_EXPORTS, *_MODULES])


def __getattr__(name: str) -> Any:
    """Load an exported name from its module on first use."""
    if name in _MODULES:
        return importlib.import_module(f"{__package__}.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"approval_gate.api has no public name {name!r}")
    value = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # the same names, for type checkers and editors
    from . import options
    from .allowed import (
        allowed_signers,
        code_allowed_signers,
        principal,
        publisher_allowed_signers,
    )
    from .anchor import (
        ANCHOR_VARIABLE,
        DEMO_ANCHOR,
        OFFICE_ANCHOR_FILE,
        PIN_COMMAND,
        anchor_file,
        anchor_origin,
        local_anchor,
        missing_anchor_hint,
        office_anchor,
        pin_anchor,
        write_office_anchor,
        pinned_anchor,
        sign_roster,
    )
    from .atomic import (
        NEW_FILE,
        OPEN_FOLDER,
        READ_STORED,
        process_alive,
        read_ahead,
        read_stored,
        reading_ahead,
        write_new,
        write_whole,
        writer_gone,
    )
    from .cache_pack import packed_keys
    from .json_tables import dump_bytes, key_text, load_bytes
    from .machine_cache import MachineCache, cache_key, code_digest, finish_packs
    from .clock import WIB, moment_words, now, settings_now, wib_text
    from .decide import (
        Made,
        PendingDecision,
        decide,
        prepare_decision,
        public_key_of,
        record_decision,
    )
    from .naskah import (
        NEEDS_FIX,
        REASON_PREFIX,
        NaskahRefused,
        check_naskah,
        needs_fix_reason,
        scan_text,
    )
    from .naskah_text import Scan, marker_lines
    from .naskah_cache import read_item_source
    from .passkey_armor import sk_public_key, sshsig_challenge, webauthn_signature
    from .passkeys import origin_problem, origin_refusal
    from .digest import (
        DIGEST_HEADER,
        SOURCE_SUFFIXES,
        ContentDigest,
        ContentFiles,
        FileRefused,
        Limits,
        content_digest,
        read_regular,
        referenced_files,
    )
    from .errors import (
        AnchorError,
        ConfigError,
        ExitCode,
        Finding,
        GateError,
        KpuError,
        LOGGED_FINDING,
        RosterError,
        SigningError,
        UnknownItem,
    )
    from .git import GitMissing, GitOutput, git_lines, git_missing, git_text, require_git, run_git
    from .items import FURNITURE_FOLDERS, discover_items, existing_item, item_name
    from .export_hashes import write_export_hashes
    from .ledger import Known, Ledger, load_trusted, open_ledger
    from .manifest import Manifest
    from .provider import APPROVALS_KEY, Approvals, Entry, approvals_in, install
    from .records import (
        ARCHIVE_FOLDER,
        DECISIONS,
        SIGNOFF_LIMIT,
        SignOff,
        canonical_payload,
        item_folder,
        parse_signoff,
        render_signoff,
        signoff_fields,
        signoff_path,
    )
    from .roster import (
        DEMO_FINGERPRINTS,
        Holding,
        Person,
        PersonKey,
        Publisher,
        Role,
        Roster,
        UnknownRole,
        find_role,
    )
    from .roster_file import check_version, load_roster, verify_anchor
    from .rules import Decision, Verdict, admit, judge
    from .schedule import EXPIRY_KEY
    from .settings import GateSettings, load_settings, read_settings_file, settings_source
    from .keyfiles import DEMO_KEYS, explain_ssh_keygen, ready_demo_key
    from .signatures import (
        ARCHIVE_NAMESPACE,
        GIT_NAMESPACE,
        ROSTER_NAMESPACE,
        SIGNOFF_NAMESPACE,
        KeyRefused,
        SignatureInvalid,
        Signed,
        fingerprint,
        generate_key,
        normalise_key,
        public_key_from_private,
        sign_with_ssh_keygen,
        signed_data,
        signing_key,
        verify_signature,
    )
    from .sop import (
        CATEGORIES,
        KINDS,
        ROLE_IDS,
        ContentKind,
        all_of,
        kind_by_id,
        kind_fields,
        number_word,
    )
    from .status import StatusRow, StatusView, site_status, status_rows
    from .yamlfile import YamlProblem, as_moment, parse
