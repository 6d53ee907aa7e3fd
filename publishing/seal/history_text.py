"""What the history check says when it refuses: the commits, the files, what to do.

Kept apart from the rules in ``history.py``. Commit subjects, author names and file names
come from the writer, so they are shown with control characters replaced: a refusal
must not be able to rewrite the web admin's terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from publishing.seal import SealError

if TYPE_CHECKING:
    from .history import JudgedCommit

#: The deliberate command that accepts a history (``commands/history.py``).
ACCEPT_COMMAND = 'invoke terima-riwayat --commit {commit} --alasan "..."'
#: How many files of one commit a refusal lists before it only counts the rest.
FILES_SHOWN = 10
#: How many lines (commits or records) a refusal lists before it only counts the rest.
LINES_SHOWN = 20
_VERBS = {"D": "dihapus", "M": "diubah", "T": "diganti jenisnya"}
_SIGNATURE = {
    "N": "tidak bertanda tangan",
    "U": "ditandatangani kunci yang tidak berhak mengubah kode "
    "(bukan pejabat 'code: true' di roster, atau kuncinya dicabut)",
    "B": "tanda tangannya tidak cocok dengan isi commit",
    "E": "tanda tangannya tidak dapat diperiksa",
    "X": "tanda tangannya kedaluwarsa",
    "Y": "kuncinya kedaluwarsa",
    "R": "kuncinya dicabut",
    "G": "tanda tangannya ditolak oleh git verify-commit",
}
CODE_RULE = (
    "Kode dan perabot situs (semua di luar content/ dan approvals/, juga content/static/ "
    "dan content/extra/) hanya boleh berubah lewat commit yang ditandatangani pejabat "
    "yang diberi izin 'code: true' di roster."
)


def short(sha: str) -> str:
    """Return the abbreviation of a commit people read and type (12 hex digits)."""
    return sha[:12]


def shown(text: str, width: int = 0) -> str:
    """Return writer-controlled ``text`` safe for a terminal, cut to ``width`` if given."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean[: width - 1] + "…" if width and len(clean) > width else clean


def _capped(lines: list[str], limit: int, noun: str, indent: str = "  ") -> list[str]:
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"{indent}... dan {len(lines) - limit} {noun} lain"]


def not_forward(start: str, source: str, commit: str, *, known: bool) -> SealError:
    """Return the refusal of a commit that does not descend from the start."""
    where = "terbitan terakhir" if source == "last" else "titik awal yang diterima"
    gone = "" if known else f" Commit {short(start)} tidak ada di repositori ini."
    return SealError(
        f"Riwayat tidak maju dari {where}: commit {short(commit)} bukan turunan dari "
        f"{short(start)}.{gone}",
        hint="Riwayat yang ditulis ulang dapat menghilangkan persetujuan atau penolakan. "
        "Tarik riwayat yang benar (git pull), atau jika penggantian riwayat memang "
        f"disengaja, periksa commit {short(commit)} lalu jalankan: "
        + ACCEPT_COMMAND.format(commit=short(commit)),
    )


def approval_refusal(
    found: Sequence[tuple[str, str, str | None, list[str]]], start: str
) -> SealError:
    """Return the refusal of changed sign-offs: (status, path, commit, [author, subject])."""
    lines = []
    for status, path, sha, about in found:
        verb = _VERBS.get(status, f"diubah ({status})")
        if sha is None:
            lines.append(f"  {shown(path)}: {verb} dibanding {short(start)}")
        else:
            author, subject = (about + ["", ""])[:2]
            lines.append(
                f'  {shown(path)}: {verb} di commit {short(sha)} "{shown(subject, 60)}" '
                f"({shown(author)})"
            )
    return SealError(
        f"Catatan persetujuan hanya boleh bertambah, tetapi sejak {short(start)} ada yang "
        "dihapus atau diubah:\n" + "\n".join(_capped(lines, LINES_SHOWN, "berkas")),
        hint="\nKeputusan (juga 'tolak') tidak ditarik dengan menghapus berkasnya: kembalikan "
        "berkas itu persis seperti semula (git revert <commit>), lalu buat keputusan baru bila "
        "perlu. Arsip publikasi (approvals/_arsip/) juga hanya bertambah. Jika riwayat memang "
        "sengaja diganti: " + ACCEPT_COMMAND.format(commit="<commit>"),
    )


def _commit_lines(entry: JudgedCommit, status: str) -> list[str]:
    reason = _SIGNATURE.get(status, f"tanda tangannya ditolak ({status or '?'})")
    files = [f"      {shown(path)}" for path in entry.code_files]
    return [
        f'  {short(entry.sha)} "{shown(entry.subject, 60)}" oleh {shown(entry.author)}: {reason}',
        *_capped(files, FILES_SHOWN, "berkas", "      "),
    ]


def unsigned_refusal(
    offending: Sequence[tuple[JudgedCommit, str]],
    *,
    no_signers: bool,
    hidden: Sequence[str] = (),
    start: str = "",
) -> SealError:
    """Return the refusal of code changed without a valid signature."""
    if hidden:
        files = [f"  {shown(path)}" for path in hidden]
        return SealError(
            f"Kode situs berbeda dari terbitan {short(start)}, tetapi tidak ada commit jalur "
            "utama (first-parent) yang mengubahnya; sebuah merge membawa versi lain:\n"
            + "\n".join(_capped(files, FILES_SHOWN, "berkas")),
            hint=f"\n{CODE_RULE} Periksa perbedaannya (git diff {short(start)} <commit>), "
            "lalu web admin menerimanya dengan commit bertanda tangan yang mengubah berkas itu, "
            "atau dengan " + ACCEPT_COMMAND.format(commit="<commit>"),
        )
    lines = [line for entry, status in offending for line in _commit_lines(entry, status)]
    nobody = " Roster ini belum memberi izin 'code: true' kepada siapa pun." if no_signers else ""
    return SealError(
        f"Perubahan kode situs tanpa tanda tangan yang sah ({len(offending)} commit):\n"
        + "\n".join(_capped(lines, LINES_SHOWN * 2, "baris")),
        hint=f"\n{CODE_RULE}{nobody} Web admin menandatangani dengan 'git commit -S', atau "
        "menggabungkan perubahan itu sebagai satu merge bertanda tangan ('git merge -S "
        "--no-ff'). Penulis memakai 'git pull --rebase' agar merge mereka tidak membawa "
        "perubahan kode. Lihat docs/signed-code.md.",
    )
