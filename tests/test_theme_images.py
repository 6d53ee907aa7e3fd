"""Images: resized variants, nothing personal in any served image, audited like every file.

Real sites built in temporary folders with camera-style uploads (tests/imagekit.py: EXIF
with GPS, orientation, XMP, ICC, comments, PNG text), real Pillow, the real audit and a
real sealed publish (tests/publishkit.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from approval_gate.api import MachineCache
from imagekit import SECRET, alpha_png, camera_jpeg, phone_webp
from publishing.audit import audit_output
from publishing.image_audit import UNRECORDED
from publishkit import local_targets, publish_settings, run
from site_theme.images import CACHE_NAMESPACE, entry_key, make, pack
from site_theme.imaging import SPOOL_PREFIX
from site_theme.pictures import SIZES_GALLERY, SIZES_TEXT
from sitekit import REPO, Keys, Site
from test_audit_sealed import sealed_for

#: Whole-site builds: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

GALLERY = "dokumentasi/galeri/index.html"
ARTICLE = "berita/kabar/index.html"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")
VNU = REPO / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _gallery(site: Site) -> None:
    """A Dokumentasi gallery, an article with a photo, and an unapproved item's photo."""
    site.article(
        "dokumentasi/galeri.md",
        "Galeri Kegiatan",
        "Foto kegiatan.\n\n"
        "![Foto pertama, dipotret tegak]({attach}foto-a.jpg)\n\n*Keterangan A.*\n\n"
        "![Logo tembus pandang]({attach}foto-b.png)\n\n*Keterangan B.*\n\n"
        "![Foto dari ponsel]({attach}foto-c.webp)\n\n*Keterangan C.*\n",
        category="Dokumentasi",
        slug="galeri",
    )
    site.attach("dokumentasi/foto-a.jpg", camera_jpeg((1500, 2000), orientation=6))
    site.attach("dokumentasi/foto-b.png", alpha_png())
    site.attach("dokumentasi/foto-c.webp", phone_webp())
    site.approve_all("dokumentasi/galeri.md")
    site.article(
        "berita/kabar.md",
        "Kabar",
        "Isi kabar.\n\n![Suasana rapat]({attach}foto-d.jpg)\n",
        category="Berita",
        slug="kabar",
    )
    site.attach("berita/foto-d.jpg", camera_jpeg((1200, 800), seed=2))
    site.approve_all("berita/kabar.md")
    site.article(
        "berita/rahasia.md",
        "Belum Disetujui",
        "![Foto rahasia]({attach}foto-rahasia.jpg)\n",
        category="Berita",
        slug="rahasia",
    )
    site.attach("berita/foto-rahasia.jpg", camera_jpeg((1000, 700), seed=3))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[tuple[Site, dict]]:
    site = Site(tmp_path_factory.mktemp("gambar") / "site", keys)
    _gallery(site)
    yield site, site.build().manifest


class _Tags(HTMLParser):
    """Every start tag of a page, in order, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _tags(output: Path, page: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed((output / page).read_text(encoding="utf-8"))
    return parser.tags


def _file(output: Path, page: str, url: str) -> Path:
    return output / posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(url)))


def _pictures(output: Path, page: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    """Return ``(source, img)`` attributes of every ``<picture>`` on the page."""
    tags = _tags(output, page)
    found = []
    for at, (tag, _) in enumerate(tags):
        if tag == "picture":
            assert tags[at + 1][0] == "source" and tags[at + 2][0] == "img"
            found.append((tags[at + 1][1], tags[at + 2][1]))
    return found


def _srcset(output: Path, page: str, srcset: str) -> list[tuple[Path, int]]:
    pairs = [entry.strip().rsplit(" ", 1) for entry in srcset.split(",")]
    return [(_file(output, page, url), int(width.removesuffix("w"))) for url, width in pairs]


def _variants(manifest: dict, source: str) -> dict[str, str]:
    return {e["save_as"]: e["sha256"] for e in manifest["derived"] if e["source"] == source}


def test_variants_have_the_right_widths_and_formats(built: tuple[Site, dict]) -> None:
    site, manifest = built
    expected = {
        "dokumentasi/foto-a.jpg": ({480, 640, 960, 1500}, "JPEG"),  # 1500 wide once upright
        "dokumentasi/foto-b.png": ({480, 640, 700}, "PNG"),  # transparency: PNG fallback
        "dokumentasi/foto-c.webp": ({480, 640, 960, 1600}, "JPEG"),
        "berita/foto-d.jpg": ({480, 640, 960, 1200}, "JPEG"),  # never upscaled
    }
    for source, (widths, fallback) in expected.items():
        made = _variants(manifest, source)
        stem = posixpath.splitext(source)[0]
        ext = {"JPEG": "jpg", "PNG": "png"}[fallback]
        names = {f"{stem}.{w}w.{kind}" for w in widths for kind in ("webp", ext)}
        assert set(made) == names | {source}, source
        for rel, sha in made.items():
            data = (site.output / rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sha
            if rel == source:
                continue
            with Image.open(io.BytesIO(data)) as image:
                assert image.width == int(rel.rsplit(".", 2)[1].removesuffix("w"))
                assert image.format == ("WEBP" if rel.endswith(".webp") else fallback)


def test_no_served_image_carries_metadata(built: tuple[Site, dict]) -> None:
    site, _ = built
    served = [p for p in site.files() if p.suffix.lower() in IMAGE_SUFFIXES]
    made = {e["save_as"] for e in built[1]["derived"]}
    assert len(made) == 4 + 30 and made <= {p.relative_to(site.output).as_posix() for p in served}
    for path in served:
        data = path.read_bytes()
        for secret in (SECRET.encode(), b"Exif\x00\x00", b"ns.adobe.com/xap", b"adobe:ns:meta"):
            assert secret not in data, (path, secret)
        with Image.open(path) as image:
            assert not image.getexif(), path
            assert not image.getexif().get_ifd(0x8825), path  # GPS
            leaked = {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp", "Lokasi"}
            assert not leaked & set(image.info), (path, image.info.keys())


def test_orientation_is_applied_before_stripping(built: tuple[Site, dict]) -> None:
    site, _ = built
    for rel in ("dokumentasi/foto-a.jpg", "dokumentasi/foto-a.480w.webp"):
        with Image.open(site.output / rel) as image:
            assert image.height > image.width  # stored landscape, shown portrait
            corner = image.convert("RGB").getpixel((4, 4))
            assert corner[0] > 200 and corner[1] < 60 and corner[2] < 60, corner  # red: top left


def test_unapproved_image_has_no_copy_and_no_variant(built: tuple[Site, dict]) -> None:
    site, manifest = built
    assert not [p for p in site.files() if "rahasia" in p.name]
    assert not [e for e in manifest["derived"] if "rahasia" in e["source"]]
    assert "berita/foto-rahasia.jpg" in manifest["dropped_files"]


def test_gallery_markup_uses_small_variants_and_valid_srcset(built: tuple[Site, dict]) -> None:
    site, _ = built
    pictures = _pictures(site.output, GALLERY)
    assert len(pictures) == 3
    for number, (source, img) in enumerate(pictures):
        assert source["type"] == "image/webp" and source["sizes"] == SIZES_GALLERY
        assert img["sizes"] == SIZES_GALLERY and img["alt"]
        assert img["decoding"] == "async"
        assert img.get("loading") == ("lazy" if number else None)
        for srcset, fmt in ((source["srcset"], "WEBP"), (img["srcset"], None)):
            candidates = _srcset(site.output, GALLERY, srcset)
            assert [w for _, w in candidates] == sorted(w for _, w in candidates)
            assert candidates[0][1] == 480  # the thumbnail a phone takes
            for path, width in candidates:
                with Image.open(path) as image:
                    assert image.width == width and (fmt is None or image.format == fmt)
        largest = _srcset(site.output, GALLERY, img["srcset"])[-1][0]
        with Image.open(largest) as image:
            assert (img["width"], img["height"]) == (str(image.width), str(image.height))
        assert _file(site.output, GALLERY, img["src"]).is_file()
    links = [a for tag, a in _tags(site.output, GALLERY) if a.get("class") == "galeri-foto"]
    assert len(links) == 3 and all(_file(site.output, GALLERY, a["href"]).is_file() for a in links)


def test_article_image_is_sized_for_the_text_column(built: tuple[Site, dict]) -> None:
    site, _ = built
    [(source, img)] = _pictures(site.output, ARTICLE)
    assert source["sizes"] == img["sizes"] == SIZES_TEXT
    assert (img["width"], img["height"]) == ("1200", "800") and "loading" not in img
    assert 'class="galeri-foto"' not in (site.output / ARTICLE).read_text(encoding="utf-8")


def test_pictures_are_valid_html(built: tuple[Site, dict], tmp_path: Path) -> None:
    """The Nu HTML checker on each page's ``<main>`` (the whole pages: test_site_validators)."""
    site, _ = built
    java = shutil.which("java")
    assert java and VNU.is_file(), "Nu HTML checker belum terpasang: jalankan .ci/run"
    pages = []
    for page in (GALLERY, ARTICLE):
        text = (site.output / page).read_text(encoding="utf-8")
        main = text[text.index("<main") : text.index("</main>") + len("</main>")]
        pages.append(tmp_path / page.replace("/", "-"))
        pages[-1].write_text(
            '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Uji</title>'
            f"</head><body>{main}</body></html>",
            encoding="utf-8",
        )
    done = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    assert messages == [], json.dumps(messages, indent=1, ensure_ascii=False)[:3000]


# --- the audit ---------------------------------------------------------------------------


@pytest.fixture
def copy(built: tuple[Site, dict], tmp_path: Path) -> Path:
    site, _ = built
    shutil.copytree(site.output, tmp_path / "salinan")
    return tmp_path / "salinan"


def _findings(manifest: dict, output: Path, sealed: object = None) -> list[str]:
    found = audit_output(output, manifest, manifest["build_id"], False, sealed)  # type: ignore[arg-type]
    return [f.render() for f in found]


FORGED = [
    ("dokumentasi/palsu.480w.webp", "new", UNRECORDED),
    ("berita/foto-rahasia.960w.jpg", "new", UNRECORDED),
    ("dokumentasi/foto-a.480w.webp", "altered", "tidak sama dengan yang dibuat build"),
    ("dokumentasi/foto-a.jpg", "upload", "tidak sama dengan yang dibuat build"),
]


@pytest.mark.parametrize(
    ("path", "how", "message"), FORGED, ids=[f[1] + "-" + f[0] for f in FORGED]
)
@pytest.mark.parametrize("sealed", [False, True], ids=["lokal", "segel"])
def test_audit_refuses_forged_image_files(
    built: tuple[Site, dict], copy: Path, path: str, how: str, message: str, sealed: bool
) -> None:
    site, manifest = built
    seal = sealed_for(site, manifest) if sealed else None
    assert _findings(manifest, copy, seal) == []
    if how == "upload":  # the camera original, GPS and all, put back in place of the copy
        data = (site.content / path).read_bytes()
    else:
        data = camera_jpeg((480, 360), seed=5)
    (copy / path).write_bytes(data)
    [finding] = _findings(manifest, copy, seal)
    assert finding.startswith(f"{path}: ") and message in finding


@pytest.mark.parametrize("sealed", [False, True], ids=["lokal", "segel"])
def test_audit_refuses_a_spool_left_in_the_output(
    built: tuple[Site, dict], copy: Path, sealed: bool
) -> None:
    """The variants wait in ``.kpu-gambar-*`` inside the output; left there, nothing goes."""
    site, manifest = built
    seal = sealed_for(site, manifest) if sealed else None
    left = copy / f"{SPOOL_PREFIX}sisa" / "dokumentasi"
    left.mkdir(parents=True)
    for name in ("foto-a.jpg", "foto-a.480w.webp"):
        shutil.copyfile(copy / "dokumentasi" / name, left / name)
    refused = {f.split(": ")[0] for f in _findings(manifest, copy, seal)}
    assert refused == {
        f"{SPOOL_PREFIX}sisa/dokumentasi/{n}" for n in ("foto-a.jpg", "foto-a.480w.webp")
    }


def test_sealed_audit_refuses_a_variant_of_other_bytes_than_approved(
    built: tuple[Site, dict], copy: Path
) -> None:
    site, manifest = built
    seal = sealed_for(site, manifest)
    seal.covered["dokumentasi/foto-c.webp"] = "0" * 64  # approved bytes other than the source's
    findings = _findings(manifest, copy, seal)
    made = _variants(manifest, "dokumentasi/foto-c.webp")
    assert {f.split(": ")[0] for f in findings} == set(made)
    assert all("isinya tidak sama dengan yang disetujui" in f for f in findings)


def test_audit_refuses_a_recorded_variant_of_an_unpublished_item(
    built: tuple[Site, dict], copy: Path
) -> None:
    _, manifest = built
    changed = json.loads(json.dumps(manifest))
    changed["included"] = [e for e in changed["included"] if e["item"] != "berita/kabar.md"]
    findings = [f for f in _findings(changed, copy) if "foto-d" in f]
    assert findings and all("yang tidak diterbitkan" in f for f in findings)
    (copy / "berita/foto-d.480w.jpg").unlink()
    assert (
        "berita/foto-d.480w.jpg: varian gambar tercatat di manifest tetapi tidak ada"
        in "\n".join(_findings(manifest, copy))
    )


def test_sealed_publish_refuses_a_planted_variant(site: Site, tmp_path: Path) -> None:
    """A plugin (any code in the build) that drops a variant-like file stops the publish."""
    _gallery(site)
    (site.root / "pemalsu.py").write_text(
        "from pathlib import Path\nfrom pelican import signals\n\n\n"
        "def _tanam(pelican):\n"
        "    target = Path(pelican.output_path) / 'dokumentasi' / 'foto-a.2000w.webp'\n"
        "    target.write_bytes(b'RIFF palsu')\n\n\n"
        "def register():\n    signals.finalized.connect(_tanam)\n"
    )
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    settings.write_text(
        settings.read_text()
        + "sys.path.insert(0, str(site_root))\nimport pemalsu\nPLUGINS = [*PLUGINS, pemalsu]\n"
    )
    site.commit()
    done = run(settings)
    assert done.returncode != 0
    assert f"dokumentasi/foto-a.2000w.webp: {UNRECORDED}" in done.stdout + done.stderr
    assert not (tmp_path / "web" / "current").exists()


# --- the machine cache --------------------------------------------------------------------


def _one_image(site: Site) -> bytes:
    data = camera_jpeg((1000, 700), seed=7)
    site.article("berita/satu.md", "Satu", "![Foto]({attach}satu.jpg)\n", category="Berita")
    site.attach("berita/satu.jpg", data)
    site.approve_all("berita/satu.md")
    return data


def test_cache_is_used_and_poisoned_entries_are_made_again(site: Site, tmp_path: Path) -> None:
    data = _one_image(site)
    sha = hashlib.sha256(data).hexdigest()
    key = entry_key(sha, ".jpg")
    assert key is not None
    cache = MachineCache(site.root / ".cache" / "render", CACHE_NAMESPACE)
    fresh = {tag: blob for tag, _, _, blob in make(data, ".jpg")}
    other = make(camera_jpeg((1000, 700), seed=8), ".jpg")

    def built() -> dict[str, bytes]:
        site.build()
        return {tag: (site.output / f"berita/satu.{tag}").read_bytes() for tag in fresh if tag} | {
            "": (site.output / "berita/satu.jpg").read_bytes()
        }

    cache.put(key, pack(sha, other))  # sealed under the right key: the build uses it
    assert built() == {tag: blob for tag, _, _, blob in other}
    cache.put(key, pack("f" * 64, other))  # another image's entry under this key
    assert built() == fresh
    entry = cache.path_of(key)
    blob = bytearray(entry.read_bytes())
    blob[-1] ^= 1  # edited on disk: the seal fails
    entry.write_bytes(bytes(blob))
    assert built() == fresh
    foreign = MachineCache(tmp_path / "lain", CACHE_NAMESPACE)
    foreign.put(key, pack(sha, other))  # another machine's key
    shutil.copyfile(foreign.path_of(key), entry)
    assert built() == fresh
    assert cache.get(key) is not None and built() == fresh  # and kept again


# --- in the browser -----------------------------------------------------------------------

CURRENT = "[...document.querySelectorAll('.galeri img')].map(i => i.currentSrc)"


@pytest.mark.browser
@pytest.mark.parametrize(("width", "scale"), [(320, 2), (390, 3), (1280, 1)])
def test_browser_takes_variants_never_the_uploads(
    built: tuple[Site, dict], width: int, scale: int
) -> None:
    """Chromium picks WebP variants from srcset; the uploads' addresses are never asked for."""
    from playwright.sync_api import sync_playwright

    from themekit import CHROMIUM, CHROMIUM_ARGS, serve

    site, _ = built
    shots = REPO / "test-artefacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with serve(site.output) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(
            viewport={"width": width, "height": 800}, device_scale_factor=scale
        )
        page = context.new_page()
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(f"{base}/{posixpath.dirname(GALLERY)}/")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "[...document.querySelectorAll('.galeri img')].every(i => i.complete)"
        )
        chosen = page.evaluate(CURRENT)
        boxes = [f.bounding_box() for f in page.locator(".galeri figure").all()]
        overflow = page.evaluate(
            "(() => { const g = document.querySelector('.galeri');"
            " return g.scrollWidth - g.clientWidth; })()"
        )
        page.screenshot(path=str(shots / f"images-galeri-{width}.png"), full_page=True)
        browser.close()
    assert len(chosen) == 3 and all(re.search(r"\.[0-9]+w\.webp$", c) for c in chosen), chosen
    uploads = ("foto-a.jpg", "foto-b.png", "foto-c.webp")
    assert not [url for url in asked if url.endswith(uploads)]
    assert overflow == 0
    assert all(box is not None for box in boxes)
    if width < 768:  # two thumbnails per row on a phone
        assert boxes[0]["y"] == boxes[1]["y"] and boxes[2]["y"] > boxes[0]["y"]  # type: ignore[index]


def test_the_variants_wait_in_the_build_folder_never_in_the_temporary_folder(
    tmp_path: Path, keys: Keys
) -> None:
    """A killed build cannot clean up, so nothing of its images goes to the temp folder.

    The variants are made before the pages and moved into place after them; a publish
    killed in between (its Pelican child dies with it) leaves them where they waited.
    They wait inside the build's own folder, which the next build removes whole.
    """
    site = Site(tmp_path / "site", keys)
    _gallery(site)
    spool = tmp_path / "tmp"
    spool.mkdir()
    seen: list[str] = []  # what the build named there (the project's names begin "kpu-")

    class Seen(FileSystemEventHandler):
        def on_created(self, event: FileSystemEvent) -> None:
            if Path(str(event.src_path)).name.startswith("kpu-"):
                seen.append(str(event.src_path))

    observer = Observer()
    observer.schedule(Seen(), str(spool), recursive=True)
    observer.start()
    try:
        manifest = site.build(env={"TMPDIR": str(spool)}).manifest
    finally:
        observer.stop()
        observer.join()
    assert _variants(manifest, "dokumentasi/foto-a.jpg")  # the variants were made
    assert seen == []
    assert not list(site.output.rglob(".kpu-gambar-*"))
