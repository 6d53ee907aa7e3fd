"""Provenance: what each page says about its approval, and the public record behind it.

Everything here starts from the gate's own list of admitted items (``gate.approved``),
never from the content folder, so an item the gate left out has no entry to show.

The public record is one small file per published item, ``persetujuan/catatan/<id>.json``
(``piece_path``: ``<id>`` is the first 20 hex digits of the SHA-256 of the item's path),
linked from the item's page: the item's content digest, the files that digest covers, and
each sign-off: role, signer, time, the signed payload and the SSH signature. One file per
item, because a single site-wide file (20 MB at 5,000 items) was sent again whole on every
change; a piece holds nothing of other items, so an unchanged item's piece is the same
bytes in every build and is never sent again. The payload is carried base64-encoded: the
signature is over exact bytes, and base64 keeps them exact through any JSON tool; it also
keeps raw sign-off text out of the output, where the audit treats it as a leak. Anyone can
check a sign-off with ``ssh-keygen -Y verify`` and the published ``allowed_signers``
(docs/theme.md, and the site's page ``/persetujuan/``).

With a render cache the pieces' bytes are kept as read-only files named by their SHA-256
in the render cache's page store and hard-linked into the output, each read back and
checked against its name (render_cache/page_files.py): a new file per item on every build
cost half a second per 1,000 items (docs/rendering.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from approval_gate.api import (
    DIGEST_HEADER,
    ROSTER_NAMESPACE,
    SIGNOFF_NAMESPACE,
    ContentFiles,
    Finding,
    GateError,
    MachineCache,
    Roster,
    SignatureInvalid,
    cache_key,
    fingerprint,
    load_bytes,
    parse_signoff,
    principal,
    signing_key,
)
from render_cache.page_files import PageFiles, read_back, write_fresh
from render_cache.prune import by_last_use

RECORD_FORMAT = "kpu-rembang-catatan-item-1"
#: The folder of the per-item pieces; nothing else is ever written into it.
PIECES_FOLDER = "persetujuan/catatan"
SIGNERS_PATH = "persetujuan/allowed_signers"
#: The verified roster, its signature and the anchor's public key, for the browser check
#: (``/persetujuan/periksa/``): the same bytes the gate verified, published beside
#: ``allowed_signers``; publishing/provenance.py accepts exactly these.
ROSTER_PATH = "persetujuan/roster.yml"
ROSTER_SIG_PATH = "persetujuan/roster.yml.sig"
ANCHOR_KEY_PATH = "persetujuan/jangkar.pub"
#: The site-wide record of earlier versions: removed from an output that still has it.
OLD_RECORD_PATH = "persetujuan/catatan.json"
#: Pieces kept between builds (in RENDER_CACHE_PATH); raise when a piece is made differently.
PIECE_CACHE = by_last_use("catatan")  # touched when read: kept while builds read it
PIECE_VERSION = 1


def piece_path(item: str) -> str:
    """Return the output path of an item's provenance piece (stable while its path is)."""
    return f"{PIECES_FOLDER}/{hashlib.sha256(item.encode('utf-8')).hexdigest()[:20]}.json"


@dataclass(frozen=True)
class SignOffView:
    """One sign-off as a page shows it."""

    role: str
    name: str
    signed_at: datetime


def signoffs_for_page(entry: Mapping[str, Any], roster: Roster) -> list[SignOffView]:
    """Return an included item's sign-offs in SOP order, with role and person names."""
    views = []
    for signoff in entry["signoffs"]:
        role = roster.role(signoff["role"])
        person = roster.people.get(signoff["signer"])
        views.append(
            SignOffView(
                role.name if role else signoff["role"],
                person.name if person else signoff["signer"],
                datetime.fromisoformat(signoff["signed_at"]),
            )
        )
    return views


def _signed(
    approvals: Path, entry: Mapping[str, Any], signoff: Mapping[str, Any]
) -> tuple[str, str]:
    """Return ``(payload, signature)`` of a counted sign-off, re-read from its file.

    The gate names each file ``<approvals folder name>/<path under it>``; such a name is
    cut with plain strings (pathlib's joins were half of this at 20,000 sign-offs, a
    first publish at 5,000 items); any other goes the long way, as before.
    """
    shown = signoff["file"]
    prefix = approvals.name + "/"
    if shown.startswith(prefix):
        rel = shown[len(prefix) :]
        path = os.path.join(approvals, rel)
    else:
        whole = approvals.parent / shown
        rel, path = whole.relative_to(approvals).as_posix(), str(whole)
    try:
        with open(path, encoding="utf-8") as stream:  # as Path.read_text reads it
            text = stream.read()
        parsed = parse_signoff(shown, rel, text)
    except OSError as error:
        raise GateError(
            f"Berkas persetujuan tidak dapat dibaca untuk catatan publik: {error}.",
            path=signoff["file"],
            hint="Jangan ubah folder approvals/ selama build; jalankan lagi.",
        ) from None
    if (
        isinstance(parsed, Finding)
        or parsed.item != entry["item"]
        or parsed.digest != entry["digest"]
        or parsed.role != signoff["role"]
        or parsed.signer != signoff["signer"]
        or parsed.signed_at.isoformat() != signoff["signed_at"]
    ):
        raise GateError(
            "Berkas persetujuan berubah selama build; catatan publik tidak dapat dibuat.",
            path=signoff["file"],
            hint="Jangan ubah folder approvals/ selama build; jalankan lagi.",
        )
    return parsed.payload, parsed.signature


def _files(
    content: Path, entry: Mapping[str, Any], urls: Mapping[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    """Return the item source's SHA-256 and the covered files, checked against the digest."""
    reader = ContentFiles(content)
    source_sha, refs = reader.source(entry["item"])
    lines = [DIGEST_HEADER, f"{source_sha}  {entry['item']}\n"]
    files = []
    for ref in refs:
        sha = reader.sha256(ref)
        lines.append(f"{sha or 'MISSING'}  {ref}\n")
        files.append({"path": ref, "sha256": sha, "url": urls.get(ref)})
    value = "sha256:" + hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    if value != entry["digest"]:
        raise GateError(
            "Isi item berubah selama build; catatan publik tidak dapat dibuat.",
            path=f"content/{entry['item']}",
            hint="Jalankan build lagi.",
        )
    return source_sha, files


def verify_time(moment: str) -> str:
    """Return a sign-off time as ``ssh-keygen -O verify-time=`` takes it (UTC)."""
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def _signoffs(
    approvals: Path, entry: Mapping[str, Any], roster: Roster, with_names: bool
) -> list[dict[str, Any]]:
    """Return an item's sign-offs as its piece shows them, payloads and signatures re-read."""
    signoffs = []
    for signoff in entry["signoffs"]:
        payload, signature = _signed(approvals, entry, signoff)
        shown: dict[str, Any] = {"role": signoff["role"], "signer": signoff["signer"]}
        if with_names:
            person = roster.people.get(signoff["signer"])
            shown["name"] = person.name if person else signoff["signer"]
        shown.update(
            {
                "signed_at": signoff["signed_at"],
                "principal": principal(signoff["signer"], signoff["role"]),
                "verify_time": verify_time(signoff["signed_at"]),
                "payload_base64": base64.b64encode(payload.encode("utf-8")).decode("ascii"),
                "signature": signature.strip() + "\n",
            }
        )
        signoffs.append(shown)
    return signoffs


def public_record(
    items: Mapping[str, Mapping[str, Any]],
    roster: Roster,
    approvals: Path,
    content: Path,
    titles: Mapping[str, str],
    urls: Mapping[str, str],
    site: str,
    with_names: bool,
    cache: MachineCache | None = None,
) -> Mapping[str, bytes]:
    """Return the pieces of the public record (their bytes as written), by output path.

    ``titles`` maps item paths to titles; ``urls`` maps content-relative file paths to
    their URLs on the site. Names of officials are included only when ``with_names``
    (the same choice as on the pages, ``SITE_PROVENANCE``). Each piece carries what a
    reader needs to check it alone: the roster version and anchor, the namespace and
    the roles, beside the item. With a ``cache`` (the machine's, sealed with its key) an
    item whose inputs are unchanged is not re-read and re-hashed: at 5,000 items that
    was 20,000 sign-off files and every attachment on every build. A piece is made when
    it is read (``Pieces``), so writing them holds one at a time, not all of them.
    """
    common = {
        "format": RECORD_FORMAT,
        "site": site,
        "roster": {"version": roster.version, "anchor": roster.anchor},
        "namespace": SIGNOFF_NAMESPACE,
        "allowed_signers": "../allowed_signers",
        "roles": [{"id": r.id, "name": r.name, "step": r.step} for r in roster.roles],
    }

    def piece(item: str) -> bytes:
        entry = items[item]
        key = cache_key(PIECE_VERSION, common, with_names, entry, titles.get(item, ""))
        data = _cached(cache, key, entry, urls) if cache is not None else None
        if data is None:
            source_sha, files = _files(content, entry, urls)
            made = {
                **common,
                "item": item,
                "title": titles.get(item, ""),
                "url": entry["url"],
                "lang": entry["lang"],
                "digest": entry["digest"],
                "source_sha256": source_sha,
                "files": files,
                "signoffs": _signoffs(approvals, entry, roster, with_names),
            }
            data = piece_bytes(made)
            if cache is not None:
                cache.put(key, data)
        return data

    return Pieces(piece, items)


class Pieces(Mapping[str, bytes]):
    """The record's pieces by output path, each made (or taken from the cache) when read.

    Held together, the pieces' bytes (about 4 KB an item) were the Pelican child's peak
    after its last page (19 MB more at 10,000 items, docs/publishing.md); written as
    they are made, one piece is held at a time. Reading a piece twice makes it twice.
    """

    def __init__(self, make: Callable[[str], bytes], items: Iterable[str]) -> None:
        self._make = make
        self._items = {piece_path(item): item for item in sorted(items)}

    def __getitem__(self, path: str) -> bytes:
        return self._make(self._items[path])

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _cached(
    cache: MachineCache, key: str, entry: Mapping[str, Any], urls: Mapping[str, str]
) -> bytes | None:
    """Return the piece's bytes kept for exactly these inputs, or None (made again).

    The key holds the gate's entry (item, digest, address, each counted sign-off's role,
    signer, time and file), the title, the roster's version and the site: whatever a
    piece says. The digest fixes the item's bytes and so the files it covers; their
    addresses come from this build's settings and are compared here. The bytes are
    returned as kept (``piece_bytes`` made them), not encoded again.
    """
    data = cache.get(key)
    try:
        piece = load_bytes(data) if data is not None else None
    except ValueError:
        return None
    if not isinstance(piece, dict) or piece.get("item") != entry["item"]:
        return None
    if piece.get("digest") != entry["digest"] or not isinstance(piece.get("files"), list):
        return None
    for covered in piece["files"]:
        if not isinstance(covered, dict) or urls.get(covered.get("path", "")) != covered.get("url"):
            return None
    return data if isinstance(data, bytes) else None


def piece_bytes(piece: Mapping[str, Any]) -> bytes:
    """Return a piece as it is written: the same piece, the same bytes, every build."""
    return (json.dumps(piece, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def roster_files(approvals: Path, roster: Roster) -> dict[str, bytes]:
    """Return the published roster, its signature and the anchor key, by output path.

    The bytes are the roster files of the gate's approvals folder (in a sealed publish,
    the sealed input's), checked again here: the signature must be the anchor's over
    exactly these bytes and the version the gate's, or the build stops. The anchor's
    public key is the one inside that signature (the gate compared its fingerprint with
    the anchor), written as one OpenSSH line.
    """
    try:
        raw = (approvals / "roster.yml").read_bytes()
        signature = (approvals / "roster.yml.sig").read_bytes()
        key = signing_key(raw, signature.decode("utf-8"), ROSTER_NAMESPACE)
        version = yaml.safe_load(raw).get("version")
    except (OSError, UnicodeDecodeError, SignatureInvalid, yaml.YAMLError, AttributeError):
        key, version = "", None
    if not key or fingerprint(key) != roster.anchor or version != roster.version:
        raise GateError(
            "Roster berubah selama build; roster publik tidak dapat diterbitkan.",
            path=roster.path,
            hint="Jangan ubah folder approvals/ selama build; jalankan lagi.",
        )
    return {
        ROSTER_PATH: raw,
        ROSTER_SIG_PATH: signature,
        ANCHOR_KEY_PATH: f"{key}\n".encode("ascii"),
    }


def write_record(
    output: Path,
    record: Mapping[str, bytes],
    signers: str,
    published: Mapping[str, bytes] | None = None,
    store: Path | None = None,
) -> None:
    """Write the pieces, the allowed-signers file and ``published`` into the site's output.

    Whatever else is in the pieces' folder (an output kept from an earlier build, an
    item since withdrawn) is removed, and the site-wide record of earlier versions too.
    ``published`` is ``roster_files``: the roster, its signature and the anchor key.
    With ``store`` (the render cache folder) each piece is linked from the page store.
    """
    folder = output / PIECES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {Path(path).name for path in record}
    for stale in folder.iterdir():
        if stale.name not in wanted:
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale)
            else:
                stale.unlink()
    (output / OLD_RECORD_PATH).unlink(missing_ok=True)
    _write_pieces(output, record, PageFiles(store) if store is not None else None)
    # New files, never written through one already there (it may be a static file
    # linked from the export's blob store: publishing/publish.py, _linkable).
    write_fresh(str(output / SIGNERS_PATH), signers.encode("utf-8"))
    for path, data in (published or {}).items():
        write_fresh(str(output / path), data)


def _write_pieces(output: Path, record: Mapping[str, bytes], files: PageFiles | None) -> None:
    """Put each piece at its path: linked from ``files`` when kept there, else written.

    A linked piece is read back and must hash to its name (``PageFiles.place``), so a
    damaged stored file is replaced, never published. Without a store, a piece already
    there with the same bytes is left alone; any other is replaced by a new file, never
    written through (it may be a link to a stored file).
    """
    base = str(output)
    try:
        for path, data in record.items():
            target = os.path.join(base, path)
            if files is not None:
                if files.place(hashlib.sha256(data).hexdigest(), target) is None:
                    files.store(data, target)
            elif read_back(target) != data:
                write_fresh(target, data)
    finally:
        if files is not None:
            files.close()
