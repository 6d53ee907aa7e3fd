"""The theme's per-item helpers keyed by their inputs (site_theme/page_inputs.py, issue 12).

A page key no longer calls ``item_view``/``berbagi`` and keys their results: each helper
declares what its result depends on besides the item's fingerprint, and the key holds
that. These tests take the real helpers of the real theme over a fake item and show, in
milliseconds, that every input they read moves the key exactly when it moves the page
(the rendered text is compared too), that the key never calls the helpers, and that the
scan for linked files finds every URL the helpers resolve.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from PIL import Image
from pelican.settings import read_settings

from render_cache import fingerprints as fp
from render_cache.inputs import PageInputs
from site_theme import enhance, structured, theme
from site_theme.images import Picture, Variant
from site_theme.page_inputs import linked
from sitekit import REPO

PAGE = "berita/rapat/index.html"
TEMPLATE = (
    "{% set v = item_view(article) %}{{ v }}"
    "{% set b = berbagi(article) %}{{ b }}{{ article.title }}"
)
BODY = (
    '<p><img alt="Rapat" src="../../gambar/rapat.png"></p>\n<p><em>Rapat pleno</em></p>\n'
    '<p>Unduh <a href="../../dokumen/hasil.pdf">hasil rapat (PDF)</a> dan '
    '<a href="https://kpu.go.id/">KPU</a>, juga <a href="../lain/">berita lain</a>.</p>'
)


class Wrapper:
    """A category or author as Pelican's URLWrapper shows it."""

    def __init__(self, name: str) -> None:
        self.name, self.slug = name, name.lower()
        self.url, self.save_as = f"kategori/{self.slug}/", f"kategori/{self.slug}/index.html"

    def _normalize_key(self, key: str) -> str:
        return key


class Item:
    """What the templates and helpers read of a Pelican article."""

    default_template = "article"

    def __init__(self) -> None:
        self.relative_source_path = "berita/rapat.md"
        self.content = BODY
        self.summary = "Rapat pleno."
        self.url, self.save_as = "berita/rapat/", PAGE
        self.lang, self.in_default_lang, self.status = "id", True, "published"
        self.title, self.slug, self.template = "Rapat Pleno", "rapat", "article"
        self.category = Wrapper("Berita")
        self.author = Wrapper("KPU")
        self.authors, self.tags, self.translations = [self.author], [], []
        self.metadata = {"title": self.title, "category": self.category}

    def get_siteurl(self) -> str:
        return ""


class Roster:
    def __init__(self, role: str = "Ketua", person: str = "Andi") -> None:
        self.roles = (SimpleNamespace(id="ketua", name=role),)
        self.people = {"andi": SimpleNamespace(name=person)}

    def role(self, role_id: str) -> Any:
        return next((r for r in self.roles if r.id == role_id), None)


class Provider:
    """The gate's provider as the theme and the key read it."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster

    def for_page(self, item: str) -> dict[str, Any]:
        signoff = {"role": "ketua", "signer": "andi", "signed_at": "2026-11-20T10:00:00+07:00"}
        return {"item": item, "digest": "sha256:abc", "signoffs": [signoff]}


@dataclasses.dataclass
class Page:
    """One page of the theme's helpers over a fake item, keyed and rendered."""

    folder: Path
    settings: dict[str, Any]
    build: Any
    env: Environment
    item: Item

    def local(self, **changes: Any) -> dict[str, Any]:
        return {"article": self.item, "approvals": self.build.approvals, "output_file": PAGE}

    def key(self) -> str:
        template = self.env.get_template("article.html")
        return PageInputs(self.settings).key(PAGE, template, self.local())

    def render(self) -> str:
        self.build.views.clear()
        return self.env.get_template("article.html").render(self.local())


def _png(path: Path, size: tuple[int, int]) -> Path:
    Image.new("RGB", size, "white").save(path)
    return path


@pytest.fixture
def page(tmp_path: Path) -> Page:
    settings = read_settings(str(REPO / "pelicanconf.py"))
    build = theme.Build(theme.load_theme_settings(settings), "", None)
    theme._builds[id(settings)] = build
    pdf = tmp_path / "hasil.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 1500)
    build.files = {
        "dokumen/hasil.pdf": pdf,
        "gambar/rapat.png": _png(tmp_path / "rapat.png", (64, 48)),
    }
    build.approvals = Provider(Roster())
    env = Environment(loader=DictLoader({"article.html": TEMPLATE}))
    env.globals.update(theme.make_helpers(settings))
    return Page(tmp_path, settings, build, env, Item())


def _picture(save_as: str) -> Picture:
    variant = Variant("gambar/rapat.640w.webp", 640, 480, "image/webp", "0" * 64)
    fallback = Variant("gambar/rapat.640w.jpg", 640, 480, "image/jpeg", "1" * 64)
    return Picture(
        "berita/rapat.md",
        "gambar/rapat.png",
        "2" * 64,
        save_as,
        64,
        48,
        "3" * 64,
        (variant, fallback),
    )


def _bigger_pdf(page: Page) -> None:
    (page.folder / "hasil.pdf").write_bytes(b"%PDF-1.4\n" + b"x" * 9000)


def _other_image(page: Page) -> None:
    page.build.files["gambar/rapat.png"] = _png(page.folder / "lain.png", (80, 40))


def _no_pdf(page: Page) -> None:
    del page.build.files["dokumen/hasil.pdf"]


def _linked_page_becomes_a_file(page: Page) -> None:
    shutil.copyfile(page.folder / "hasil.pdf", page.folder / "lain.pdf")
    page.build.files["berita/lain"] = page.folder / "lain.pdf"


def _role_renamed(page: Page) -> None:
    page.build.approvals.roster = Roster(role="Ketua KPU")


def _person_renamed(page: Page) -> None:
    page.build.approvals.roster = Roster(person="Andi Wijaya")


def _gallery(page: Page) -> None:
    page.build.settings = dataclasses.replace(page.build.settings, gallery_kinds=("Berita",))
    page.env.globals.update(theme.make_helpers(page.settings))  # made with the settings


def _documents_beside(page: Page) -> None:
    page.build.settings = dataclasses.replace(page.build.settings, document_kinds=("Berita",))
    page.env.globals.update(theme.make_helpers(page.settings))


def _variants(page: Page) -> None:
    page.build.pictures = {"gambar/rapat.png": _picture("gambar/rapat.png")}


CHANGES: list[Callable[[Page], None]] = [
    _bigger_pdf,
    _other_image,
    _no_pdf,
    _linked_page_becomes_a_file,
    _role_renamed,
    _person_renamed,
    _gallery,
    _documents_beside,
    _variants,
]


def test_the_key_holds_the_helpers_inputs_and_never_calls_them(page: Page) -> None:
    key = page.key()
    assert page.build.views == {}  # item_view was not called (it keeps each page's view)
    assert page.key() == key
    page.item.content = BODY  # an equal body (another string object): the same key
    assert page.key() == key


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__.strip("_"))
def test_every_input_of_the_helpers_moves_the_key_with_the_page(
    page: Page, change: Callable[[Page], None]
) -> None:
    key, text = page.key(), page.render()
    change(page)
    assert page.key() != key
    if change is not _linked_page_becomes_a_file:  # the helpers skip a page-less .pdf link
        assert page.render() != text  # a real input: the page shows it


def test_without_a_declaration_the_helpers_result_is_keyed(page: Page) -> None:
    """Another provider than the page's: the helpers run and their result is keyed."""
    page.build.approvals = Provider(Roster())  # not the page's provider (local keeps it)
    local = {"article": page.item, "approvals": Provider(Roster()), "output_file": PAGE}
    template = page.env.get_template("article.html")
    key = PageInputs(page.settings).key(PAGE, template, local)
    assert page.build.views  # called
    _bigger_pdf(page)
    page.build.views.clear()
    assert PageInputs(page.settings).key(PAGE, template, local) != key


BODIES = [
    BODY,
    '<img src="a.png" alt="x"/><img\nsrc="b.png"><a class="k" href="c.pdf">c</a>',
    '<a href="d.pdf"title="t">d</a><img data-src="e.png" src="f.png">',
    "<p>teks src=&quot;g.png&quot; <a href='h.pdf'>h</a></p><a href=\"i%20j.pdf\">i</a>",
    '<img src="k.png?src="><a href="l.pdf#src=">l</a><img alt=">" src="m.png">',
    '<a href="&amp;n.pdf">n</a><table><tr><td><img src="o.png"></td></tr></table>',
]


@pytest.mark.parametrize("body", BODIES)
def test_the_scan_finds_every_url_the_helpers_resolve(body: str) -> None:
    scanned = {html.unescape(u) for u in linked(body)}
    wanted = set()
    for match in enhance._IMG.finditer(body):
        wanted.add(html.unescape(enhance._attrs(match.group(1)).get("src", "")))
    for match in enhance._LINK.finditer(body):
        wanted.add(html.unescape(enhance._attrs(match.group(1)).get("href", "")))
    assert wanted - {""} <= scanned
    assert re.findall(r'(?:src|href)="([^"]*)"', body) == [
        u for u in re.findall(r'(?:src|href)="([^"]*)"', body) if u in linked(body)
    ]


def test_plain_keeps_the_exact_types_of_values_inside_lists_and_mappings() -> None:
    """Plain strings and numbers in a list or dict are taken without a call, nothing else."""

    class Text(str):
        pass

    value = [Markup("<b>"), Text("x"), True, 1, 1.0, None, "s", {"k": Markup("i"), 2: (3,)}]
    assert fp.plain(value) == [
        "list",
        [
            ["M", "<b>"],
            "x",
            True,
            1,
            1.0,
            None,
            "s",
            ["{}", [["k", ["M", "i"]], [2, ["tuple", [3]]]]],
        ],
    ]
    for one, other in (([True], [1]), ({1: 1}, {True: 1}), ([1.0], [1])):
        assert json.dumps(fp.plain(one)) != json.dumps(fp.plain(other))  # as the key holds it


def test_a_key_follows_globals_and_names_read_from_nowhere() -> None:
    texts = {"a.html": "{{ tahun }} {{ SITENAME }} {{ entah }}"}
    env = Environment(loader=DictLoader(texts))
    env.globals["tahun"] = 2026
    template = env.get_template("a.html")

    def key(**local: Any) -> str:
        return PageInputs({"PATH": "."}).key("a.html", template, {"approvals": None, **local})

    first = key(SITENAME="KPU")
    assert key(SITENAME="KPU") == first
    assert key(SITENAME="KPU", entah=None) != first  # read from nowhere, then given
    assert key(SITENAME="KPU", tahun=2026) != first  # a page's value over the global's
    env.globals["tahun"] = 2027
    assert key(SITENAME="KPU") != first


def test_a_page_works_out_its_sharing_once_for_its_head_and_its_links(
    page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    """article.html asks ``berbagi`` in its head block and its footer: one answer, per page."""
    made: list[str] = []
    real = structured.sharing

    def counted(*args: Any) -> Any:
        made.append(args[1].title)
        return real(*args)

    monkeypatch.setattr(structured, "sharing", counted)
    page.env.loader = DictLoader(
        {
            "base.html": (
                "<head>{% block bagikan %}{% endblock %}</head>{% block isi %}{% endblock %}"
            ),
            "article.html": (
                '{% extends "base.html" %}'
                "{% block bagikan %}{% set b = berbagi(article) %}{{ b.jsonld }}{% endblock %}"
                "{% block isi %}{{ berbagi(article).links }}{% endblock %}"
            ),
        }
    )
    first = page.render()
    assert made == ["Rapat Pleno"]
    assert page.render() == first and made == ["Rapat Pleno"]  # the same page again
    other = Item()
    other.title, other.save_as = "Rapat Lain", "berita/lain/index.html"
    local = {**page.local(), "article": other, "output_file": other.save_as}
    page.env.get_template("article.html").render(local)
    assert made == ["Rapat Pleno", "Rapat Lain"]  # another page: its own answer
    assert "Rapat Pleno" in first and "application/ld+json" in first
