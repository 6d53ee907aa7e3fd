"""Hand-off notifications (issue 14, part E): Web Push from the desk, read as a phone reads it.

A real desk (waitress) serves a site with real sign-offs; browsers subscribe with real
P-256 keys; a push service on loopback records what the desk sends, and the test
decrypts it with the subscription's private key (aes128gcm) and checks the VAPID
signature against the key the desk publishes. The reminder worker is driven one round
at a time with the gate's clock, and once through its own loop.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from axe_playwright_python.sync_playwright import Axe
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from desk.notify import remind_round
from desk.push import notify_next
from deskkit import Desk
from pushkit import Browser, PushService, b64url, desk_for, push_service, unb64url
from sitekit import GIT_ENV, NOW, ROLES, Site

ITEM = "berita/rapat.md"
TITLE = "Rapat Pleno"
CONTACT = "mailto:web@kpu-rembang.go.id"
#: Tests that are not about the reminder worker keep it asleep.
QUIET = {"MEJA_REMIND_EVERY": 3600}
WAIT_MS = 30_000
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"


@pytest.fixture
def service() -> Iterator[PushService]:
    with push_service() as running:
        yield running


@pytest.fixture
def desk(site: Site) -> Iterator[Desk]:
    site.settings = site.write_settings(extra=f"MEJA_PUSH_CONTACT = {CONTACT!r}\n")
    site.article(ITEM, TITLE, "Isi berita.")
    with desk_for(site.settings, **QUIET) as running:
        running.account("andi", "Pejabat Andi", "web-admin")
        running.account("sri", "Pejabat Sri", "kasubbag-tekmas")
        running.account("bambang", "Pejabat Bambang", "sekretaris")
        running.account("rina", "Rina Penulis", "penulis")
        yield running


def subscribe(desk: Desk, service: PushService, account: str, name: str | None = None) -> Browser:
    """Subscribe a new browser of ``account`` through the desk's API."""
    browser = Browser(service.endpoint(name or account))
    answer = desk.post(
        "/api/notifikasi/langganan", desk.client(account), json=browser.subscription()
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"pesan": "Notifikasi aktif di perangkat ini."}
    return browser


def endpoints(desk: Desk) -> list[str]:
    return [r["endpoint"] for r in desk.store.query("SELECT endpoint FROM push_subscriptions")]


def test_the_vapid_key_is_made_once_and_kept_private(site: Site, desk: Desk) -> None:
    key = desk.get("/api/notifikasi/kunci").json()["kunci"]
    raw = unb64url(key)
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point
    path = desk.settings.data / "vapid.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with desk_for(site.settings, **QUIET) as again:  # a restart keeps the same key
        assert again.get("/api/notifikasi/kunci").json()["kunci"] == key


def test_the_service_worker_is_served_for_the_root_scope(desk: Desk) -> None:
    answer = desk.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/javascript")
    assert answer.headers["Service-Worker-Allowed"] == "/"
    assert 'addEventListener("push"' in answer.text
    assert 'addEventListener("notificationclick"' in answer.text


def test_the_next_official_is_told_with_a_message_only_their_browser_can_read(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.sign(ITEM, ROLES[0], at=NOW - timedelta(minutes=10))
    sri = subscribe(desk, service, "sri")
    subscribe(desk, service, "bambang")  # the role after: not told yet
    notice = notify_next(desk.running.app, ITEM)

    assert notice is not None and notice.sent == 1
    assert [r.path for r in service.received] == ["/push/sri"]
    received = service.received[0]
    url = f"{desk.url}/tugas/{ITEM}"
    assert sri.read(received) == {
        "title": f"Menunggu Anda: {TITLE}",
        "body": "Giliran Anda sebagai Kasubbag Tekmas. Menunggu 10 menit dari standar SOP "
        "30 menit.",
        "url": url,
        "tag": ITEM,
    }
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["urgency"] == "high"
    assert received.headers["ttl"] == str(24 * 60 * 60)
    # The same hand-off as 'invoke status --pesan', with the desk's page as its address.
    assert notice.whatsapp is not None and notice.whatsapp.startswith("https://wa.me/?text=")
    text = unquote(notice.whatsapp.removeprefix("https://wa.me/?text="))
    assert text.startswith(f'Mohon persetujuan Kasubbag Tekmas (Pejabat Sri) untuk "{TITLE}"')
    assert f"Pratinjau: {url}" in text
    assert notice.as_dict()["whatsapp"] == notice.whatsapp
    (row,) = desk.store.query("SELECT * FROM notified")
    assert (row["item"], row["digest"], row["role"], row["at"]) == (
        ITEM,
        site.digest(ITEM),
        "kasubbag-tekmas",
        NOW.isoformat(),
    )


def test_the_vapid_signature_verifies_against_the_published_key(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.sign(ITEM, ROLES[0])
    subscribe(desk, service, "sri")
    notify_next(desk.running.app, ITEM)
    header = service.received[0].headers["authorization"]
    assert header.startswith("vapid t=")
    parts = dict(part.split("=", 1) for part in header.removeprefix("vapid ").split(","))
    assert parts["k"] == desk.get("/api/notifikasi/kunci").json()["kunci"]
    assert Vapid.verify(header) is True
    claims = json.loads(unb64url(parts["t"].split(".")[1]))
    assert claims["aud"] == service.url and claims["sub"] == CONTACT
    other = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    assert Vapid.verify(header.replace(parts["k"], b64url(other))) is False  # not another key


def test_a_subscription_the_push_service_calls_gone_is_deleted(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.sign(ITEM, ROLES[0])
    subscribe(desk, service, "sri", "ponsel-lama")
    subscribe(desk, service, "sri", "ponsel-sibuk")
    kept = subscribe(desk, service, "sri", "ponsel-baru")
    service.answers = {"/push/ponsel-lama": 410, "/push/ponsel-sibuk": 503}
    notice = notify_next(desk.running.app, ITEM)

    assert notice is not None and notice.sent == 1  # one failure does not stop the others
    assert kept.read(service.to("ponsel-baru")[0])["title"] == f"Menunggu Anda: {TITLE}"
    assert sorted(endpoints(desk)) == [
        service.endpoint("ponsel-baru"),
        service.endpoint("ponsel-sibuk"),
    ]


def test_a_push_service_that_cannot_be_reached_does_not_stop_the_step(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.sign(ITEM, ROLES[0])
    browser = Browser("http://127.0.0.1:9/push/tertutup")  # nothing listens on port 9
    desk.post("/api/notifikasi/langganan", desk.client("sri"), json=browser.subscription())
    notice = notify_next(desk.running.app, ITEM)
    assert notice is not None and notice.sent == 0 and notice.whatsapp is not None
    assert endpoints(desk) == ["http://127.0.0.1:9/push/tertutup"]


def test_after_a_rejection_the_writer_is_told_what_to_fix(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.sign(ITEM, ROLES[0])
    site.sign(ITEM, ROLES[1], decision="tolak", note="Tanggal rapat keliru")
    rina = subscribe(desk, service, "rina")
    subscribe(desk, service, "sri")
    notice = notify_next(desk.running.app, ITEM)

    assert notice is not None and notice.role == "penulis"
    assert [r.path for r in service.received] == ["/push/rina"]
    assert rina.read(service.received[0]) == {
        "title": f"Perlu perbaikan: {TITLE}",
        "body": "Ditolak Kasubbag Tekmas: Tanggal rapat keliru. Perbaiki naskahnya, lalu "
        "kirim ulang.",
        "url": f"{desk.url}/naskah/ubah/{ITEM}",
        "tag": ITEM,
    }
    assert notice.handoff is not None
    assert notice.handoff.text.startswith(
        f'Mohon perbaikan untuk "{TITLE}" ({ITEM}): ditolak Kasubbag Tekmas: Tanggal rapat keliru.'
    )


def test_the_writer_told_is_the_one_who_wrote_the_item(
    site: Site, desk: Desk, service: PushService
) -> None:
    desk.account("tono", "Tono Penulis", "penulis")
    site.commit()
    site.article(ITEM, TITLE, "Isi berita yang diperbaiki.")
    who = {"GIT_AUTHOR_NAME": "Rina Penulis", "GIT_AUTHOR_EMAIL": "rina@meja.kpu-rembang.invalid"}
    subprocess.run(
        ["git", "commit", "-q", "-am", "Perbaikan"],
        cwd=site.root,
        check=True,
        env={**os.environ, **GIT_ENV, **who},
    )
    site.sign(ITEM, ROLES[0], decision="tolak", note="Foto belum ada")
    subscribe(desk, service, "rina")
    subscribe(desk, service, "tono")
    notice = notify_next(desk.running.app, ITEM)
    assert notice is not None and notice.accounts == ("rina",)
    assert [r.path for r in service.received] == ["/push/rina"]


def test_a_complete_record_goes_to_the_web_admin_to_publish(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.approve_all(ITEM)
    andi = subscribe(desk, service, "andi")
    subscribe(desk, service, "bambang")
    notice = notify_next(desk.running.app, f"content/{ITEM}")  # the CLI's spelling works too

    assert notice is not None and notice.role == "terbit" and notice.handoff is None
    assert [r.path for r in service.received] == ["/push/andi"]
    assert andi.read(service.received[0]) == {
        "title": f"Siap diterbitkan: {TITLE}",
        "body": "Keempat persetujuan sudah lengkap. Terbitkan lewat Meja.",
        "url": f"{desk.url}/terbit",
        "tag": ITEM,
    }


def test_an_overdue_step_is_told_again_once_per_interval(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.sign(ITEM, ROLES[0], at=NOW - timedelta(hours=3))  # 3 h against a 30-minute standard
    site.article("berita/baru.md", "Baru", "Isi.")
    site.sign("berita/baru.md", ROLES[0], at=NOW - timedelta(minutes=10))  # within standard
    sri = subscribe(desk, service, "sri")
    app = desk.running.app
    assert desk.settings.remind_minutes == 60

    (told,) = remind_round(app, NOW)
    assert told.item == ITEM
    assert sri.read(service.received[0])["body"] == (
        "Terlambat: sudah menunggu 3 jam, melewati standar SOP 30 menit. "
        "Mohon diperiksa sebagai Kasubbag Tekmas."
    )
    assert remind_round(app, NOW) == []
    assert remind_round(app, NOW + timedelta(minutes=15)) == []  # the new one: 25 minutes
    later = remind_round(app, NOW + timedelta(minutes=61))
    assert sorted(n.item for n in later) == ["berita/baru.md", ITEM]
    assert sorted(sri.read(r)["body"].split(",")[0] for r in service.received[1:]) == [
        "Terlambat: sudah menunggu 1 jam 11 menit",
        "Terlambat: sudah menunggu 4 jam 1 menit",
    ]


def test_a_step_told_after_it_became_overdue_waits_its_interval(
    site: Site, desk: Desk, service: PushService
) -> None:
    site.sign(ITEM, ROLES[0], at=NOW - timedelta(hours=3))
    subscribe(desk, service, "sri")
    notify_next(desk.running.app, ITEM)  # the hand-off itself, at NOW
    assert remind_round(desk.running.app, NOW + timedelta(minutes=30)) == []
    assert len(remind_round(desk.running.app, NOW + timedelta(minutes=60))) == 1


def test_the_reminder_worker_runs_in_the_running_desk(site: Site, service: PushService) -> None:
    site.article(ITEM, TITLE, "Isi berita.")
    site.sign(ITEM, ROLES[0], at=NOW - timedelta(hours=1))
    with desk_for(site.settings, MEJA_REMIND_EVERY=0.1) as desk:
        desk.account("sri", "Pejabat Sri", "kasubbag-tekmas")
        sri = subscribe(desk, service, "sri")
        (received,) = service.wait_for(1)
        assert sri.read(received)["title"] == f"Menunggu Anda: {TITLE}"
        assert sri.read(received)["body"].startswith("Terlambat: sudah menunggu 1 jam,")


def test_subscriptions_belong_to_the_logged_in_account(desk: Desk, service: PushService) -> None:
    browser = Browser(service.endpoint("sri"))
    anonymous = desk.post("/api/notifikasi/langganan", json=browser.subscription())
    assert anonymous.status_code == 401
    assert anonymous.json()["galat"] == "Anda belum masuk ke meja."
    sri = desk.client("sri")
    broken = {**browser.subscription(), "keys": {"p256dh": "AAAA", "auth": "AAAA"}}
    refused = desk.post("/api/notifikasi/langganan", sri, json=broken)
    assert refused.status_code == 400
    assert refused.json()["galat"] == (
        "Data langganan notifikasi dari peramban tidak lengkap atau rusak."
    )
    no_csrf = desk.post(
        "/api/notifikasi/langganan",
        desk.client("sri"),
        json=browser.subscription(),
        headers={"X-CSRF-Token": "salah"},
    )
    assert no_csrf.status_code == 403
    assert desk.post("/api/notifikasi/langganan", sri, json=browser.subscription()).ok
    assert desk.store.one("SELECT account FROM push_subscriptions")["account"] == "sri"
    # Another account cannot stop Sri's notifications; Sri can.
    bambang = desk.client("bambang")
    desk.post("/api/notifikasi/berhenti", bambang, json={"endpoint": browser.endpoint})
    assert endpoints(desk) == [browser.endpoint]
    stopped = desk.post("/api/notifikasi/berhenti", sri, json={"endpoint": browser.endpoint})
    assert stopped.json() == {"pesan": "Notifikasi dimatikan di perangkat ini."}
    assert endpoints(desk) == []


def test_the_test_button_reaches_every_browser_of_the_account(
    desk: Desk, service: PushService
) -> None:
    phone = subscribe(desk, service, "sri", "ponsel")
    subscribe(desk, service, "sri", "laptop")
    answer = desk.post("/api/notifikasi/uji", desk.client("sri"), json={})
    assert answer.json() == {"terkirim": 2, "pesan": "Notifikasi uji terkirim ke 2 perangkat."}
    assert phone.read(service.to("ponsel")[0])["title"] == "Uji notifikasi Meja Persetujuan"


def test_the_home_page_links_to_the_notifications_page(desk: Desk) -> None:
    sri = desk.client("sri")
    assert 'href="/notifikasi"' in desk.get("/", sri).text
    page = desk.get("/notifikasi", sri).text
    assert '<button type="button" id="aktifkan-notifikasi">Aktifkan notifikasi</button>' in page
    assert "/static/notifikasi.js" in page and "<script>" not in page


@pytest.mark.browser
def test_the_service_worker_registers_at_the_root_and_shows_a_push(
    desk: Desk, browser: Any
) -> None:
    """In Debian chromium at 390 px: /notifikasi registers /sw.js for scope "/".

    Subscribing needs the browser vendor's push service, which Chromium cannot reach
    offline, so the message is handed to the service worker through the DevTools
    protocol instead (``ServiceWorker.deliverPushMessage``), as a push service would.
    """
    token = desk.client("sri").cookies.get("meja_sesi")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "meja_sesi", "value": token, "url": desk.url}])
    context.grant_permissions(["notifications"], origin=desk.url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.goto(desk.url + "/notifikasi")
    status = page.locator("#status-notifikasi")
    status.filter(has_text="Notifikasi belum aktif di perangkat ini.").wait_for(timeout=WAIT_MS)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == desk.url + "/"
    assert page.locator("#aktifkan-notifikasi").inner_text() == "Aktifkan notifikasi"
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    (registration,) = {r["registrationId"] for r in registrations if r["scopeURL"] == scope}
    message = {
        "title": f"Menunggu Anda: {TITLE}",
        "body": "Giliran Anda.",
        "url": f"/tugas/{ITEM}",
        "tag": ITEM,
    }
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": desk.url, "registrationId": registration, "data": json.dumps(message)},
    )
    shown = page.wait_for_function(
        "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((all) => "
        "all.length ? all.map((n) => [n.title, n.body, n.data.url]) : null)",
        timeout=WAIT_MS,
    ).json_value()
    assert shown == [[f"Menunggu Anda: {TITLE}", "Giliran Anda.", f"{desk.url}/tugas/{ITEM}"]]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "meja-notifikasi-390.png"), full_page=True)
    context.close()
