"""The build's side of image variants: when they are made, recorded, used and written.

Once the gate has dropped every file only unapproved items link to (Pelican's
``all_generators_finalized``), the images the included items' digests cover are made
(images.py) into a spool folder, recorded in the gate's manifest, and taken out of
Pelican's static files (Pelican must not copy the upload, which may carry GPS). Pages
then show them as ``<picture>`` (pictures.py); at the end of the build (``finalized``)
the spooled files are moved into the output. A provider that keeps no manifest (the
editorial preview) gets no variants: its pages show the images as uploaded.

The spool is a hidden folder inside the build's own output folder (for a publish, its
staging folder), not in the system's temporary folder: a build killed while the pages
are written (its child dies with the publish, and nothing can clean up after SIGKILL)
then leaves the variants only where the next build removes the whole folder, and each
file reaches its place by a rename on the same file system instead of a copy. Were the
spool ever left in an output, the audit would refuse the build (files no item owns).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from approval_gate.api import MachineCache

from .enhance import Resolver
from .images import CACHE_NAMESPACE, Picture, plan
from .pictures import covered_images, picture_tags


def _cache(settings: dict[str, Any]) -> MachineCache | None:
    folder = settings.get("RENDER_CACHE_PATH")
    return MachineCache(Path(folder), CACHE_NAMESPACE, touch=True) if folder else None


#: The spool's name in the output folder (``tempfile.mkdtemp``'s prefix).
SPOOL_PREFIX = ".kpu-gambar-"


def make_pictures(generators: list[Any], build: Any) -> None:
    """Make, record and reserve the variants of every image of an included item."""
    _drop_spool(build)
    build.pictures = {}
    approvals = build.approvals
    if approvals is None or not approvals.derived([]):  # no manifest: no variants
        return
    settings = generators[0].settings
    statics: dict[str, str] = {}
    holders = [g for g in generators if getattr(g, "staticfiles", None)]
    for generator in holders:
        statics.update(source_of(generator.staticfiles))
    content = Path(settings["PATH"])
    covered = covered_images(content, approvals.published(), approvals.covered)
    if not covered:
        return
    output = Path(generators[0].output_path)
    output.mkdir(parents=True, exist_ok=True)
    build.spool = Path(tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=output))
    build.pictures = plan(covered, statics, content, _cache(settings), build.spool)
    approvals.derived([r for p in build.pictures.values() for r in p.records()])
    for generator in holders:  # the stripped copy is served in place of the upload
        generator.staticfiles[:] = [
            s
            for s in generator.staticfiles
            if str(s.save_as).replace("\\", "/") not in build.pictures
        ]


def picture_pass(build: Any, resolver: Resolver, gallery: bool) -> Callable[[str], str] | None:
    """Return what turns an item's images into ``<picture>``s, or None without variants."""
    if not build.pictures:
        return None
    pictures = build.pictures
    return lambda body: picture_tags(body, resolver, pictures, gallery)


def write_pictures(output: Path, build: Any) -> None:
    """Move the spooled stripped copies and variants into the output."""
    if build.spool is None:
        return
    try:
        write(output, build.pictures, build.spool)
    finally:
        _drop_spool(build)


def _drop_spool(build: Any) -> None:
    """Remove the build's spool, whatever is left in it (a build that stopped early)."""
    if build.spool is not None:
        shutil.rmtree(build.spool, ignore_errors=True)
    build.spool = None


def write(output: Path, pictures: Mapping[str, Picture], spool: Path) -> None:
    """Rename each spooled file over its place in the output.

    A rename replaces what is there (an upload Pelican linked from the export) and never
    writes through it.
    """
    for found in pictures.values():
        for rel in [found.save_as, *(v.save_as for v in found.variants)]:
            target = output / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(spool / rel, target)


def source_of(statics: Any) -> dict[str, str]:
    """Return content-relative source -> output path of Pelican static files (duck-typed)."""
    return {
        posixpath.normpath(str(s.relative_source_path).replace("\\", "/")): str(s.save_as).replace(
            "\\", "/"
        )
        for s in statics
    }
