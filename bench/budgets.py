"""Performance budgets of the public theme, measured in Debian's chromium.

Builds the sample site, serves it on localhost with gzip (as any static host does), and
opens key pages as a first-time visitor on a low-end phone: Lighthouse's default mobile
settings, applied through the DevTools protocol (Slow 4G: 150 ms round trip, 1.6 Mbit/s
down, 750 kbit/s up; CPU slowed 4x; a 412x823 screen at 1.75x; empty cache). Reports,
per page: compressed HTML+CSS bytes, requests to other hosts, scripts, fonts, LCP and
CLS (median of the runs). Exits 1 when the article page misses a budget.

The gallery budget: a second site with one Dokumentasi item of six camera originals
(4000x3000 JPEGs of about 3 MB each with EXIF GPS, made with Pillow, tests/imagekit.py),
approved with throwaway keys and built like any site. Its page is opened on a 390 px
phone at device scale factors 3, 2.75 and 2, scrolled to the end, and everything the
browser downloaded is counted (HTML, CSS, every image it chose from ``srcset``, lazy ones
included once scrolled to). The budget: at most 300 KB at 3, the iPhones of 390 CSS px
(the densest common case); 2.75 (Android phones of about 390 px, Pixel 5: 393 px) and 2
are reported beside it.

Usage: ``.venv/bin/python bench/budgets.py [--runs 5]``; results go in docs/theme.md.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "plugins"), str(REPO / "tests")]

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from imagekit import camera_jpeg  # noqa: E402
from sitekit import Site, make_keys  # noqa: E402
from themekit import CHROMIUM, CHROMIUM_ARGS, build_sample  # noqa: E402

PAGES = {
    "artikel": "/berita/rapat-pleno-dpt/",
    "beranda": "/",
    "regulasi": "/regulasi/pkpu-2-2024-tahapan/",
    "dokumentasi": "/dokumentasi/sosialisasi-pemilih-pemula/",
}
BUDGET = {"bytes": 30 * 1024, "lcp_ms": 1800, "cls": 0.1}
GALLERY_BUDGET = 300 * 1024  # all bytes of the camera gallery on the 390 px phone ...
GALLERY_SCALE = 3  # ... at this device scale factor (iPhones of 390 CSS px, the densest)
GALLERY_PAGE = "/dokumentasi/galeri-kamera/"
GALLERY_PHOTOS = 6
MOBILE = {
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "user_agent": "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile "
    "Safari/537.36",
}
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt")
OBSERVE = """() => new Promise(resolve => {
  let lcp = 0, cls = 0;
  new PerformanceObserver(l => { for (const e of l.getEntries()) lcp = e.startTime; })
    .observe({type: "largest-contentful-paint", buffered: true});
  new PerformanceObserver(l => { for (const e of l.getEntries())
      if (!e.hadRecentInput) cls += e.value; })
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve({lcp, cls}), 1500);
})"""


class GzipHandler(SimpleHTTPRequestHandler):
    """A static host: gzip for text, like the web servers the site is published to."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (
            "gzip" not in self.headers.get("Accept-Encoding", "")
            or path.suffix not in COMPRESSIBLE
            or not path.is_file()
        ):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


def phone_390(scale: float) -> dict[str, Any]:
    """Return a 390 px wide phone (844 px high) at device scale factor ``scale``."""
    return {**MOBILE, "viewport": {"width": 390, "height": 844}, "device_scale_factor": scale}


def visit(
    browser: Browser, url: str, device: dict[str, Any] = MOBILE, scroll: bool = False
) -> dict[str, Any]:
    """Open ``url`` once as a first-time mobile visitor; return what it cost.

    ``scroll``: then scroll to the end and wait until the network is idle, so lazy
    images the reader would reach are counted too.
    """
    context = browser.new_context(**device)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    sizes: dict[str, int] = {}
    kinds: dict[str, str] = {}
    cdp.on(
        "Network.responseReceived",
        lambda e: kinds.__setitem__(e["requestId"], e["type"] + " " + e["response"]["url"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    page.goto(url, wait_until="load")
    metrics = page.evaluate(OBSERVE)
    chosen: list[str] = []
    if scroll:
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        chosen = page.evaluate("[...document.images].map(i => i.currentSrc.split('/').pop())")
    page.wait_for_timeout(200)
    context.close()
    origin = url.split("/", 3)[:3]
    requests = [(kinds[r], sizes.get(r, 0)) for r in kinds]
    return {
        "lcp_ms": metrics["lcp"],
        "cls": metrics["cls"],
        "bytes": sum(n for k, n in requests if k.split()[0] in ("Document", "Stylesheet")),
        "all_bytes": sum(n for _, n in requests),
        "requests": len(requests),
        "third_party": sum(not k.split()[1].startswith("/".join(origin)) for k, _ in requests),
        "scripts": sum(k.split()[0] == "Script" for k, _ in requests),
        "fonts": sum(k.split()[0] == "Font" for k, _ in requests),
        "image_bytes": sum(n for k, n in requests if k.split()[0] == "Image"),
        "chosen": chosen,
    }


def camera_gallery(root: Path) -> Path:
    """Build a site whose one approved Dokumentasi item shows camera originals; return output."""
    site = Site(root / "situs", make_keys(root / "kunci"))
    body = "Dokumentasi kegiatan dengan foto dari kamera.\n\n" + "".join(
        f"![Foto kegiatan {n}]({{attach}}foto-{n}.jpg)\n\n*Keterangan foto {n}.*\n\n"
        for n in range(1, GALLERY_PHOTOS + 1)
    )
    item = "dokumentasi/galeri-kamera.md"
    site.article(item, "Galeri Kamera", body, category="Dokumentasi", slug="galeri-kamera")
    for n in range(1, GALLERY_PHOTOS + 1):
        site.attach(f"dokumentasi/foto-{n}.jpg", camera_jpeg((4000, 3000), seed=n))
    site.approve_all(item)
    site.build()
    return site.output


def measure_gallery(browser: Browser, runs: int, root: Path) -> dict[str, dict[str, Any]]:
    """Measure the camera gallery at DPR 3, 2.75 and 2 (median of ``runs``)."""
    output = camera_gallery(root)
    uploads = sum(p.stat().st_size for p in (root / "situs" / "content").rglob("foto-*.jpg"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(GzipHandler, directory=str(output)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}{GALLERY_PAGE}"
    results: dict[str, dict[str, Any]] = {}
    try:
        for scale in (3.0, GALLERY_SCALE, 2.0):
            samples = [visit(browser, url, phone_390(scale), scroll=True) for _ in range(runs)]
            keys = ("all_bytes", "image_bytes", "bytes", "requests", "lcp_ms")
            results[f"DPR {scale:g}"] = {
                **{key: statistics.median(s[key] for s in samples) for key in keys},
                "chosen": samples[-1]["chosen"],
                "uploads": uploads,
            }
    finally:
        server.shutdown()
    return results


def measure(runs: int) -> dict[str, dict[str, Any]]:
    """Build, serve and measure every page ``runs`` times; return the medians."""
    with tempfile.TemporaryDirectory() as tmp:
        sample = build_sample(Path(tmp) / "contoh")
        handler = partial(GzipHandler, directory=str(sample.output))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        results: dict[str, dict[str, Any]] = {}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                visit(browser, base + "/")  # warm the server and the browser once
                for name, path in PAGES.items():
                    samples = [visit(browser, base + path) for _ in range(runs)]
                    results[name] = {
                        key: statistics.median(s[key] for s in samples) for key in samples[0]
                    }
                    results[name]["lcp_max"] = max(s["lcp_ms"] for s in samples)
                results["galeri"] = measure_gallery(browser, runs, Path(tmp) / "galeri")
                browser.close()
        finally:
            server.shutdown()
    return results


def main() -> int:
    """Print the results as a Markdown table; fail when the article misses a budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    results = measure(runs)
    print(
        f"| page | HTML+CSS gzip | all bytes | requests | other hosts | scripts | fonts | "
        f"LCP median (max of {runs}) | CLS |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    gallery: dict[str, dict[str, Any]] = results.pop("galeri")
    for name, r in results.items():
        print(
            f"| {name} | {r['bytes'] / 1024:.1f} KB | {r['all_bytes'] / 1024:.1f} KB | "
            f"{r['requests']:.0f} | {r['third_party']:.0f} | {r['scripts']:.0f} | "
            f"{r['fonts']:.0f} | {r['lcp_ms']:.0f} ms ({r['lcp_max']:.0f} ms) | "
            f"{r['cls']:.3f} |"
        )
    article = results["artikel"]
    missed = [key for key in ("bytes", "lcp_ms", "cls") if article[key] > BUDGET[key]]
    missed += [key for key in ("third_party", "scripts", "fonts") if article[key]]
    print(
        f"\nCamera gallery ({GALLERY_PHOTOS} photos 4000x3000, 390 px phone, scrolled to the end):"
    )
    print("| device scale | all bytes | images | HTML+CSS gzip | requests | LCP | uploads |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in gallery.items():
        print(
            f"| {name} | {r['all_bytes'] / 1024:.1f} KB | {r['image_bytes'] / 1024:.1f} KB | "
            f"{r['bytes'] / 1024:.1f} KB | {r['requests']:.0f} | {r['lcp_ms']:.0f} ms | "
            f"{r['uploads'] / 1024 / 1024:.1f} MB |"
        )
        print(f"  chosen: {', '.join(sorted(set(r['chosen'])))}")
    if gallery[f"DPR {GALLERY_SCALE:g}"]["all_bytes"] > GALLERY_BUDGET:
        missed.append("gallery_bytes")
    print("\nBudgets met." if not missed else f"\nBudgets MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
