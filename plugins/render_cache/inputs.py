"""The inputs of one page, as its cache key: code, settings, templates and the values read.

The writer (pages.py) asks ``PageInputs.key`` for each page it could take from the cache.
What goes into the key is described in docs/rendering.md ("Pages: rendered once per
inputs"); closure.py decides which uses of a value a template may make, fingerprints.py
reduces the values. Work that is the same for every page of a build (the settings, the
code, a template's closure, the globals, the menus) is done once per build.
"""

from __future__ import annotations

import hashlib
from collections import ChainMap
from typing import Any

from jinja2.utils import _PassArg

from approval_gate.api import cache_key, key_text

from . import fingerprints as fp
from .closure import NAMES, Closure, Uncacheable
from .templates import Refused, closure, restored, stored

#: Raise when the key or the entry format changes: older entries then miss.
CODE_VERSION = 5
#: Jinja's own globals that are pure (``lipsum`` is random: a page using it is rendered).
JINJA_PURE = frozenset({"range", "dict", "cycler", "joiner", "namespace"})
#: Values whose identity means their value: encoded once per build and name.
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})
_MENUS = ("categories", "pages")  # the menus' lists (``value``), keyed by what they show
#: Each name's value is encoded on its own (``key``), as ``cache_key`` encodes its parts
#: (``key_text``: canonical JSON, sorted keys, compact, non-ASCII as it is).
_MISSING = key_text(["<tidak ada>"])  # a name neither the page's nor a global


class PageInputs:
    """The cache keys of one build's pages (one instance per writer, so per build)."""

    def __init__(self, settings: dict[str, Any], cache: Any = None) -> None:
        self.settings = settings
        self.cache = cache  # a MachineCache: closures are kept there between builds
        self._base: str | None = None
        self._closures: dict[tuple[int, str], Closure | str] = {}
        self._zero: dict[tuple[int, str], Any] = {}
        self._envs: dict[int, Any] = {}
        # Per build: globals, the menus' lists and wrappers by identity (kept alive here,
        # so an id is never reused while its entry exists).
        self._globals: dict[Any, tuple[Any, str]] = {}
        self._shared: dict[str, tuple[Any, str]] = {}
        self._wrappers: dict[Any, tuple[Any, Any]] = {}  # by class and state (fp.wrapper)
        self._parsed: dict[Any, Any] = {}
        self._items: dict[tuple[int, Any, int], tuple[Any, str]] = {}
        self._fields: dict[tuple[int, int], tuple[Any, str]] = {}
        self._html: dict[tuple[int, str], tuple[Any, str]] = {}  # an item's HTML at an address
        self._results: dict[tuple[Any, ...], tuple[Any, Any]] = {}  # a helper over a list
        self._tokens: dict[str, tuple[Any, str]] = {}  # an immutable value's JSON, by name
        self._orders: dict[int, tuple[Closure, tuple[tuple[str, bool], ...]]] = {}  # sorted
        self._lists: dict[int, tuple[Closure, frozenset[str]]] = {}  # list helpers, by closure

    def base(self) -> str:
        """Return the key parts shared by every page of this build (computed once)."""
        if self._base is None:
            self._base = cache_key(
                CODE_VERSION,
                fp.code_fingerprint("site_theme", __package__ or "render_cache"),
                fp.settings_fingerprint(self.settings),
            )
        return self._base

    def key(self, name: str, template: Any, local: dict[str, Any]) -> str:
        """Return the page's cache key, or raise ``Uncacheable``.

        The key is the sha256 of NUL-separated parts: the build's shared parts, the page's
        name and provider type, then each name the templates read with its value's
        canonical JSON (never holding a NUL: JSON escapes it) or, for a global, ``=`` and
        its fingerprint. Each value is encoded on its own, so a value the same on every
        page (a setting, a menu, a helper's result over a list) is encoded once per build.
        """
        env = template.environment
        found = self.closure(env, template)
        approvals = local.get("approvals")
        provider = f"{type(approvals).__module__}.{type(approvals).__qualname__}"
        parts = [self.base(), self.environment(env), found.digest]
        parts += (key_text(name), key_text(provider))
        tokens, names = self._tokens, env.globals
        for variable, whole in self.order(found):
            parts.append(variable)
            value = local.get(variable, self)  # self: not in the page's context
            if value is self:  # a global's fingerprint, or one constant for neither
                missing = variable not in names
                parts.append(_MISSING if missing else self.global_value(variable, env, found))
            elif whole and type(value) in _IMMUTABLE:
                # Immutable: the same object is the same value, so its text is kept per
                # name for the build (the settings every page reads).
                known = tokens.get(variable)
                if known is None or known[0] is not value:
                    known = tokens[variable] = (value, key_text(value))
                parts.append(known[1])
            else:
                parts.append(key_text(self.value(variable, env, found, local, approvals)))
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def order(self, found: Closure) -> tuple[tuple[str, bool], ...]:
        """Return the closure's names in key order, each with whether ``value`` takes it whole.

        Worked out once per closure and build. Only a name ``value`` takes whole
        (``fp.plain``) may keep an immutable value's text: an item, a listing, the
        provider (``seal()`` is called for every page) or a menu named by a string never.
        """
        known = self._orders.get(id(found))
        if known is None or known[0] is not found:
            order = tuple((n, n not in NAMES and n not in _MENUS) for n in sorted(found.names))
            known = self._orders[id(found)] = (found, order)
        return known[1]

    def global_value(self, variable: str, env: Any, found: Closure) -> str:
        """Return a global's part of the key: ``=`` and its fingerprint, once per build."""
        value = env.globals[variable]
        memo = (id(env), variable, found.calls.get(variable))
        known = self._globals.get(memo)
        if known is None or known[0] is not value:
            known = (value, "=" + cache_key(self.helper(variable, env, found)))
            self._globals[memo] = known
        return str(known[1])

    def shared(self, variable: str, value: Any, work: Any) -> str:
        """Return the fingerprint of a menu list shared by every page, once per build."""
        known = self._shared.get(variable)
        if known is None or known[0] is not value:
            known = (value, cache_key(work()))
            self._shared[variable] = known
        return str(known[1])

    def closure(self, env: Any, template: Any) -> Closure:
        """Return the closure of ``template`` (once per build); unprovable ones raise."""
        memo = (id(env), template.name)
        if memo not in self._closures:
            helpers = frozenset(k for k, v in env.globals.items() if callable(v))
            try:
                if env.get_template(template.name) is not template:
                    raise Uncacheable("templat berubah selama build")
                self._closures[memo] = self._analysed(env, template.name, helpers)
            except Uncacheable as why:
                self._closures[memo] = str(why)
        found = self._closures[memo]
        if isinstance(found, str):
            raise Uncacheable(found)
        return found

    def _analysed(self, env: Any, name: str, helpers: frozenset[str]) -> Closure:
        """Return a closure from the machine cache when its templates' texts are unchanged.

        Parsing and checking the templates was a third of the keys' time in a build that
        renders nothing; the entry holds the analysis and the digest of each template's
        text (templates.restored checks them). An unprovable template's refusal is kept
        the same way (its pages are rendered; the texts that showed it are checked).
        """
        key = cache_key("closure", self.base(), self.environment(env), name, sorted(helpers))
        found = restored(env, self.cache.get(key)) if self.cache is not None else None
        if found is None or name not in found.sources:
            try:
                found = closure(env, name, helpers, self._parsed)
            except Refused as why:
                found = why
            if self.cache is not None:
                self.cache.put(key, stored(found))
        if isinstance(found, Refused):
            raise found
        return found

    def environment(self, env: Any) -> Any:
        """Return the fingerprint of a Jinja environment (once per build)."""
        if id(env) not in self._envs:
            self._envs[id(env)] = cache_key(fp.environment(env))
        return self._envs[id(env)]

    def value(
        self, variable: str, env: Any, found: Closure, local: dict[str, Any], approvals: Any
    ) -> Any:
        """Return the fingerprint of one name the templates read."""
        kind = NAMES.get(variable)
        if variable in local:
            value = local[variable]
            if kind in ("contents", "pageobj", "pagelink", "paginator"):
                return self.listing(variable, kind, value, env, found, local, approvals)
            if kind == "content":
                data: dict[str, Any] = {"item": self.item(value, approvals)}
                for helper, how in sorted(found.calls.items()):
                    if how == "item":  # item_view(article) and the like
                        data[f"={helper}"] = self.item_helper(env, helper, local, value)
                return data
            if kind == "wrapper":
                return fp.wrapper(value, self._wrappers)
            if kind == "periods":
                counts = found.period_counts  # keyed only where a template shows them
                return self.shared(f"{variable}{counts}", value, lambda: fp.periods(value, counts))
            if kind == "provider":
                return value.seal()  # raises before the gate ran, hit or not
            if variable == "categories":
                return self.shared(
                    f"categories{found.counts}",
                    value,
                    lambda: fp.menu_categories(value, found.counts, self._wrappers),
                )
            if variable == "pages":
                return self.shared(variable, value, lambda: fp.menu_pages(value))
            if kind == "theme":
                return fp.theme(value)
            if kind == "logo":
                return fp.logo(value)
            return fp.plain(value)
        if variable in env.globals:
            return self.helper(variable, env, found)
        return ["<tidak ada>"]

    def item(self, value: Any, approvals: Any) -> str:
        """Return an item's fingerprint (closure.KINDS "content"), once per build and siteurl.

        Its HTML and summary are resolved against the page's ``localsiteurl`` (relative
        URLs), so that is part of the memo's key; the item is kept alive with its answer.
        """
        memo = (id(value), value.get_siteurl(), id(approvals))
        known = self._items.get(memo)
        if known is None or known[0] is not value:
            fields = self.fields(value, approvals)
            html = fp.content_html(value)  # two hex digests: joined, never ambiguous
            known = (value, fp.digest(f"{fields}\0{html['content']}\0{html['summary']}"))
            self._items[memo] = known
        return str(known[1])

    def html_at(self, value: Any, siteurl: str) -> str:
        """Return the digest of an item's HTML as resolved at ``siteurl`` (a feed's address).

        Once per build and address: an item is in up to seven feeds (all items, its
        category and author, Atom and RSS, its language), and resolving its links again
        for each was a third of a cached feed's key.
        """
        memo = (id(value), siteurl)
        known = self._html.get(memo)
        if known is None or known[0] is not value:
            known = self._html[memo] = (value, fp.feed_html(value, siteurl))
        return str(known[1])

    def fields(self, value: Any, approvals: Any) -> str:
        """Return the digest of what any page or feed shows of an item but its HTML.

        Once per build: the same whatever the page's siteurl (``fp.content_fields``).
        """
        memo = (id(value), id(approvals))
        same = self._fields.get(memo)
        if same is None or same[0] is not value:
            data = fp.content_fields(value, approvals, self._wrappers)
            same = (value, fp.digest(key_text([data])))  # cache_key(data)
            self._fields[memo] = same
        return str(same[1])

    def listing(
        self,
        variable: str,
        kind: str,
        value: Any,
        env: Any,
        found: Closure,
        local: dict[str, Any],
        approvals: Any,
    ) -> Any:
        """Return a listing's page, paginator or whole list as far as the templates read it."""
        if value is None:
            return None
        if kind == "paginator":
            return [value.num_pages, value.count, value.per_page]
        if kind in ("pageobj", "pagelink"):
            page = [value.number, value.url, value.save_as]
            if kind == "pageobj":  # the first page's count (site_theme/paging.py)
                page.append(getattr(value, "total", None))
            if variable in found.whole:  # its items are shown (not only its address)
                page.append([self.item(a, approvals) for a in value.object_list])
            return page
        if not isinstance(value, (list, tuple)):
            raise Uncacheable(f"daftar {variable}")
        data: dict[str, Any] = {}  # only handed to helpers: keyed where called (calls.py)
        if variable in found.sized or variable in found.whole:
            data["len"] = len(value)
        if variable in found.whole:
            data["items"] = [self.item(a, approvals) for a in value]
        return data

    def list_helpers(self, template: Any) -> frozenset[str]:
        """Return the helpers ``template``'s closure calls with a whole list (calls.py)."""
        found = self.closure(template.environment, template)
        known = self._lists.get(id(found))
        if known is None or known[0] is not found:
            helpers = frozenset(h for h, how in found.calls.items() if how == "list")
            known = self._lists[id(found)] = (found, helpers)
        return known[1]

    def called_key(self, static: str, calls: list[list[str]], template: Any, local: Any) -> str:
        """Return the key of a page's entry: its static key, its call record, each result.

        ``calls`` (calls.py): the list helpers the render called, each with the name of
        the page's list it was given; each result is worked out now, as it was keyed
        before it was keyed per call (an item's fingerprint and the rest as plain data).
        """
        env, approvals = template.environment, local.get("approvals")
        parts = [static, key_text(calls)]
        for helper, variable in calls:
            value = local.get(variable)
            if not isinstance(value, (list, tuple)):
                raise Uncacheable(f"daftar {variable}")
            memo = (id(env), helper, id(value), value[0].get_siteurl() if value else "")
            known = self._results.get(memo)
            if known is None or known[0] is not value:
                result = self._call(env, helper, local, value)
                reduced = [[self.item(a, approvals), fp.plain(rest)] for a, rest in result]
                # its digest: the same long list on every page, encoded once per build
                known = self._results[memo] = (value, fp.digest(key_text(reduced)))
            parts.append(str(known[1]))
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def helper(self, variable: str, env: Any, found: Closure) -> Any:
        """Return a global's fingerprint: a value, a pure helper, a no-argument result."""
        value = env.globals[variable]
        if not callable(value):
            kind = NAMES.get(variable)
            return (
                fp.theme(value)
                if kind == "theme"
                else fp.logo(value)
                if kind == "logo"
                else fp.plain(value)
            )
        how = found.calls.get(variable)
        module = getattr(value, "__module__", "") or ""
        qualname = getattr(value, "__qualname__", "")
        if how == "zero" and module == "site_theme.theme":
            memo = (id(env), variable)
            if memo not in self._zero:
                self._zero[memo] = fp.plain(value())
            return ["=", self._zero[memo]]
        if module.startswith("site_theme.") and how in ("item", "list", "args", None):
            return ["fn", module, qualname]  # pure, or checked in closure.py (item_view, menus)
        if variable in JINJA_PURE and module in ("builtins", "jinja2.utils"):
            return ["fn", module, qualname]
        raise Uncacheable(f"helper {variable}")

    def item_helper(self, env: Any, helper: str, local: dict[str, Any], item: Any) -> Any:
        """Return a theme helper's part of the key for the page's item: its inputs or result.

        A helper may declare what its result depends on besides the item's fingerprint,
        which the key holds beside it (``page_inputs``, with the helper's arguments:
        site_theme/page_inputs.py); those inputs are keyed and the helper is not called.
        Without a declaration, or when it cannot tell (None), the result is keyed.
        ``"<"`` marks inputs: no result reduces to a list starting with it (``fp.plain``
        starts every list with its type's name).
        """
        function = env.globals[helper]
        declared = getattr(function, "page_inputs", None)
        if declared is not None and getattr(function, "__module__", "") == "site_theme.theme":
            found = declared(ChainMap(local, env.globals), item)  # the page's context
            if found is not None:
                return ["<", fp.plain(found)]
        return fp.plain(self._call(env, helper, local, item))

    def _call(self, env: Any, helper: str, local: dict[str, Any], item: Any) -> Any:
        """Return what a theme helper gives for the page's item, as the template calls it."""
        function = env.globals[helper]
        if getattr(function, "__module__", "") != "site_theme.theme":
            raise Uncacheable(f"helper {helper}")
        if _PassArg.from_obj(function) is _PassArg.context:
            memo = (id(env), "\0kosong")
            if memo not in self._zero:
                self._zero[memo] = env.from_string("")
            # The page's context as rendering sees it (its values over the globals), as
            # a view: copying every global and value per page cost more than the call.
            view = ChainMap(local, env.globals)
            return function(self._zero[memo].new_context(view, shared=True), item)
        if _PassArg.from_obj(function) is not None:
            raise Uncacheable(f"helper {helper}")
        return function(item)
