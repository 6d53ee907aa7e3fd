"""Rollback for the S3 target: the versions a release replaced, kept in a private bucket.

S3 has no "previous release" to switch back to, so before a release overwrites or
deletes a live object, the old object is copied server-side into the *rollback bucket*
(``<prefix>.kpu-releases/files/<release>/<path>``), and a small record lists what the
release replaced, added and deleted. Rolling back copies those versions back, deletes
what the release added, and forgets the release. The rollback bucket must not be the
site's bucket: it holds pages that were corrected or withdrawn, which readers must not
reach. Only releases that changed something are recorded; the last ``keep`` are kept.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from . import TargetError
from .s3_store import Bucket, each, is_missing, reader_order


class History:
    """The releases recorded for one site (bucket + prefix) in its rollback bucket."""

    def __init__(self, site: Bucket, prefix: str, store: Bucket, keep: int) -> None:
        """``prefix`` is the site's normalised prefix ("" or ending in "/")."""
        self.site = site
        self.prefix = prefix
        self.store = store
        self.keep = keep
        self.base = f"{prefix}.kpu-releases/"

    def _files(self, release: str) -> str:
        return f"{self.base}files/{release}/"

    def _record(self, release: str) -> str:
        return f"{self.base}records/{release}.json"

    def releases(self) -> list[str]:
        """Return the recorded releases, oldest first; the last one is live."""
        index = self.store.get_json(f"{self.base}index.json")
        return list(index["releases"]) if index else []

    def _save(self, releases: list[str]) -> None:
        self.store.put_json(f"{self.base}index.json", {"format": 1, "releases": releases})

    def back_up(self, release: str, rels: list[str]) -> None:
        """Copy the live versions of ``rels`` aside before ``release`` replaces them."""
        each(
            lambda rel: self.store.copy(self.site, self.prefix + rel, self._files(release) + rel),
            rels,
        )

    def record(self, release: str, changes: dict[str, list[str]]) -> None:
        """Remember ``release`` as live, then drop releases beyond ``keep`` and leftovers."""
        self.store.put_json(self._record(release), {"format": 1, "release": release, **changes})
        releases = [name for name in self.releases() if name != release] + [release]
        kept = releases[-self.keep :]
        self._save(kept)
        for old in releases[: -self.keep]:
            self._forget(old)
        for folder in self.store.folders(f"{self.base}files/"):
            if folder not in kept:  # copies of a publish that died before its commit
                self.store.delete_under(self._files(folder))

    def _forget(self, release: str) -> None:
        self.store.delete_under(self._files(release))
        self.store.delete([self._record(release)])

    def rollback(self, to: str) -> str:
        """Undo the releases recorded after ``to``, newest first, until ``to`` is live again."""
        releases = self.releases()
        if to not in releases:
            raise TargetError(
                f"Rilis {to} tidak tercatat di bucket rollback '{self.store.name}' (hanya "
                "rilis yang mengubah sesuatu, sebanyak 'keep' terakhir, yang disimpan), jadi "
                "tidak bisa dikembalikan. Situs yang tayang tidak berubah."
            )
        while releases[-1] != to:
            releases = self._undo(releases)
        return to

    def _undo(self, releases: list[str]) -> list[str]:
        """Restore what the last of ``releases`` replaced, delete what it added, forget it."""
        release = releases[-1]
        record: dict[str, Any] | None = self.store.get_json(self._record(release))
        if record is None:
            raise TargetError(
                f"Catatan rilis {release} tidak ada di bucket rollback "
                f"'{self.store.name}' ({self._record(release)}). Terbitkan "
                "ulang versi sebelumnya: git checkout <commit>, lalu invoke "
                "publish."
            )
        try:
            for group in reader_order(record["replaced"] + record["deleted"]):
                each(
                    lambda rel: self.site.copy(
                        self.store, self._files(release) + rel, self.prefix + rel
                    ),
                    group,
                )
        except ClientError as error:
            if not is_missing(error):
                raise
            raise TargetError(
                f"Salinan lama dari rilis {release} tidak lengkap di bucket "
                f"rollback '{self.store.name}'. Situs belum dikembalikan "
                "seluruhnya; terbitkan ulang versi sebelumnya: git checkout "
                "<commit>, lalu invoke publish."
            ) from error
        self.site.delete([self.prefix + rel for rel in record["added"]])
        self._save(releases[:-1])
        self._forget(release)
        return releases[:-1]
