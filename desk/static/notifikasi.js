/* Meja Persetujuan: turning this browser's notifications on and off (/notifikasi).
 * Registers /sw.js at the root scope, subscribes at the browser's push service with the
 * desk's VAPID key (/api/notifikasi/kunci) and hands the subscription to the desk.
 */
"use strict";
(function () {
  const status = document.getElementById("status-notifikasi");
  const on = document.getElementById("aktifkan-notifikasi");
  const off = document.getElementById("matikan-notifikasi");
  const test = document.getElementById("uji-notifikasi");
  if (!status || !on) return;

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "pesan-galat" : "";
  }
  function shown(active) {
    on.hidden = active;
    off.hidden = !active;
    test.hidden = !active;
  }
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    on.disabled = true;
    say("Peramban ini belum dapat menerima notifikasi. Di iPhone atau iPad: tambahkan Meja ke " +
      "Layar Utama dulu (lihat di bawah), lalu buka Meja dari ikonnya.", true);
    return;
  }
  const registered = navigator.serviceWorker.register("/sw.js", { scope: "/" });

  async function subscription() {
    const registration = await registered;
    return registration.pushManager.getSubscription();
  }
  async function check() {
    if (Notification.permission === "denied") {
      say("Notifikasi diblokir untuk meja ini. Izinkan lewat pengaturan situs di peramban, lalu muat ulang halaman.", true);
      return;
    }
    const current = await subscription();
    if (current) {
      await meja.kirim("/api/notifikasi/langganan", current.toJSON());
      say("Notifikasi aktif di perangkat ini.");
      shown(true);
    } else {
      say("Notifikasi belum aktif di perangkat ini.");
      shown(false);
    }
  }
  async function key() {
    const answer = await fetch("/api/notifikasi/kunci", { credentials: "same-origin" });
    return meja.b64urlToBytes((await answer.json()).kunci);
  }
  on.addEventListener("click", async () => {
    on.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say("Izin notifikasi tidak diberikan. Ketuk Aktifkan notifikasi lagi dan pilih Izinkan.", true);
        return;
      }
      say("Menghubungi layanan notifikasi peramban ...");
      const registration = await registered;
      await navigator.serviceWorker.ready;
      const made = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: await key() });
      const answer = await meja.kirim("/api/notifikasi/langganan", made.toJSON());
      say(answer.pesan);
      shown(true);
    } catch (error) {
      say(error.status ? error.message : "Layanan notifikasi peramban tidak dapat dihubungi (" + error.message +
        "). Pastikan jaringan kantor mengizinkannya, lalu coba lagi.", true);
    } finally {
      on.disabled = false;
    }
  });
  off.addEventListener("click", async () => {
    try {
      const current = await subscription();
      if (current) {
        await meja.kirim("/api/notifikasi/berhenti", { endpoint: current.endpoint });
        await current.unsubscribe();
      }
      say("Notifikasi dimatikan di perangkat ini.");
      shown(false);
    } catch (error) {
      say(error.message, true);
    }
  });
  test.addEventListener("click", async () => {
    try {
      say((await meja.kirim("/api/notifikasi/uji", {})).pesan);
    } catch (error) {
      say(error.message, true);
    }
  });
  check().catch((error) => say(error.message, true));
})();
