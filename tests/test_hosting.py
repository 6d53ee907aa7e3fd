"""The hosting files of docs/hosting/, run by Debian's own nginx, Caddy and Apache on 127.0.0.1.

The sample site is built once (with its .gz/.br copies); each server is started as a
plain foreground process with the documentation's file, only the folder and the port
replaced, and asked over HTTP what a reader's browser would ask: pages, a missing
address, compressed answers, cache and security headers. A browser test then opens the
home page, an article and a search under the Content-Security-Policy and listens for
any violation.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest

from sitekit import REPO
from themekit import Sample

#: Real servers from Debian (.ci/run installs them), and a whole-site build.
pytestmark = [pytest.mark.hosting, pytest.mark.slow]

HOSTING = REPO / "docs" / "hosting"
#: What the documentation's files say, replaced by the test's folder and port.
DOC_ROOT = "/srv/situs-kpu/current"
NGINX_LISTEN = "listen 80;"
CADDY_ADDRESS = "\n:80 {"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
ARTICLE = "/berita/rapat-pleno-dpt/"
NO_CACHE = "no-cache"
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture(scope="module")
def sample(theme_sample: Sample) -> Sample:
    """The sample as ``invoke build`` makes it, .gz/.br copies included."""
    assert list(theme_sample.output.rglob("*.br")), "build tanpa salinan .br"
    return theme_sample


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} harus ada tepat sekali di berkas dokumentasi"
    return text.replace(old, new)


def _nginx(root: Path, folder: Path, port: int) -> list[str]:
    site = (HOSTING / "nginx.conf").read_text(encoding="utf-8")
    site = _replace(site, NGINX_LISTEN, f"listen 127.0.0.1:{port};")
    site = _replace(site, f"root {DOC_ROOT};", f"root {root};")
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    main = (
        f"daemon off;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        + f"load_module {BROTLI_MODULE};\nevents {{ worker_connections 64; }}\n"
        "http {\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n"
        f" access_log off;\n {temp}\n uwsgi_temp_path {folder / 'uwsgi'};\n"
        f" scgi_temp_path {folder / 'scgi'};\n{site}\n}}\n"
    )
    (folder / "nginx.conf").write_text(main, encoding="utf-8")
    return ["nginx", "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]


def _caddy(root: Path, folder: Path, port: int) -> list[str]:
    text = (HOSTING / "Caddyfile").read_text(encoding="utf-8")
    text = _replace(text, CADDY_ADDRESS, f"\nhttp://127.0.0.1:{port} {{")
    text = _replace(text, f"root * {DOC_ROOT}", f"root * {root}")
    # no admin port (several test runs at once) and no certificates (plain HTTP on localhost)
    (folder / "Caddyfile").write_text("{\n\tadmin off\n\tauto_https off\n}\n" + text)
    return ["caddy", "run", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"]


APACHE_MODULES = ("mpm_event", "authz_core", "dir", "mime", "rewrite", "headers")
#: What Debian's /etc/apache2/mods-available/mime.conf says of .br and .gz (undone by ours).
DEBIAN_MIME = "AddLanguage br .br\nAddType application/x-gzip .gz .tgz\n"


def _apache(root: Path, folder: Path, port: int) -> list[str]:
    vhost = (HOSTING / "apache.conf").read_text(encoding="utf-8")
    vhost = _replace(vhost, "<VirtualHost *:80>", f"<VirtualHost 127.0.0.1:{port}>")
    assert vhost.count(DOC_ROOT) == 2  # DocumentRoot and its <Directory>
    vhost = vhost.replace(DOC_ROOT, str(root))
    modules = "".join(
        f"LoadModule {name}_module /usr/lib/apache2/modules/mod_{name}.so\n"
        for name in APACHE_MODULES
    )
    main = (
        f"ServerRoot {folder}\nPidFile {folder / 'httpd.pid'}\nErrorLog {folder / 'error.log'}\n"
        f"DefaultRuntimeDir {folder}\nMutex file:{folder} default\nServerName 127.0.0.1\n"
        f"Listen 127.0.0.1:{port}\n{modules}TypesConfig /etc/mime.types\n{DEBIAN_MIME}"
        # Apache never serves as root: its workers become nobody (the folder is readable)
        + ("User nobody\nGroup nogroup\n" if os.geteuid() == 0 else "")
    )
    (folder / "httpd.conf").write_text(main + vhost, encoding="utf-8")
    return ["apache2", "-f", str(folder / "httpd.conf"), "-DFOREGROUND"]


SERVERS = {"nginx": _nginx, "caddy": _caddy, "apache2": _apache}


def _wait_until_listening(port: int, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise AssertionError(f"server berhenti (kode {child.returncode}):\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"server tidak mendengarkan di port {port}:\n{log.read_text()}")


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest, sample: Sample) -> Iterator[int]:
    name: str = request.param
    assert shutil.which(name), f"{name} tidak terpasang: jalankan .ci/run"
    folder = Path(tempfile.mkdtemp(prefix=f"kpu-{name}-"))  # readable by Apache's "nobody"
    folder.chmod(0o755)
    root = folder / "situs"
    shutil.copytree(sample.output, root)
    port = _free_port()
    command = SERVERS[name](root, folder, port)
    log = folder / "keluaran.log"
    env = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder)}
    env["XDG_CONFIG_HOME"] = str(folder)
    with log.open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_until_listening(port, child, log)
        yield port
    finally:
        child.terminate()
        child.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


def get(port: int, path: str, encoding: str | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": encoding or "identity"})
        response = connection.getresponse()
        headers = {key.lower(): value for key, value in response.getheaders()}
        return Answer(response.status, headers, response.read())
    finally:
        connection.close()


def test_a_page_is_served_whole_with_200(server: int, sample: Sample) -> None:
    answer = get(server, ARTICLE)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.body == (sample.output / ARTICLE.strip("/") / "index.html").read_bytes()


def test_a_missing_address_gets_our_indonesian_404_page_with_status_404(
    server: int, sample: Sample
) -> None:
    answer = get(server, "/berita/tidak-ada-halaman-ini/")
    assert answer.status == 404
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.body == (sample.output / "404.html").read_bytes()
    assert '<html lang="id">' in answer.body.decode()
    for name, value in SECURITY.items():
        assert answer.headers[name] == value
    assert answer.headers["content-security-policy"] == CSP


@pytest.mark.parametrize(
    ("encoding", "sent", "decode"),
    [("br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
    ids=["brotli", "gzip"],
)
@pytest.mark.parametrize(
    "path", ["/", ARTICLE, "/sitemap.xml", "/pagefind/pagefind.js"], ids=str.strip
)
def test_a_compressed_answer_decodes_to_the_very_file(
    server: int, sample: Sample, path: str, encoding: str, sent: str, decode: object
) -> None:
    file = sample.output / path.lstrip("/")
    file = file / "index.html" if path.endswith("/") else file
    answer = get(server, path, encoding)
    assert answer.status == 200
    assert answer.headers["content-encoding"] == sent
    assert "Accept-Encoding" in answer.headers["vary"]
    assert answer.body == Path(f"{file}.{'br' if sent == 'br' else 'gz'}").read_bytes()
    assert callable(decode) and decode(answer.body) == file.read_bytes()


def test_a_reader_who_asks_for_both_gets_brotli(server: int) -> None:
    assert get(server, ARTICLE, "gzip, deflate, br").headers["content-encoding"] == "br"


@pytest.mark.parametrize(
    ("path", "cache"),
    [
        ("/", NO_CACHE),
        (ARTICLE, NO_CACHE),
        ("/feeds/semua.atom.xml", NO_CACHE),
        ("/persetujuan/allowed_signers", NO_CACHE),
        ("/pagefind/pagefind-entry.json", NO_CACHE),
        ("/pagefind/pagefind.js", NO_CACHE),
        ("/theme/js/cari.js", "public, max-age=3600"),
        ("/theme/css/cetak.css", "public, max-age=3600"),
    ],
    ids=lambda value: str(value).strip("/") or "beranda",
)
def test_pages_revalidate_and_theme_files_keep_an_hour(server: int, path: str, cache: str) -> None:
    answer = get(server, path)
    assert answer.status == 200
    assert answer.headers["cache-control"] == cache


def test_pagefind_files_named_by_their_content_are_kept_a_year(server: int, sample: Sample) -> None:
    fragment = next((sample.output / "pagefind" / "fragment").iterdir()).name
    answer = get(server, f"/pagefind/fragment/{fragment}")
    assert answer.status == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_every_answer_carries_the_security_headers(server: int) -> None:
    for path in ("/", ARTICLE, "/cari/", "/theme/js/cari.js"):
        answer = get(server, path, "br")
        assert answer.headers["content-security-policy"] == CSP
        for name, value in SECURITY.items():
            assert answer.headers[name] == value, (path, name)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/persetujuan/allowed_signers", "text/plain; charset=utf-8"),
        ("/persetujuan/jangkar.pub", "text/plain; charset=utf-8"),
        ("/persetujuan/roster.yml", "text/plain; charset=utf-8"),
        ("/pagefind/pagefind-entry.json", "application/json"),
        ("/feeds/semua.atom.xml", "application/xml text/xml"),  # both name XML
    ],
    ids=lambda value: str(value).rsplit("/", 1)[-1],
)
def test_keys_records_and_data_have_their_proper_types(
    server: int, sample: Sample, path: str, kind: str
) -> None:
    """The approvers' keys and roster read as text in a browser; data as what it is."""
    file = sample.output / path.lstrip("/")
    if not file.is_file():
        pytest.skip(f"{path} tidak ada di contoh ini")  # published by the provenance part
    answer = get(server, path)
    assert answer.status == 200
    assert answer.headers["content-type"].split(";")[0] in kind.split(";")[0].split()
    if kind.startswith("text/"):
        assert answer.headers["content-type"] == kind
    assert answer.body == file.read_bytes()


#: Listens for Content-Security-Policy violations from the first moment of every page.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.mark.browser
def test_the_site_works_under_its_content_security_policy(server: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    from themekit import CHROMIUM, CHROMIUM_ARGS

    base = f"http://127.0.0.1:{server}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="id-ID")
        page.add_init_script(CSP_LISTENER)
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: console.append(str(error)))
        for path in ("/", ARTICLE, "/persetujuan/", "/cari/?q=pemilih"):
            answer = page.goto(base + path)
            assert answer is not None and answer.status == 200
            if path.startswith("/cari/"):  # Pagefind: a module, a worker, WebAssembly
                status = page.locator("#cari-status")
                expect(status).to_contain_text(re.compile(r"\d+ hasil untuk"))
                expect(page.locator("#cari-hasil a").first).to_be_visible()
            page.wait_for_load_state("load")
            assert page.evaluate("window.__csp") == [], path
        browser.close()
    assert not [text for text in console if "Content Security Policy" in text], console
