/* Setujui / Tolak: ask the server to prepare the decision, let the passkey sign its
 * payload on this device, hand the signature back. No inline script (the desk's CSP). */
"use strict";
(function () {
  const form = document.getElementById("keputusan");
  if (!form) return;
  const hasil = document.getElementById("hasil");
  const buttons = [document.getElementById("setujui"), document.getElementById("tolak")];
  function say(text, kind) {
    hasil.textContent = text;
    hasil.className = kind || "";
  }
  async function putuskan(keputusan) {
    const catatan = document.getElementById("catatan").value.trim();
    if (keputusan === "tolak" && !catatan) {
      say("Tuliskan alasan penolakan di Catatan, lalu tekan Tolak lagi.", "galat");
      document.getElementById("catatan").focus();
      return;
    }
    buttons.forEach((b) => { b.disabled = true; });
    say("Menyiapkan tanda tangan...");
    try {
      const siap = await meja.kirim("/api/tugas/siapkan", {
        item: form.dataset.item, digest: form.dataset.digest, keputusan, catatan,
        peran: document.getElementById("peran").value,
      });
      say("Sentuh sensor sidik jari atau buka kunci layar untuk menandatangani.");
      let assertion;
      try {
        assertion = await meja.pakaiPasskey(siap.options);
      } catch (error) {
        say(meja.sebutGalat(error), "galat");
        buttons.forEach((b) => { b.disabled = false; });
        return;
      }
      say("Mencatat keputusan...");
      const jadi = await meja.kirim("/api/tugas/selesai", { id: siap.id, assertion });
      say(jadi.pesan + " Status sekarang: " + jadi.status, "berhasil");
      const serah = jadi.serah;
      if (serah && serah.whatsapp) {
        const link = document.createElement("a");
        link.className = "tombol kedua wa";
        link.href = serah.whatsapp;
        link.rel = "noopener";
        link.target = "_blank";
        link.textContent = "Kirim lewat WhatsApp" + (serah.kepada ? " ke " + serah.kepada : "");
        hasil.after(link);
      }
    } catch (error) {
      say(error.message, "galat");
      buttons.forEach((b) => { b.disabled = false; });
    }
  }
  buttons[0].addEventListener("click", () => putuskan("setuju"));
  buttons[1].addEventListener("click", () => putuskan("tolak"));
})();
