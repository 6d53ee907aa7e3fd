"""Pages rendered once per their inputs: a writer that reuses a page whose inputs are unchanged.

Rendering every page again was a third of a build although a publish changes a few.
Each page gets a key: the code, the settings, the text of its template and every
template it pulls in, the approvals provider's type, and a fingerprint of each value
its templates read (inputs.py; closure.py decides what they may read, fingerprints.py
reduces the values). A page whose key has an entry (sealed with the machine key) is the
stored file that entry names, hard-linked into the output and checked (page_files.py);
``content_written`` is sent as for a rendered page, so the sitemap and
the gate see the same build. Paginated listings go through Pelican's own paginated
loop (re-done here) and are cached page by page. A page whose inputs cannot all be
fingerprinted (whole-list pages such as archives, unknown values) is always rendered. With
``RENDER_CACHE_VERIFY = True`` (or ``KPU_RENDER_CACHE_VERIFY=1``) every hit is rendered
too and compared: a difference stops the build. Feeds are kept the same way, keyed by
their items (feeds.py). Each build records the keys it looked up, and every few builds
what the last ones did not use is removed (prune.py). See docs/rendering.md.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pelican import signals, writers
from pelican.utils import get_relative_path, path_to_url, sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from approval_gate.api import ExitCode, KpuError, MachineCache, finish_packs, settings_source
from approval_gate.api import options as o

from . import calls
from .closure import Uncacheable
from .feeds import Feed, feed_key
from .feeds import render as render_feed
from .folders import FolderMaker, plan
from .inputs import PageInputs
from .page_files import PageFiles, name_in, write_fresh
from .prune import aged, by_last_use, prune, record

logger = logging.getLogger(__name__)

NAMESPACE = "halaman"
#: Each template's closure, checked against its texts (inputs.py); kept while builds read it.
CLOSURES = by_last_use("halaman-templat")
STATS = "halaman-statistik.json"
VERIFY_ENV = "KPU_RENDER_CACHE_VERIFY"
#: Pages rendered between two collections of the two younger generations (``_rendered``).
RENDERS_PER_COLLECTION = 20
OPTIONS = o.OptionSet(
    (o.Option("RENDER_CACHE_VERIFY", "True atau False", o.boolean, default=False),)
)


class CacheMismatch(KpuError):
    """A page from the cache differs from the page rendered now (verify mode)."""

    exit_code = ExitCode.BUILD


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class CachingWriter(Writer):  # type: ignore[misc]
    """Pelican's writer, taking unchanged pages and feeds from the machine's cache."""

    def __init__(self, output_path: str, settings: dict[str, Any] | None = None) -> None:
        super().__init__(output_path, settings=settings)
        folder = Path(str(self.settings["RENDER_CACHE_PATH"]))
        self.cache = MachineCache(folder, NAMESPACE, packed=True)
        values = {"RENDER_CACHE_VERIFY": self.settings.get("RENDER_CACHE_VERIFY")}
        verify = OPTIONS.read(values, settings_source(self.settings))["RENDER_CACHE_VERIFY"]
        self.verify = bool(verify) or os.environ.get(VERIFY_ENV) == "1"
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.seconds: dict[str, float] = {"kunci": 0.0, "render": 0.0, "umpan": 0.0}  # bench/
        self.rendered: list[str] = []  # pages rendered and stored (their inputs changed)
        self.renders = 0  # every page rendered, stored or not (``_rendered``)
        self.feeds: list[str] = []  # feeds made and stored (feeds.py)
        self.folders: set[str] = set()  # output folders made by this build
        closures = MachineCache(folder, CLOSURES, touch=True, packed=True)
        self.inputs = PageInputs(self.settings, closures)
        self.files = PageFiles(folder)  # the pages' bytes, linked into the output
        self.files.warm(self.cache.unchecked_packed)  # read ahead from the disk, meanwhile
        self.maker = FolderMaker(self.output_path)  # the item pages' folders, meanwhile
        self.started = time.time_ns()  # before any entry this build writes (prune.py)
        self.used = bytearray()  # every key looked up, raw: what the prune keeps (prune.py)
        _writers.append(self)

    def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
        """Write one page: from the cache when its inputs are unchanged, else rendered."""
        if not name or args:
            return super().write_file(name, template, context, *args, **kwargs)
        relative_urls = kwargs.pop("relative_urls", False)
        paginated = kwargs.pop("paginated", None)
        template_name = kwargs.pop("template_name", None)
        override = kwargs.pop("override_output", False)
        url = kwargs.pop("url", None)
        if paginated is None:
            paginated = {k: v for k, v in kwargs.items() if k in {"articles", "dates"}}
        if paginated and template_name in self.settings["PAGINATED_TEMPLATES"]:
            self._paginated(
                name,
                template,
                context,
                relative_urls,
                paginated,
                template_name,
                override,
                url,
                kwargs,
            )
            return None
        localcontext = _local(context, name, kwargs, relative_urls)
        self._page(name, template, context, localcontext, override)
        return None

    def _paginated(
        self,
        name: str,
        template: Any,
        context: Any,
        relative_urls: bool,
        paginated: dict[str, Any],
        template_name: str,
        override: bool,
        url: Any,
        kwargs: dict[str, Any],
    ) -> None:
        """Pelican 4.12's paginated loop (``Writer.write_file``), each page through the cache."""
        per_page = (
            self.settings["PAGINATED_TEMPLATES"][template_name]
            or self.settings["DEFAULT_PAGINATION"]
        )
        paginators = {  # the class Pelican's writer would use (site_theme/paging.py)
            key: writers.Paginator(name, url, val, self.settings, per_page)
            for key, val in paginated.items()
        }
        for page_num in range(next(iter(paginators.values())).num_pages):
            paginated_kwargs = kwargs.copy()
            for key, paginator in paginators.items():
                previous_page = paginator.page(page_num) if page_num > 0 else None
                page = paginator.page(page_num + 1)
                next_page = (
                    paginator.page(page_num + 2) if page_num + 1 < paginator.num_pages else None
                )
                paginated_kwargs.update(
                    {
                        f"{key}_paginator": paginator,
                        f"{key}_page": page,
                        f"{key}_previous_page": previous_page,
                        f"{key}_next_page": next_page,
                    }
                )
            localcontext = _local(context, page.save_as, paginated_kwargs, relative_urls)
            self._page(page.save_as, template, context, localcontext, override)

    def _page(
        self, name: str, template: Any, context: Any, local: dict[str, Any], override: bool
    ) -> None:
        """Pelican's ``_write_file`` with the cache in front of ``template.render``."""
        if local["localsiteurl"]:
            context["localsiteurl"] = local["localsiteurl"]
        started = time.perf_counter()
        key = static = self._key(lambda: self.inputs.key(name, template, local))
        helpers = self._key_step(lambda: self.inputs.list_helpers(template)) if static else None
        if static and helpers is None:  # not keyable after all: written as without the cache
            key = static = None
        elif static and helpers:  # keyed by the helpers the last render called (calls.py)
            key = self._called(static, helpers, template, local)
        stored = name_in(self.cache.get(key)) if key else None
        rendering = time.perf_counter()
        self.seconds["kunci"] += rendering - started
        path = sanitised_join(self.output_path, name)
        folder = os.path.dirname(path)
        if folder not in self.folders:  # made once per build (Pelican's makedirs per page)
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        if self._claim(path, override):
            self._write(name, path, key, stored, template, local, static, helpers or None)
        elif not stored:
            template.render(local)  # as Pelican does before writing to os.devnull
        self.seconds["render"] += time.perf_counter() - rendering
        logger.info('Writing "%s"', path)
        signals.content_written.send(path, context=local)

    def _called(
        self, static: str, helpers: frozenset[str], template: Any, local: dict[str, Any]
    ) -> str | None:
        """Return the key of a page's entry from its call record, or None (a miss)."""
        record = calls.record_key(static)
        self.used += bytes.fromhex(record)
        found = calls.decode(self.cache.get(record), helpers)
        if found is None:
            return None
        return self._key(lambda: self.inputs.called_key(static, found, template, local))

    def _write(
        self,
        name: str,
        path: str,
        key: str | None,
        stored: str | None,
        template: Any,
        local: dict[str, Any],
        static: str | None = None,
        helpers: frozenset[str] | None = None,
    ) -> None:
        """Put the page at ``path``: the stored file linked, or rendered (and stored).

        ``helpers`` (with the page's ``static`` key): its template's helpers over a whole
        list; the render notes which it calls, and the entry is keyed by that (calls.py).
        """
        cached = self.files.place(stored, path) if stored else None
        if cached is not None and not self.verify:
            self.counts["dari-cache"] += 1
            return
        if helpers and static:
            recorder = calls.Recorder(helpers, local, template.environment.globals)
            output = template.render({**local, **recorder.shadows}).encode("utf-8")
            key = self._recorded(static, recorder.calls, template, local) if not cached else key
        else:
            output = template.render(local).encode("utf-8")
        self._rendered()
        if cached is not None:  # verify mode: the cache must be exactly right
            if cached != output:
                raise CacheMismatch(
                    f"Halaman {name} dari cache berbeda dengan halaman yang baru "
                    "dirender (RENDER_CACHE_VERIFY); build dihentikan, tidak ada yang "
                    "diterbitkan.",
                    hint="Laporkan ke pengelola situs, lalu hapus folder cache "
                    "(RENDER_CACHE_PATH) dan jalankan lagi.",
                )
            self.counts["dari-cache"] += 1
        elif key:
            self.cache.put(key, self.files.store(output, path).encode("ascii"))
            self.counts["dirender"] += 1
            self.rendered.append(name)
        else:
            write_fresh(path, output)
            self.counts["tanpa-cache"] += 1

    def write_feed(
        self,
        elements: Any,
        context: Any,
        path: str | None = None,
        url: str | None = None,
        feed_type: str = "atom",
        override_output: bool = False,
        feed_title: str | None = None,
    ) -> Any:
        """Write one feed: from the cache when its inputs are unchanged, else made (feeds.py).

        Returns the feed as Pelican's does, or None for a feed taken from the cache (no
        caller of Pelican 4.12 reads it).
        """
        if not path:
            return super().write_feed(
                elements, context, path, url, feed_type, override_output, feed_title
            )
        started = time.perf_counter()
        try:
            feed = Feed(path, url, feed_type, feed_title)
            return self._feed(feed, elements, context, override_output)
        finally:
            self.seconds["umpan"] += time.perf_counter() - started

    def _feed(self, feed: Feed, elements: Any, context: Any, override: bool) -> Any:
        """Pelican's ``write_feed`` with the cache in front of making the feed."""
        key = self._key(lambda: feed_key(self.inputs, feed, elements, context))
        complete = sanitised_join(self.output_path, feed.path)
        os.makedirs(os.path.dirname(complete), exist_ok=True)
        claimed = self._claim(complete, override)
        stored = name_in(self.cache.get(key)) if key and claimed else None
        cached = self.files.place(stored, complete) if stored else None
        if cached is not None and not self.verify:
            self.counts["umpan-dari-cache"] += 1
            logger.info('Writing "%s"', complete)
            return None
        made, data = render_feed(self, feed, elements, context)
        if cached is not None:  # verify mode: the cache must be exactly right
            if cached != data:
                raise CacheMismatch(
                    f"Umpan {feed.path} dari cache berbeda dengan umpan yang baru dibuat "
                    "(RENDER_CACHE_VERIFY); build dihentikan, tidak ada yang diterbitkan.",
                    hint="Laporkan ke pengelola situs, lalu hapus folder cache "
                    "(RENDER_CACHE_PATH) dan jalankan lagi.",
                )
            self.counts["umpan-dari-cache"] += 1
        elif claimed and key:
            self.cache.put(key, self.files.store(data, complete).encode("ascii"))
            self.counts["umpan-dibuat"] += 1
            self.feeds.append(feed.path)
        elif claimed:
            write_fresh(complete, data)
            self.counts["umpan-tanpa-cache"] += 1
        logger.info('Writing "%s"', complete)
        signals.feed_written.send(complete, context=context, feed=made)
        return made

    def _recorded(
        self, static: str, called: calls.Calls | None, template: Any, local: dict[str, Any]
    ) -> str | None:
        """Store the call record of a page just rendered; return its entry's key (or None)."""
        if called is None:
            self.reasons["panggilan daftar"] += 1
            return None
        key = self._key(lambda: self.inputs.called_key(static, called, template, local))
        if key:
            self.cache.put(calls.record_key(static), calls.encode(called))
        return key

    def _key_step(self, make: Callable[[], Any]) -> Any:
        """Return ``make()``, or None when the page cannot be keyed (counted, as ``_key``)."""
        try:
            return make()
        except Uncacheable as why:
            self.reasons[str(why).split(":")[-1].strip() or "?"] += 1
        except Exception as error:  # noqa: BLE001 (unprovable: making it says what is wrong)
            self.reasons[f"galat {type(error).__name__}"] += 1
        return None

    def _key(self, make: Callable[[], str]) -> str | None:
        """Return a page's or feed's key from ``make``, noted as used; None if it has none.

        Why there is none is counted (``alasan_tanpa_cache``); the page or feed is then
        made as without the cache, which reports whatever is really wrong.
        """
        key = self._key_step(make)
        if key:
            self.used += bytes.fromhex(key)
        return key or None

    def _rendered(self) -> None:
        """Free the cycles of the pages rendered lately, every ``RENDERS_PER_COLLECTION``.

        Why: a render leaves reference cycles behind (Jinja's contexts, the modules of
        templates imported ``with context``, their macros), which only the cycle
        collector frees, and the child runs it seldom (publishing/gc_thresholds.py). A
        cycle still in use when a scan of the youngest generation came is moved to an
        older one, and one still in use at a scan of that is kept until a full scan
        (none in most builds): after a change of the theme's code every page is rendered
        again, and at 10,000 items the child ended 17-18 MB larger than when it took the
        pages from the cache, the publish at 406-412 MB against its 400 MB bound
        (docs/publishing.md, "Memory of a publish"). Collecting the two younger
        generations every few renders frees those cycles before they reach the oldest
        (about 1 ms a collection; a publish that renders a few pages makes none or one).
        """
        self.renders += 1
        if not self.renders % RENDERS_PER_COLLECTION:
            gc.collect(1)

    def _claim(self, path: str, override: bool) -> bool:
        """Pelican 4.12's ``_open_w`` checks; False where it would write to ``os.devnull``."""
        if path in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{path}" a second time (was previously overwritten)'
                )
            logger.info('Skipping "%s", not overwriting', path)
            return False
        if path in self._written_files:
            if not override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{path}" as Pelican has already written to it '
                    "previously (set `override=True` if intended)"
                )
            logger.info('Overwriting "%s"', path)
        if override:
            self._overridden_files.add(path)
        self._written_files.add(path)
        return True


def _local(context: Any, name: str, kwargs: dict[str, Any], relative_urls: bool) -> Any:
    """Pelican 4.12's ``_get_localcontext``: the context of one page."""
    localcontext = context.copy()
    localcontext["localsiteurl"] = localcontext.get("localsiteurl", None)
    if relative_urls:
        relative = path_to_url(get_relative_path(name))
        localcontext["SITEURL"] = relative
        localcontext["localsiteurl"] = relative
    localcontext["output_file"] = name
    localcontext.update(kwargs)
    return localcontext


_writers: list[CachingWriter] = []


def on_get_writer(pelican: Any) -> type | None:
    """Hand Pelican the caching writer, unless there is no cache or another writer."""
    if not pelican.settings.get("RENDER_CACHE_PATH"):
        return None
    if any(r is not on_get_writer for r in signals.get_writer.receivers_for(pelican)):
        return None  # the preview's writer (feeds off, watch selection) comes first
    return CachingWriter


def on_finalized(pelican: Any) -> None:
    """End the build's cache packs; say how many pages came from the cache; keep the numbers.

    This plugin comes last in ``PLUGINS``, so its ``finalized`` runs after the theme's;
    the packs (the theme's provenance pieces among them, read before the pages) are ended
    here whichever writer ran (cache_pack.py: a pack opened later is ended by the next
    build).
    """
    started = time.perf_counter()
    packed = finish_packs()
    packing = round(time.perf_counter() - started, 3)
    for writer in list(_writers):
        if writer.settings is not pelican.settings:
            continue
        _writers.remove(writer)
        writer.maker.finish()
        writer.files.close()
        counts = writer.counts
        # Printed like Pelican's own "Done: ..." line: a count, not a warning.
        print(
            f"Halaman: {_number(counts['dari-cache'])} dari cache, "
            f"{_number(counts['dirender'])} dirender, {_number(counts['tanpa-cache'])} tanpa cache",
            flush=True,
        )
        stats: dict[str, Any] = {
            "dari_cache": counts["dari-cache"],
            "dirender": counts["dirender"],
            "tanpa_cache": counts["tanpa-cache"],
            "alasan_tanpa_cache": dict(writer.reasons),
            "halaman_dirender": sorted(writer.rendered),
            "umpan": {
                "dari_cache": counts["umpan-dari-cache"],
                "dibuat": counts["umpan-dibuat"],
                "tanpa_cache": counts["umpan-tanpa-cache"],
                "dibuat_daftar": sorted(writer.feeds),
            },
            "periksa": writer.verify,
            "detik": {part: round(value, 3) for part, value in writer.seconds.items()},
        }
        stats["paket_ditulis"] = packed  # written when they no longer fit
        stats["detik"]["paket"] = packing
        # What the last few builds used is kept; the rest goes (prune.py, every few builds).
        started = time.perf_counter()
        record(writer.cache.folder, writer.started, bytes(writer.used))
        pruned = prune(writer.cache.folder, NAMESPACE, aged())
        if pruned is not None:
            stats["dibuang"] = {"entri": pruned.entries, "berkas": pruned.files}
        stats["detik"]["pangkas"] = round(time.perf_counter() - started, 3)
        _write_stats(writer.cache.folder / STATS, stats)


def _write_stats(path: Path, stats: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n")
        temporary.replace(path)
    except OSError:
        pass  # the numbers are for bench/; a build never fails on them


def register() -> None:
    """Connect the writer and the closing count to Pelican."""
    signals.all_generators_finalized.connect(plan)
    signals.get_writer.connect(on_get_writer)
    signals.finalized.connect(on_finalized)
