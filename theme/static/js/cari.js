// Site search for /cari/: loads Pagefind (built after the approval gate, so it holds
// approved pages only) when this page is opened, shows results in Indonesian.
// No other page loads any script.
const base = new URL("../../", import.meta.url); // theme/js/ -> the site's root
const form = document.getElementById("cari-form");
const input = document.getElementById("q");
const status = document.getElementById("cari-status");
const list = document.getElementById("cari-hasil");
let engine = null;

// The index comes in parts (publishing/search_parts.py), listed in pagefind/bagian.json;
// every part is merged into the first before the first search.
async function load() {
  const found = await import(new URL("pagefind/pagefind.js", base).href);
  const settings = { baseUrl: base.pathname, excerptLength: 24 };
  await found.options(settings);
  const parts = await (await fetch(new URL("pagefind/bagian.json", base))).json();
  for (const part of parts) {
    await found.mergeIndex(new URL(`pagefind/${part}`, base).pathname, settings);
  }
  return found;
}

function pagefind() {
  engine = engine || load();
  return engine;
}

function item(result) {
  const li = document.createElement("li");
  li.className = "kartu";
  const h2 = document.createElement("h2");
  h2.className = "kartu-judul";
  const a = document.createElement("a");
  a.href = result.url;
  a.textContent = (result.meta && result.meta.title) || result.url;
  h2.append(a);
  li.append(h2);
  if (result.meta && (result.meta.tanggal || (result.filters && result.filters.jenis))) {
    const meta = document.createElement("p");
    meta.className = "meta";
    const jenis = result.filters && result.filters.jenis ? result.filters.jenis.join(", ") : "";
    meta.textContent = [jenis, result.meta.tanggal].filter(Boolean).join(" · ");
    li.append(meta);
  }
  const excerpt = document.createElement("p");
  excerpt.className = "ringkas";
  excerpt.innerHTML = result.excerpt; // Pagefind escapes the text and adds <mark> only
  li.append(excerpt);
  return li;
}

async function search(query) {
  list.replaceChildren();
  if (!query) {
    status.textContent = "";
    return;
  }
  status.textContent = "Mencari…";
  try {
    const found = await (await pagefind()).search(query);
    const results = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
    list.replaceChildren(...results.map(item));
    status.textContent = results.length
      ? `${found.results.length} hasil untuk “${query}”.`
      : `Tidak ada hasil untuk “${query}”. Coba kata lain, atau telusuri menurut jenis informasi.`;
  } catch (error) {
    status.textContent = "Maaf, pencarian belum dapat dipakai. Silakan telusuri menurut jenis, topik atau arsip.";
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value.trim();
  const url = new URL(location.href);
  url.searchParams.set("q", query);
  history.replaceState(null, "", url);
  search(query);
});

const initial = new URLSearchParams(location.search).get("q") || "";
if (initial) {
  input.value = initial;
  search(initial.trim());
}
