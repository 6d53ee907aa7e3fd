/* Meja Persetujuan, the writers' pages: live preview and the kind's own fields.
 * - The preview: while the writer types, the text is sent (debounced) to the desk, which
 *   renders it with the site's Markdown settings; the answer goes into iframe.pratinjau
 *   through srcdoc. The frame is sandbox="" (no scripts, an origin of its own): a
 *   writer's raw HTML is shown as the site would show it and can never run here.
 * - The fields of the chosen kind (fieldset.kolom-jenis[data-jenis]) are shown, others hidden.
 */
"use strict";
(function () {
  const TUNDA = 400;
  function pratinjau(form) {
    const frame = form.querySelector("iframe.pratinjau");
    const isi = form.querySelector("textarea[name=isi]");
    const judul = form.querySelector("input[name=judul]");
    const keadaan = document.getElementById("keadaan-pratinjau");
    if (!frame || !isi || !form.dataset.pratinjau) return;
    let timer = null;
    let nomor = 0;
    async function perbarui() {
      const ini = ++nomor;
      try {
        const jawaban = await window.meja.kirim(form.dataset.pratinjau, {
          isi: isi.value, judul: judul ? judul.value : "", item: form.dataset.item || "",
        });
        if (ini !== nomor) return; // a newer request is on its way
        frame.srcdoc = jawaban.html;
        if (keadaan) keadaan.textContent = "Pratinjau sudah sesuai teks terakhir.";
      } catch (error) {
        if (keadaan) keadaan.textContent = "Pratinjau tidak dapat dimuat: " + error.message;
      }
    }
    function nanti() {
      clearTimeout(timer);
      if (keadaan) keadaan.textContent = "Memperbarui pratinjau…";
      timer = setTimeout(perbarui, TUNDA);
    }
    isi.addEventListener("input", nanti);
    if (judul) judul.addEventListener("input", nanti);
    if (!frame.getAttribute("srcdoc") && isi.value.trim()) perbarui();
  }
  function kolomJenis(form) {
    const pilih = form.querySelector("select[name=jenis]");
    if (!pilih) return;
    function tampilkan() {
      for (const kolom of form.querySelectorAll("fieldset.kolom-jenis")) {
        kolom.hidden = kolom.dataset.jenis !== pilih.value;
      }
    }
    pilih.addEventListener("change", tampilkan);
    tampilkan();
  }
  function mulai() {
    for (const form of document.querySelectorAll("form.naskah")) {
      kolomJenis(form);
      pratinjau(form);
    }
    const masalah = document.getElementById("masalah");
    if (masalah) masalah.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mulai);
  else mulai();
})();
