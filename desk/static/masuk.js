/* Meja Persetujuan: logging in (#masuk-passkey) and enrolling (#buat-passkey) with a passkey.
 * Each button carries its two endpoints: data-mulai answers {id, options}, the browser makes
 * or uses the passkey, data-selesai checks the answer and starts the session ({lanjut}).
 */
"use strict";
(function () {
  function say(text, isError) {
    const where = document.getElementById("pesan");
    if (!where) return;
    where.textContent = text;
    where.className = isError ? "pesan-galat" : "";
  }
  async function run(button, make) {
    button.disabled = true;
    say(make ? "Membuat passkey… ikuti petunjuk di ponsel Anda." : "Menunggu passkey… ikuti petunjuk di ponsel Anda.", false);
    try {
      const asked = await meja.kirim(button.dataset.mulai, {});
      const credential = make ? await meja.buatPasskey(asked.options) : await meja.pakaiPasskey(asked.options);
      const done = await meja.kirim(button.dataset.selesai, { id: asked.id, credential: credential, lanjut: button.dataset.lanjut });
      say(make ? "Passkey dibuat. Anda sudah masuk." : "Berhasil masuk.", false);
      window.location.assign(done.lanjut || "/");
    } catch (error) {
      say(error && error.status ? error.message : meja.sebutGalat(error), true);
      button.disabled = false;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    const login = document.getElementById("masuk-passkey");
    if (login) login.addEventListener("click", function () { run(login, false); });
    const enrol = document.getElementById("buat-passkey");
    if (enrol) enrol.addEventListener("click", function () { run(enrol, true); });
  });
})();
