"""A gated build that fails closed: a fresh folder, a manifest check, then one swap.

Pelican is run as a child process into a new, empty staging folder with a fresh build
id (pelican_run.py). Its output replaces the target folder only when Pelican exited
cleanly and its result (data written by pelican_child.py, never its log text) reports no
error, and the gate's manifest for exactly this build id says every stage of the gate
ran. Otherwise the staging folder is deleted and the previous output stays as it was.

A full disk or a read-only folder (``var/``, ``output/``, the staging folder) fails the
build with exit code 17 and the path, whichever process found it. Ctrl-C or SIGTERM
during the swap is held until the swap is done (publishing/interrupts.py), so
``output/`` is always the old build or the new one. The Pelican child dies with its
parent, and a staging folder a killed build left behind is removed by the next build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approval_gate.api import ExitCode, MachineCache, dump_bytes, process_alive

from . import compress_store, heap, interrupts
from .audit import audit_output
from .compress import OFF, Compression, compress_output, configured
from .compress_ahead import CopiesAhead
from .failpoints import failpoint
from .faults import is_storage
from .inventory import Sealed
from .item_notice import NOTICE
from .pelican_run import (
    SKIPPED,
    BuildFailed,
    WarmChild,
    judge_result,
    read_manifest,
    read_result,
    run_pelican,
    storage_text,
)
from .search import FOLDER, SearchIndexError, index_site
from .search_ahead import IndexAhead
from .settled import Settled
from .targets import Looking
from .tree import Listing, OutputFile, list_output, rooted

__all__ = [
    "SKIPPED",
    "BuildFailed",
    "BuildResult",
    "build_site",
    "judge_result",
    "read_manifest",
    "read_result",
    "run_pelican",
]


@dataclass(frozen=True)
class BuildResult:
    """A successful gated build."""

    output: Path
    manifest: dict[str, Any]
    log: str
    #: Every output file, hashed once for the whole publish (publishing/tree.py).
    files: Mapping[str, OutputFile] = field(default_factory=dict)
    #: Wall seconds of the build's parts ("build.pelican": the child, "build.after":
    #: index, compressed copies and audit), for bench/ (``PublishResult.seconds``).
    seconds: Mapping[str, float] = field(default_factory=dict)
    #: What plugins warned about files whose items were still published (the theme's
    #: unreadable dates and statuses), as ``Finding.as_dict()`` rows (publishing/problems.py).
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: What ``look_ahead`` found while the audit ran (``Target.ahead``), or None.
    ahead: Any = None


#: Build manifests kept in ``var/builds/`` (the last good one is also ``gate-manifest.json``).
#: Each lists every item with its sign-offs: 6.2 MB at 5,000 items, so 50 held 300 MB;
#: what was published is kept by the publication archive, not here.
MANIFESTS_KEPT = 10


def _prune(builds: Path, keep: int = MANIFESTS_KEPT) -> None:
    """Keep the newest ``keep`` build manifests (the archive keeps what was published)."""
    done = sorted(builds.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in done[:-keep]:
        old.unlink(missing_ok=True)


def _keep_manifest(manifest: Path, state: Path) -> None:
    """Copy the manifest to ``gate-manifest.json`` and prune old ones, once output is in place.

    A copy for people and tests, after the swap: a full disk here must not turn a build
    that is already in place into a failure that claims nothing was replaced.
    """
    try:
        shutil.copyfile(manifest, state / "gate-manifest.json")
        _prune(manifest.parent)
    except OSError as error:
        if not is_storage(error):
            raise


def _swap(staging: Path, output: Path) -> None:
    """Put ``staging`` in place of ``output``: the old output or the new, never neither."""
    old = output.with_name(f".{output.name}.old-{os.getpid()}")
    with interrupts.held():
        if output.exists():
            output.rename(old)
        try:
            staging.rename(output)
        except OSError:
            if old.exists():
                old.rename(output)
            raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _clear_stale(output: Path) -> None:
    """Remove the staging and old folders of builds killed beside ``output`` (dead pids)."""
    for stale in output.parent.glob(f".{output.name}.*-*"):
        kind, _, owner = stale.name.removeprefix(f".{output.name}.").partition("-")
        if kind in ("staging", "old") and owner.split("-")[0].isdigit():
            if not process_alive(int(owner.split("-")[0])):
                shutil.rmtree(stale, ignore_errors=True)


def _listed(
    staging: Path,
    manifest: dict[str, Any],
    state: Path,
    how: Compression,
    search: bool,
    log: str,
    early: Mapping[str, OutputFile] | None = None,
    ahead: CopiesAhead | None = None,
) -> Listing:
    """Index and compress the output; return its complete listing, each file hashed once.

    The output is walked twice: once hashed for the search index, once (stat only) after
    the last write, a listing the audit, the plan and the deploy take as it is
    (``tree.fresh``). Between them only the index's own folder is listed, for compression.
    ``early``: the files hashed while Pelican ran (settled.py), reused while unchanged;
    ``ahead``: the compressed copies linked meanwhile (compress_ahead.py).
    """
    files: Mapping[str, OutputFile] = list_output(staging, early)
    try:
        if search:  # the search index is made from the gated output only; its files listed
            files = {**files, **index_site(staging, manifest, state / "pagefind-cache", files)}
    except SearchIndexError as error:
        raise BuildFailed(error.message, log + error.log, exit_code=error.exit_code) from None
    # Pelican and Pagefind have ended: buffers are reused from here, not mapped anew (heap.py)
    heap.reuse_large_blocks()
    if how.enabled:  # .gz/.br beside the text files, audited below (publishing/compress.py)
        index = list_output(staging, files, under=FOLDER)  # what the index wrote, listed
        files = {rel: f for rel, f in files.items() if not rel.startswith(f"{FOLDER}/")} | index
        copies = compress_output(staging, files, how, ahead).files  # listed as written
        files = {**files, **copies}
    return list_output(staging, known=files)


def _ahead(
    search: bool, staging: Path, folder: Path, state: Path, settled: Settled
) -> contextlib.AbstractContextManager[object]:
    """Index the item pages ahead while the child runs (search_ahead.py), when searching."""
    if not search:
        return contextlib.nullcontext()
    return IndexAhead(staging, folder / NOTICE, state / "pagefind-cache", settled.files)


def _nothing() -> None:
    """Stand in for a warmer that was never started."""


def _beside(look_ahead: Callable[[], Looking | None] | None) -> Looking | None:
    """Start the target's look at its live site, to run while the audit runs here.

    Why: the audit (0.6 s at 5,000 items) and the plan's walk of the live release are
    both Python on one core and neither needs the other (issue 12): the local target
    walks in a small process of its own (targets/local_look.py). A look that cannot
    start only leaves the plan to look itself, as it did before.
    """
    if look_ahead is None:
        return None
    try:
        return look_ahead()
    except OSError:  # the plan looks again and says what is wrong
        return None


def build_site(
    settings_file: Path,
    output: Path,
    env: dict[str, str] | None = None,
    state_dir: Path | None = None,
    allow_demo_keys: bool = True,
    search: bool = True,
    extra: Mapping[str, Any] | None = None,
    amend: Callable[[dict[str, Any]], None] | None = None,
    sealed: Sealed | None = None,
    compression: Compression | None = None,
    warm: WarmChild | None = None,
    look_ahead: Callable[[], Looking | None] | None = None,
) -> BuildResult:
    """Build the gated site into ``output``, replacing it only when the gate vouches.

    Each build's manifest goes to ``state_dir/builds/<id>.json``; the last good one is
    copied to ``state_dir/gate-manifest.json``. The output is audited (audit.py) before
    it replaces anything; ``allow_demo_keys=False`` also refuses a demo-key build.
    ``search=False`` skips the search index (only bench/gate_bench.py, which measures
    the gate alone; the audit still refuses any search index it finds). ``extra``
    settings override the file's; ``amend`` may add to the manifest before the search
    index and the audit read it (a sealed publish adds the items it left out).
    ``sealed`` (a sealed publish's input) makes the audit account for every output file.
    ``compression`` (a publish's choice) defaults to the settings file's; ``search=False``
    writes no compressed copies either. ``warm``: a Pelican child a publish started
    earlier (pelican_run.py ``WarmChild``), used if it fits. ``look_ahead`` (a target's:
    the live site as its plan will need it) is started before the audit and runs while
    the output is audited (``_beside``); its answer is ``BuildResult.ahead``.
    """
    build_id = uuid.uuid4().hex
    # read before the build, so a wrong PUBLISH_COMPRESS stops it before Pelican runs
    how = compression or (configured(settings_file, env, extra) if search else OFF)
    state = state_dir or settings_file.parent / "var"
    manifest_path = state / "builds" / f"{build_id}.json"
    staging = output.with_name(f".{output.name}.staging-{os.getpid()}-{build_id[:12]}")
    heap.return_large_blocks()  # freed large blocks leave the process until the search index
    copies_ahead: Callable[[], None] = _nothing  # joined however the build ends
    compressing = how if search else OFF
    linked: CopiesAhead | None = None  # its store closed however the build ends
    beside: Looking | None = None  # the target's look, ended however the build ends
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        _clear_stale(output)
        with tempfile.TemporaryDirectory(prefix=".pelican-result-") as folder:
            result = Path(folder) / "result.json"
            started = time.perf_counter()
            with (
                Settled(staging) as settled,  # hashed meanwhile (settled.py)
                _ahead(search, staging, Path(folder), state, settled),  # search_ahead.py
                CopiesAhead(staging, Path(folder) / NOTICE, compressing, settled.files) as linked,
            ):
                done = run_pelican(
                    settings_file, staging, build_id, manifest_path, result, env, extra, warm
                )
            ended = time.perf_counter()
            outcome = read_result(result)
        # the kept copies read ahead from the disk while the output is listed and indexed
        copies_ahead = compress_store.read_kept_ahead(
            compressing.cache if compressing.enabled else None
        )
        log = done.stdout + done.stderr
        failpoint("build")  # Pelican has written the staging folder; nothing checked yet
        skipped = judge_result(outcome, done.returncode, log)
        try:
            manifest = read_manifest(manifest_path, build_id)
        except BuildFailed as error:
            raise BuildFailed(error.message, log) from None
        if skipped:
            manifest["excluded"] = sorted(
                manifest["excluded"] + skipped, key=lambda entry: entry["item"]
            )
        if amend is not None:
            amend(manifest)
        if skipped or amend is not None:
            manifest_path.write_bytes(dump_bytes(manifest) + b"\n")
        files = _listed(staging, manifest, state, compressing, search, log, settled.files, linked)
        copies_ahead()  # the copies are placed: nothing more to read ahead for them
        copies_ahead = _nothing
        beside = _beside(look_ahead)  # on the second core while the audit runs
        findings = audit_output(
            staging,
            manifest,
            build_id,
            allow_demo_keys,
            sealed,
            files=files,
            cache=MachineCache(state / "audit-cache", "audit"),
        )
        if findings:
            report = "\n".join(f"  {f.render()}" for f in findings[:50])
            raise BuildFailed(
                f"Audit hasil build menemukan {len(findings)} masalah; tidak ada "
                f"yang diterbitkan:\n{report}",
                log,
            )
        failpoint("audit")  # audited, not yet moved into place
        _swap(staging, output)
        _keep_manifest(manifest_path, state)
        seconds = {"build.pelican": ended - started, "build.after": time.perf_counter() - ended}
        warnings = list(outcome["warnings"]) if outcome else []
        ahead, beside = beside.result() if beside is not None else None, None
        listing = rooted(files, output)
        return BuildResult(output, manifest, log, listing, seconds, warnings, ahead)
    except OSError as error:
        if not is_storage(error):
            raise
        raise BuildFailed(
            storage_text(error.errno or 0, str(error.filename or output)),
            exit_code=ExitCode.STORAGE,
        ) from None
    finally:
        if beside is not None:  # a failed build: no plan will use what it finds
            beside.cancel()
        copies_ahead()
        if linked is not None:  # the copies' store, if the build failed before compressing
            linked.close()
        if staging.exists():
            shutil.rmtree(staging)
