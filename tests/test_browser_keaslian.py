"""The "Periksa keaslian" check runs in a reader's browser (Debian chromium, 390 px).

The sample site is built once and served on localhost. A genuine item's check says
"Asli" with who approved what and when; a tampered record (a byte of a signed payload,
the digest, the roster or an attachment as served), a sign-off made with a key outside the
roster or with another official's key, and a forged roster say "Tidak cocok". A copy of the
site whose roster, anchor and signatures are ECDSA P-256 keys (``ssh-keygen -t ecdsa``)
checks too, and so do FIDO signatures (sk-ecdsa, webauthn-sk) that ``ssh-keygen -Y verify``
accepts. The browser's roster reader gives what PyYAML gives for the rosters it reads and
refuses YAML outside its subset.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route

from publishing.provenance import piece_path
from sitekit import REPO
from themekit import Sample, serve

#: Debian chromium through Playwright (docs/architecture.md).
pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "test-artefacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
ARTICLE = "berita/2026-11-10-rapat-pleno-dpt.md"
REGULATION_PREFIX = "regulasi/"
DONE = (
    "() => { const t = document.getElementById('periksa-hasil').textContent;"
    " return t && t !== 'Memeriksa…'; }"
)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def _id(item: str) -> str:
    return piece_path(item).rsplit("/", 1)[1].removesuffix(".json")


def _check(page: Page, base: str, item: str, shot: str | None = None) -> str:
    """Open the item's check page (as its link does) and return what it says."""
    page.goto(f"{base}/persetujuan/periksa/?catatan={_id(item)}")
    page.wait_for_function(DONE, timeout=30000)
    if shot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"keaslian-{shot}.png"), full_page=True)
    return page.inner_text("#periksa-hasil")


def _serve_instead(page: Page, path: str, body: bytes) -> None:
    """Make the browser receive ``body`` for ``path`` (what a tampered host would send)."""

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, body=body)

    page.route(re.compile(rf".*/{re.escape(path)}(\?.*)?$"), fulfil)


def _piece(sample: Sample, item: str) -> dict[str, Any]:
    return json.loads((sample.output / piece_path(item)).read_text())


def _tampered(page: Page, sample: Sample, item: str, change: Callable[[dict], None]) -> None:
    piece = _piece(sample, item)
    change(piece)
    _serve_instead(page, piece_path(item), json.dumps(piece).encode())


# --- genuine ---------------------------------------------------------------------------------


def test_the_item_page_links_to_its_check_and_the_check_says_asli(
    theme_sample: Sample, base: str, page: Page
) -> None:
    entry = next(e for e in theme_sample.manifest["included"] if e["item"] == ARTICLE)
    page.goto(f"{base}/{entry['save_as'].removesuffix('index.html')}")
    # reading stays script-free (structured data is not a script that runs)
    assert page.locator('script:not([type="application/ld+json"])').count() == 0
    page.get_by_role("link", name="Periksa keaslian").click()
    page.wait_for_function(DONE, timeout=30000)
    said = page.inner_text("#periksa-hasil")
    assert said == (
        "Asli: disetujui oleh Web Admin (Andi Prasetyo (CONTOH)) pada 10 November 2026 pukul "
        "15.30 WIB, Kasubbag Tekmas (Sri Wahyuni (CONTOH)) pada 10 November 2026 pukul 15.55 "
        "WIB, Sekretaris (Bambang Sutrisno (CONTOH)) pada 10 November 2026 pukul 16.20 WIB dan "
        "Komisioner Divisi Sosdiklih, Parmas dan SDM (Dewi Lestari (CONTOH)) pada 10 November "
        "2026 pukul 16.45 WIB."
    )
    details = page.inner_text("#periksa-rincian")
    assert "ditandatangani kunci jangkar SHA256:c+UH1X5069oeuBAMXiHEKKMmgD4M1aoQE8a0GkAyHis" in (
        details
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "keaslian-asli.png"), full_page=True)


def test_every_published_item_checks_as_asli(theme_sample: Sample, base: str, page: Page) -> None:
    for entry in theme_sample.manifest["included"]:
        said = _check(page, base, entry["item"])
        assert said.startswith("Asli: disetujui oleh Web Admin ("), (entry["item"], said)


def test_attachments_are_fetched_and_hashed(theme_sample: Sample, base: str, page: Page) -> None:
    item = next(
        e["item"]
        for e in theme_sample.manifest["included"]
        if e["item"].startswith(REGULATION_PREFIX) and _piece(theme_sample, e["item"])["files"]
    )
    assert _check(page, base, item).startswith("Asli: ")
    [pdf] = _piece(theme_sample, item)["files"]
    assert f"Berkas {pdf['path']}: SHA-256 sama dengan yang disetujui." in page.inner_text(
        "#periksa-rincian"
    )
    _serve_instead(page, pdf["url"], b"%PDF-1.4 palsu")
    assert _check(page, base, item, "lampiran-diubah") == (
        f"Tidak cocok: berkas {pdf['path']} tidak sama dengan yang disetujui."
    )


# --- tampered --------------------------------------------------------------------------------


def _payload(signoff: dict, change: Callable[[str], str]) -> None:
    text = base64.b64decode(signoff["payload_base64"]).decode()
    signoff["payload_base64"] = base64.b64encode(change(text).encode()).decode()


def test_a_changed_byte_of_a_signed_payload_is_tidak_cocok(
    theme_sample: Sample, base: str, page: Page
) -> None:
    def change(piece: dict) -> None:
        _payload(piece["signoffs"][2], lambda text: text.replace('note: ""', 'note: "."'))

    _tampered(page, theme_sample, ARTICLE, change)
    assert _check(page, base, ARTICLE, "payload-diubah") == (
        "Tidak cocok: persetujuan Sekretaris: tanda tangan tidak cocok dengan teks yang "
        "ditandatangani."
    )


def test_a_changed_digest_is_tidak_cocok(theme_sample: Sample, base: str, page: Page) -> None:
    def change(piece: dict) -> None:
        piece["digest"] = "sha256:" + "0" * 64

    _tampered(page, theme_sample, ARTICLE, change)
    assert _check(page, base, ARTICLE) == (
        "Tidak cocok: sidik isi tidak sama dengan berkas yang tercantum di catatan."
    )


def test_a_changed_source_hash_with_its_digest_is_tidak_cocok(
    theme_sample: Sample, base: str, page: Page
) -> None:
    """Changing the listed hashes and the digest together: the payloads still name the old."""

    def change(piece: dict) -> None:
        piece["source_sha256"] = "1" * 64
        lines = ["kpu-rembang-digest-v1", f"{piece['source_sha256']}  {piece['item']}"]
        lines += [f"{f['sha256'] or 'MISSING'}  {f['path']}" for f in piece["files"]]
        text = "".join(line + "\n" for line in lines)
        piece["digest"] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    _tampered(page, theme_sample, ARTICLE, change)
    assert _check(page, base, ARTICLE) == (
        "Tidak cocok: persetujuan Web Admin: teks bertanda tangan menyebut digest yang lain."
    )


def test_a_changed_roster_is_tidak_cocok(theme_sample: Sample, base: str, page: Page) -> None:
    roster = (theme_sample.output / "persetujuan" / "roster.yml").read_bytes()
    _serve_instead(
        page, "persetujuan/roster.yml", roster.replace(b"until: 2025-12-31", b"until: 2027-12-31")
    )
    assert _check(page, base, ARTICLE, "roster-diubah") == (
        "Tidak cocok: tanda tangan daftar pejabat tidak sah: tanda tangan tidak cocok dengan "
        "teks yang ditandatangani."
    )


def test_malformed_records_are_tidak_cocok_never_a_crash(
    theme_sample: Sample, base: str, page: Page
) -> None:
    bodies = [b"", b"{", b"[]", b'{"format":"kpu-rembang-catatan-item-1"}', b"\xff\xfe"]
    for body in bodies:
        page.unroute("**")
        _serve_instead(page, piece_path(ARTICLE), body)
        assert _check(page, base, ARTICLE).startswith("Tidak cocok: "), body

    def broken(piece: dict) -> None:
        piece["signoffs"][0]["signature"] = piece["signoffs"][0]["signature"].replace("U1NI", "U1N")

    page.unroute("**")
    _tampered(page, theme_sample, ARTICLE, broken)
    assert _check(page, base, ARTICLE) == (
        "Tidak cocok: persetujuan Web Admin: tanda tangan bukan base64 yang sah."
    )
    page.goto(f"{base}/persetujuan/periksa/?catatan=../../etc")
    page.wait_for_function(DONE, timeout=30000)
    assert page.inner_text("#periksa-hasil").startswith("Alamat ini tidak menyebut catatan isi.")


# --- foreign keys ----------------------------------------------------------------------------


def _sign(key: Path, message: bytes, namespace: str, folder: Path) -> str:
    """Sign ``message`` with ``ssh-keygen -Y sign`` (a copy of ``key``, mode 600)."""
    folder.mkdir(parents=True, exist_ok=True)
    own = folder / key.name
    if not own.exists():
        shutil.copyfile(key, own)
        own.chmod(0o600)
    data = folder / "pesan"
    data.write_bytes(message)
    (folder / "pesan.sig").unlink(missing_ok=True)  # ssh-keygen does not overwrite it
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(own), "-n", namespace, str(data)],
        check=True,
        capture_output=True,
    )
    return (folder / "pesan.sig").read_text()


def _resign(piece: dict, index: int, key: Path, folder: Path) -> None:
    signoff = piece["signoffs"][index]
    payload = base64.b64decode(signoff["payload_base64"])
    signoff["signature"] = _sign(key, payload, "kpu-rembang-persetujuan", folder)


def test_a_signoff_by_a_key_outside_the_roster_is_tidak_cocok(
    theme_sample: Sample, base: str, page: Page, tmp_path: Path
) -> None:
    forger = REPO / "demo-keys" / "pemalsu"
    _tampered(page, theme_sample, ARTICLE, lambda p: _resign(p, 3, forger, tmp_path))
    assert _check(page, base, ARTICLE, "kunci-asing") == (
        "Tidak cocok: persetujuan Komisioner Divisi Sosdiklih, Parmas dan SDM: ditandatangani "
        "kunci SHA256:ud5gBgU/+zSLG78nJ3zRPUeftK1h8xJj/MfFE1qsb8k yang tidak ada di daftar "
        "pejabat."
    )


def test_a_signoff_by_another_officials_key_is_tidak_cocok(
    theme_sample: Sample, base: str, page: Page, tmp_path: Path
) -> None:
    rudi = REPO / "demo-keys" / "rudi"
    _tampered(page, theme_sample, ARTICLE, lambda p: _resign(p, 0, rudi, tmp_path))
    assert _check(page, base, ARTICLE) == (
        "Tidak cocok: persetujuan Web Admin: ditandatangani kunci milik Rudi Hartono (CONTOH), "
        "bukan Andi Prasetyo (CONTOH)."
    )


def test_a_roster_signed_by_another_key_is_tidak_cocok(
    theme_sample: Sample, base: str, page: Page, tmp_path: Path
) -> None:
    roster = (theme_sample.output / "persetujuan" / "roster.yml").read_bytes()
    forged = _sign(REPO / "demo-keys" / "pemalsu", roster, "kpu-rembang-roster", tmp_path)
    _serve_instead(page, "persetujuan/roster.yml.sig", forged.encode())
    assert _check(page, base, ARTICLE) == (
        "Tidak cocok: daftar pejabat ditandatangani kunci "
        "SHA256:ud5gBgU/+zSLG78nJ3zRPUeftK1h8xJj/MfFE1qsb8k, bukan kunci jangkar."
    )
    pub = (REPO / "demo-keys" / "pemalsu.pub").read_bytes()
    page.unroute("**")
    _serve_instead(page, "persetujuan/roster.yml.sig", forged.encode())
    _serve_instead(page, "persetujuan/jangkar.pub", pub)
    assert _check(page, base, ARTICLE) == (
        "Tidak cocok: kunci jangkar SHA256:ud5gBgU/+zSLG78nJ3zRPUeftK1h8xJj/MfFE1qsb8k bukan "
        "SHA256:c+UH1X5069oeuBAMXiHEKKMmgD4M1aoQE8a0GkAyHis yang tertera di halaman ini."
    )


# --- ECDSA P-256 -----------------------------------------------------------------------------


def _ecdsa_key(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", name, "-f", str(key)],
        check=True,
    )
    return key, " ".join(Path(f"{key}.pub").read_text().split()[:2])


def _fingerprint(line: str) -> str:
    blob = base64.b64decode(line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@pytest.fixture(scope="module")
def ecdsa_site(theme_sample: Sample, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the site whose anchor and officials use ECDSA P-256 keys, re-signed."""
    folder = tmp_path_factory.mktemp("ecdsa")
    output = folder / "output"
    shutil.copytree(theme_sample.output, output)
    record = output / "persetujuan"
    roster = (record / "roster.yml").read_text()
    keys = {}
    for person in ("andi", "sri", "bambang", "dewi"):
        old = " ".join((REPO / "demo-keys" / f"{person}.pub").read_text().split()[:2])
        keys[person], new = _ecdsa_key(folder, person)
        roster = roster.replace(old, new)
    anchor, anchor_line = _ecdsa_key(folder, "jangkar")
    (record / "roster.yml").write_text(roster)
    signature = _sign(anchor, roster.encode(), "kpu-rembang-roster", folder / "tt")
    (record / "roster.yml.sig").write_text(signature)
    (record / "jangkar.pub").write_text(anchor_line + "\n")
    old_anchor = _piece(theme_sample, ARTICLE)["roster"]["anchor"]
    check_page = record / "periksa" / "index.html"
    check_page.write_text(check_page.read_text().replace(old_anchor, _fingerprint(anchor_line)))
    piece = _piece(theme_sample, ARTICLE)
    piece["roster"]["anchor"] = _fingerprint(anchor_line)
    for index, signoff in enumerate(piece["signoffs"]):
        _resign(piece, index, keys[signoff["signer"]], folder / "tt")
    (output / piece_path(ARTICLE)).write_text(json.dumps(piece))
    with serve(output) as url:
        yield url


def test_a_site_with_ecdsa_p256_keys_checks_as_asli(ecdsa_site: str, page: Page) -> None:
    said = _check(page, ecdsa_site, ARTICLE, "ecdsa")
    assert said.startswith("Asli: disetujui oleh Web Admin (Andi Prasetyo (CONTOH)) pada ")
    assert "ditandatangani kunci jangkar SHA256:" in page.inner_text("#periksa-rincian")


# --- the roster reader against PyYAML --------------------------------------------------------


def _plain(value: Any) -> Any:
    """PyYAML's result in the browser reader's JSON form (dates, timestamps as objects)."""
    if isinstance(value, datetime):
        return {"time": round(value.timestamp() * 1000)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _browser_parse(page: Page, base: str, text: str) -> Any:
    page.goto(f"{base}/persetujuan/")
    return page.evaluate(
        """async (text) => {
            const m = await import('/theme/js/keaslian-roster.js');
            try { return {data: JSON.parse(JSON.stringify(m.parseRoster(text)))}; }
            catch (e) { return {refused: e instanceof m.RosterUnreadable, message: String(e)}; }
        }""",
        text,
    )


GENERATED = [
    "version: 3\nroles:\n  - {id: web-admin, name: Web Admin, standard_minutes: 30}\n"
    '  - {id: komisioner, name: "Komisioner Divisi Sosdiklih, Parmas dan SDM", '
    "standard_minutes: 45}\npeople:\n  - id: dewi   # komentar\n    name: 'Dewi ''Lestari'''\n"
    "    code: false\n    keys:\n      - key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA09VS6I c\n"
    "        revoked: 2026-11-01\n      - {key: ssh-ed25519 AAAAB}\n"
    "holders:\n  - {role: komisioner, person: dewi, from: 2024-03-01}\n"
    "  - role: sekretaris\n    person: dewi\n    from: 2026-06-01T08:00:00+07:00\n"
    "    until: 2026-06-14\n    acting: true\n",
    'version: 1\npeople:\n  -   id: "a\\u00e9\\"b"\n      name: Jum\'at Sri #1\n      keys: {}\n'
    "holders:\n  -\n    role: web-admin\n    person: a\n    from: 2026-01-01T00:00:00Z\n"
    "empty:\nnothing: ~\nflag: True\nlist:\n  - 1\n  - -2\n  - plain text, with comma\n",
    "desk_origins: [https://meja.kpu-rembang.go.id, 'http://localhost:8002', \"https://x.y:8443\"]\n"
    "none: []\nnumbers: [1, -2]\nblock:\n  - https://meja.example  # komentar\n",
]
REFUSED = [
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: |\n  text\n",
    "a: [[1], 2]\n",
    "a: [1, {b: 2}]\n",
    "a: [1, ]\n",
    "a: yes\n",
    "a: 0o17\n",
    "a: 1.5\n",
    "a:\n\t- 1\n",
    "a: one\n  two\n",
    "a: 1\na: 2\n",
    "a:\n- 1\n",
    "<<: {a: 1}\n",
    "---\na: 1\n",
    "a: {b: {c: 1}}\n",
    'a: "\\x41"\n',
    "a: 'open\n",
    "on: 1\n",
]


def test_the_browser_roster_reader_gives_what_pyyaml_gives(
    theme_sample: Sample, base: str, page: Page
) -> None:
    sample = (theme_sample.output / "persetujuan" / "roster.yml").read_text()
    for text in [sample, (REPO / "approvals" / "roster.yml").read_text(), *GENERATED]:
        found = _browser_parse(page, base, text)
        assert found == {"data": _plain(yaml.safe_load(text))}, text


def test_the_browser_roster_reader_refuses_yaml_outside_its_subset(base: str, page: Page) -> None:
    for text in REFUSED:
        found = _browser_parse(page, base, text)
        assert found.get("refused") is True, (text, found)
        assert "bentuk YAML yang tidak dikenali" in found["message"]


def test_a_roster_outside_the_subset_says_use_ssh_keygen(
    theme_sample: Sample, base: str, page: Page, tmp_path: Path
) -> None:
    """An anchor-signed roster the reader does not know: "cannot check here", not a guess."""
    roster = (theme_sample.output / "persetujuan" / "roster.yml").read_bytes() + b"x: &a 1\n"
    signature = _sign(REPO / "demo-keys" / "anchor-ketua", roster, "kpu-rembang-roster", tmp_path)
    _serve_instead(page, "persetujuan/roster.yml", roster)
    _serve_instead(page, "persetujuan/roster.yml.sig", signature.encode())
    lines = roster.decode().count("\n")
    assert _check(page, base, ARTICLE, "tidak-dapat-diperiksa") == (
        "Tidak dapat diperiksa di peramban: daftar pejabat memakai bentuk YAML yang tidak "
        f"dikenali (baris {lines}: nilai &a 1). Gunakan ssh-keygen. "
        "Cara memeriksa dengan ssh-keygen"
    )
    link = page.get_by_role("link", name="Cara memeriksa dengan ssh-keygen")
    assert link.get_attribute("href", timeout=1000).endswith("/persetujuan/")


# --- every key type, against ssh-keygen -Y verify --------------------------------------------


def _wire(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _mpint(value: int) -> bytes:
    return _wire(value.to_bytes((value.bit_length() + 8) // 8, "big"))


def _armor(blob: bytes) -> str:
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


def _fido_signature(message: bytes, namespace: str, webauthn: bool, flags: int) -> tuple[str, str]:
    """Return (public key line, armored SSHSIG) made as a passkey / security key makes them."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    kind = b"sk-ecdsa-sha2-nistp256@openssh.com"
    application = b"ssh:"
    key = _wire(kind) + _wire(b"nistp256") + _wire(point) + _wire(application)
    signed_data = b"SSHSIG" + _wire(namespace.encode()) + _wire(b"") + _wire(b"sha512")
    signed_data += _wire(hashlib.sha512(message).digest())
    counter = (7).to_bytes(4, "big")
    if webauthn:
        origin = b"https://persetujuan.contoh"
        challenge = base64.urlsafe_b64encode(signed_data).rstrip(b"=")
        client = b'{"type":"webauthn.get","challenge":"' + challenge + b'","origin":"' + origin
        client += b'","crossOrigin":false}'
        hashed = hashlib.sha256(client).digest()
    else:
        hashed = hashlib.sha256(signed_data).digest()
    to_sign = hashlib.sha256(application).digest() + bytes([flags]) + counter + hashed
    r, s = decode_dss_signature(private.sign(to_sign, ec.ECDSA(hashes.SHA256())))
    inner_type = b"webauthn-" + kind if webauthn else kind
    inner = _wire(inner_type) + _wire(_mpint(r) + _mpint(s)) + bytes([flags]) + counter
    if webauthn:
        inner += _wire(origin) + _wire(client) + _wire(b"")
    blob = b"SSHSIG" + (1).to_bytes(4, "big") + _wire(key) + _wire(namespace.encode())
    blob += _wire(b"") + _wire(b"sha512") + _wire(inner)
    return f"{kind.decode()} {base64.b64encode(key).decode()}", _armor(blob)


def _ssh_keygen_says(folder: Path, key: str, message: bytes, armored: str) -> bool:
    (folder / "allowed").write_text(f'orang@peran namespaces="kpu-rembang-persetujuan" {key}\n')
    (folder / "m.sig").write_text(armored)
    done = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(folder / "allowed"),
            "-I",
            "orang@peran",
            "-n",
            "kpu-rembang-persetujuan",
            "-s",
            str(folder / "m.sig"),
        ],
        input=message,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _browser_says(page: Page, message: bytes, armored: str) -> str:
    return page.evaluate(
        """async ([message, armored]) => {
            const m = await import('/theme/js/keaslian.js');
            const bytes = Uint8Array.from(atob(message), (c) => c.charCodeAt(0));
            const ns = 'kpu-rembang-persetujuan';
            try { return (await m.verifySshsig(bytes, armored, ns)).fingerprint; }
            catch (e) { return 'TOLAK: ' + e.message; }
        }""",
        [base64.b64encode(message).decode(), armored],
    )


def _made_by_ssh_keygen(folder: Path, kind: list[str]) -> tuple[str, str, bytes]:
    key = folder / "kunci"
    for old in folder.glob("kunci*"):
        old.unlink()
    subprocess.run(["ssh-keygen", "-q", *kind, "-N", "", "-f", str(key)], check=True)
    message = b"isi yang disetujui\n"
    armored = _sign(key, message, "kpu-rembang-persetujuan", folder / "tt")
    return " ".join(Path(f"{key}.pub").read_text().split()[:2]), armored, message


@pytest.mark.parametrize(
    "kind",
    [["-t", "ed25519"], ["-t", "ecdsa", "-b", "256"], ["-t", "rsa", "-b", "2048"]],
    ids=["ed25519", "ecdsa-p256", "rsa"],
)
def test_signatures_of_ssh_keygen_check_in_the_browser_as_with_ssh_keygen(
    base: str, page: Page, tmp_path: Path, kind: list[str]
) -> None:
    key, armored, message = _made_by_ssh_keygen(tmp_path, kind)
    page.goto(f"{base}/persetujuan/")
    assert _ssh_keygen_says(tmp_path, key, message, armored)
    assert _browser_says(page, message, armored) == _fingerprint(key)
    assert not _ssh_keygen_says(tmp_path, key, message + b".", armored)
    assert _browser_says(page, message + b".", armored).startswith("TOLAK: tanda tangan tidak")


@pytest.mark.parametrize("webauthn", [False, True], ids=["sk-ecdsa", "webauthn-sk"])
def test_passkey_signatures_check_in_the_browser_as_with_ssh_keygen(
    base: str, page: Page, tmp_path: Path, webauthn: bool
) -> None:
    message = b"kpu-rembang: isi yang disetujui\n"
    key, armored = _fido_signature(message, "kpu-rembang-persetujuan", webauthn, 0x05)
    page.goto(f"{base}/persetujuan/")
    assert _ssh_keygen_says(tmp_path, key, message, armored)
    assert _browser_says(page, message, armored) == _fingerprint(key)
    assert not _ssh_keygen_says(tmp_path, key, message + b".", armored)
    assert _browser_says(page, message + b".", armored).startswith("TOLAK: ")
    # Without user presence/verification ssh-keygen may still accept it; the browser does not.
    key, armored = _fido_signature(message, "kpu-rembang-persetujuan", webauthn, 0x00)
    assert _browser_says(page, message, armored).startswith("TOLAK: tanda tangan ")
