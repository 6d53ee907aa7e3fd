"""The ledger: every sign-off of the site read, verified and admitted in one place.

This is the only module that reads ``approvals/``. Signature checks are cached on disk,
keyed by the SHA-256 of each file's path and bytes, so a warm build verifies only the
files that are new; a cold run with many files spreads the checks over all cores.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .digest import ContentDigest, content_digest
from .errors import Finding
from .records import SignOff, item_folder, parse_signoff
from .roster import Roster
from .rules import Decision, Verdict, admit, judge
from .signatures import SIGNOFF_NAMESPACE, SignatureInvalid, signing_key

CACHE_FORMAT = 1
PARALLEL_THRESHOLD = 400


def _verify(job: tuple[str, str]) -> tuple[str | None, str | None]:
    payload, signature = job
    try:
        return signing_key(payload.encode("utf-8"), signature, SIGNOFF_NAMESPACE), None
    except SignatureInvalid as error:
        return None, str(error)


class VerificationCache:
    """Parsed and verified sign-offs by file hash, persisted as JSON outside the output."""

    def __init__(self, folder: Path | None) -> None:
        self.file = folder / "signoffs.json" if folder else None
        self.entries: dict[str, dict[str, str | None]] = {}
        self.used: set[str] = set()
        if self.file and self.file.is_file():
            try:
                data = json.loads(self.file.read_text())
                if data.get("format") == CACHE_FORMAT:
                    self.entries = data["entries"]
            except (ValueError, KeyError, TypeError):
                self.entries = {}  # a broken cache is only a slower build

    def get(self, key: str, path: str) -> SignOff | None:
        """Return the cached sign-off for this file hash, if any."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        self.used.add(key)
        values: dict[str, object] = dict(entry, path=path)
        values["signed_at"] = datetime.fromisoformat(str(entry["signed_at"]))
        return SignOff(**values)  # type: ignore[arg-type]

    def put(self, key: str, signoff: SignOff) -> None:
        """Remember a verified sign-off."""
        entry = asdict(signoff)
        del entry["path"]
        entry["signed_at"] = signoff.signed_at.isoformat()
        self.entries[key] = entry
        self.used.add(key)

    def save(self) -> None:
        """Write the entries used in this run atomically; forget the rest."""
        if not self.file:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        kept = {key: self.entries[key] for key in sorted(self.used)}
        temp = self.file.with_suffix(f".tmp{os.getpid()}")
        temp.write_text(json.dumps({"format": CACHE_FORMAT, "entries": kept}))
        temp.replace(self.file)


def read_signoffs(approvals: Path, cache: VerificationCache
                  ) -> tuple[list[SignOff], list[Finding]]:
    """Read, shape-check and verify every sign-off file under ``approvals``."""
    root = approvals.parent
    done: list[SignOff] = []
    pending: list[tuple[str, SignOff]] = []
    findings: list[Finding] = []
    for file in sorted(approvals.rglob("*")):
        if file.is_dir() or file.parent == approvals:
            continue  # the roster and its signature live at the top
        shown = file.relative_to(root).as_posix()
        if file.suffix != ".yml":
            findings.append(Finding(shown, "Berkas ini bukan berkas persetujuan (.yml).",
                                    "Pindahkan dari folder approvals/."))
            continue
        raw = file.read_bytes()
        rel = file.relative_to(approvals).as_posix()
        key = hashlib.sha256(rel.encode() + b"\0" + raw).hexdigest()
        cached = cache.get(key, shown)
        if cached is not None:
            done.append(cached)
            continue
        try:
            parsed = parse_signoff(shown, rel, raw.decode("utf-8"))
        except UnicodeDecodeError:
            parsed = Finding(shown, "Berkas bukan teks UTF-8.", "Buat keputusan baru.")
        if isinstance(parsed, Finding):
            findings.append(parsed)
        else:
            pending.append((key, parsed))
    jobs = [(s.payload, s.signature) for _, s in pending]
    if len(jobs) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor() as pool:
            results = list(pool.map(_verify, jobs, chunksize=256))
    else:
        results = [_verify(job) for job in jobs]
    for (key, signoff), (signer_key, error) in zip(pending, results, strict=False):
        verified = SignOff(**{**asdict(signoff), "key": signer_key, "signature_error": error})
        cache.put(key, verified)
        done.append(verified)
    cache.save()
    return done, findings


@dataclass
class Ledger:
    """All counted decisions by item, plus the problems found on the way."""

    roster: Roster
    approvals: Path
    content: Path
    now: datetime
    decisions: dict[str, list[Decision]]
    findings: list[Finding] = field(default_factory=list)
    _digests: dict[str, ContentDigest] = field(default_factory=dict, repr=False)

    def digest(self, item: str) -> ContentDigest:
        """Return the item's digest, computed once per ledger (one build or command)."""
        if item not in self._digests:
            self._digests[item] = content_digest(self.content, item)
        return self._digests[item]

    def _concerns(self, finding: Finding, item: str) -> bool:
        if finding.item is not None:
            return finding.item == item
        folder = posixpath.dirname(finding.path).split("/", 1)[-1]
        return folder == item_folder(item)  # a file too broken to name its item

    def verdict(self, item: str, changed_at: datetime | None = None) -> Verdict:
        """Judge ``item`` (a path under content/) at its current digest."""
        digest = self.digest(item)
        verdict = judge(item, digest.value, self.roster.roles,
                        self.decisions.get(item, []), changed_at)
        own = tuple(f for f in self.findings if self._concerns(f, item))
        missing = tuple(Finding(item, f"Lampiran tidak ditemukan: {path}.",
                                "Tambahkan berkasnya atau perbaiki tautannya.", None, item)
                        for path in digest.missing)
        if own or missing:
            verdict = replace(verdict, findings=own + missing + verdict.findings)
        return verdict

    def orphans(self, items: set[str]) -> list[Finding]:
        """Return findings for sign-offs that name no existing item."""
        return [f for f in self.findings
                if not any(self._concerns(f, item) for item in items)] + [
            Finding(d.path, f"Item {d.item!r} tidak ada di folder content/.",
                    "Periksa nama berkasnya; mungkin item itu dipindah atau dihapus.",
                    None, d.item)
            for item, ds in self.decisions.items() if item not in items for d in ds]


def open_ledger(roster: Roster, approvals: Path, content: Path, now: datetime,
                cache_path: Path | None) -> Ledger:
    """Read every sign-off and keep the decisions that count under ``roster``."""
    signoffs, findings = read_signoffs(approvals, VerificationCache(cache_path))
    decisions: dict[str, list[Decision]] = defaultdict(list)
    for signoff in signoffs:
        admitted = admit(signoff, roster, now)
        if isinstance(admitted, Finding):
            findings.append(admitted)
        else:
            decisions[signoff.item].append(admitted)
    return Ledger(roster, approvals, content, now, dict(decisions), findings)


__all__ = ["Ledger", "open_ledger", "read_signoffs", "VerificationCache", "item_folder"]
