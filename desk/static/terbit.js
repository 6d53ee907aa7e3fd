/* Terbitkan: follow a publish or rollback the desk started (no framework).
 * The page is rendered with the job's lines so far (#kemajuan data-tugas, data-jumlah);
 * while it runs, this asks /api/terbit/tugas/<id>?dari=N for the new lines, appends
 * them, and when the child has ended fills #hasil-terbit with the "terbit N, ditahan M"
 * line, what the exit code means and the live site's address. Closing the page never
 * stops the publish: it runs in a process of its own on the server.
 */
"use strict";
(function () {
  const log = document.getElementById("kemajuan");
  if (!log || log.dataset.berjalan !== "1") return;
  const status = document.getElementById("status-tugas");
  const result = document.getElementById("hasil-terbit");
  const started = Date.now();
  let count = Number(log.dataset.jumlah || 0);

  function paragraph(text, className) {
    const p = document.createElement("p");
    if (className) p.className = className;
    p.textContent = text;
    return p;
  }

  function show(job) {
    const good = job.kode === 0;
    const tone = good ? "berhasil" : "galat";
    result.textContent = "";
    if (job.ringkasan) result.appendChild(paragraph(job.ringkasan, tone + " ringkasan"));
    const code = job.kode === null ? "" : " (kode keluar " + job.kode + ")";
    result.appendChild(paragraph(job.arti + code, tone));
    if (job.situs) {
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.className = "tombol";
      a.id = "situs-tayang";
      a.href = job.situs;
      a.textContent = "Buka situs tayang";
      p.appendChild(a);
      result.appendChild(p);
    }
    if (job.lokasi) result.appendChild(paragraph("Situs tayang: " + job.lokasi, "petunjuk"));
    status.textContent = "Selesai.";
    const note = document.getElementById("catatan-sibuk");
    if (note) {
      const again = document.createElement("a");
      again.className = "tombol kedua";
      again.href = "/terbit?tugas=" + encodeURIComponent(job.id);
      again.textContent = "Lihat rencana terbit yang baru";
      note.textContent = "";
      note.appendChild(again);
    }
  }

  async function poll() {
    let job;
    try {
      const answer = await fetch("/api/terbit/tugas/" + encodeURIComponent(log.dataset.tugas) +
        "?dari=" + count, { credentials: "same-origin", headers: { Accept: "application/json" } });
      job = await answer.json();
      if (!answer.ok) throw new Error(job.galat || "status " + answer.status);
    } catch (error) {
      status.textContent = "Meja belum menjawab (" + error.message + "); mencoba lagi.";
      setTimeout(poll, 3000);
      return;
    }
    if (job.baris.length) {
      log.textContent += job.baris.join("\n") + "\n";
      log.scrollTop = log.scrollHeight;
    }
    count = job.jumlah;
    if (job.berjalan) {
      const seconds = Math.round((Date.now() - started) / 1000);
      status.textContent = "Sedang berjalan (" + seconds + " detik di halaman ini). " +
        "Menutup halaman tidak menghentikan penerbitan.";
      setTimeout(poll, 800);
      return;
    }
    show(job);
  }
  poll();
})();
