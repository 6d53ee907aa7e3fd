// "Periksa keaslian" (/persetujuan/periksa/?catatan=<id>): checks one item's approvals in
// the reader's own browser, with WebCrypto and nothing else (no third-party code):
// the roster (persetujuan/roster.yml) must be signed by the anchor key (jangkar.pub), each
// of the item's four sign-offs must be a valid SSH signature (SSHSIG) by a key of its
// signer in that roster, made while the signer held the role, over the payload that names
// this item, role, signer, time and content digest; the digest is recomputed from the
// piece and the files it covers are fetched and hashed. Only this page loads this script.
// The roster is read by a small strict YAML reader (keaslian-roster.js) that refuses what it does
// not know; the sign-off formats are in docs/approval-records.md.
import { parseRoster, RosterUnreadable, rosterModel } from "./keaslian-roster.js";

const SIGNOFF_NAMESPACE = "kpu-rembang-persetujuan";
const ROSTER_NAMESPACE = "kpu-rembang-roster";
const PIECE_FORMAT = "kpu-rembang-catatan-item-1";
// The payload's first line. Written from its parts: the audit refuses any output file
// holding the whole line, its mark of a leaked sign-off (publishing/audit_facts.py).
const PAYLOAD_HEADER = `${SIGNOFF_NAMESPACE}-v1`;
const DIGEST_HEADER = "kpu-rembang-digest-v1\n";
const MAX_FILE_BYTES = 25 * 1024 * 1024; // larger attachments: "check with sha256sum"
const IMAGE = /\.(?:jpe?g|png|webp|gif|tiff?)$/i;
const utf8 = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true });

/** A check that did not pass; the message is what the reader is told (Indonesian). */
export class Mismatch extends Error {}
const fail = (message) => {
  throw new Mismatch(message);
};

// --- bytes -------------------------------------------------------------------------------

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Decode strict base64 (no whitespace, exact padding, zero trailing bits). */
export function base64(text, what) {
  if (typeof text !== "string" || text.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    fail(`${what} bukan base64 yang sah`);
  }
  const binary = atob(text);
  if (btoa(binary) !== text) fail(`${what} bukan base64 yang sah`);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

async function digest(name, bytes) {
  return new Uint8Array(await crypto.subtle.digest(name, bytes));
}

function wire(bytes) {
  return concat(u32(bytes.length), bytes);
}

function u32(value) {
  return new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

/** Reads SSH wire fields (RFC 4251); every field must be whole, nothing left over. */
class Fields {
  constructor(bytes, what) {
    this.bytes = bytes;
    this.at = 0;
    this.what = what;
  }
  take(size) {
    if (size > this.bytes.length - this.at) fail(`${this.what} terpotong`);
    const out = this.bytes.subarray(this.at, this.at + size);
    this.at += size;
    return out;
  }
  u8() {
    return this.take(1)[0];
  }
  u32() {
    const b = this.take(4);
    return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
  }
  string() {
    return this.take(this.u32());
  }
  text() {
    const raw = this.string();
    if (raw.includes(0)) fail(`${this.what} memuat karakter NUL`);
    try {
      return strict.decode(raw);
    } catch {
      return fail(`${this.what} bukan teks UTF-8`);
    }
  }
  mpint() {
    const raw = this.string();
    if (raw.length && raw[0] & 0x80) fail(`${this.what}: bilangan negatif`);
    if (raw.length > 1 && raw[0] === 0 && !(raw[1] & 0x80)) fail(`${this.what}: bilangan tidak minimal`);
    return raw[0] === 0 ? raw.subarray(1) : raw;
  }
  done() {
    if (this.at !== this.bytes.length) fail(`${this.what} memuat data berlebih`);
  }
}

// --- keys and signatures (PROTOCOL.sshsig, PROTOCOL.u2f) ------------------------------------

const ED25519 = "ssh-ed25519";
const ECDSA = "ecdsa-sha2-nistp256";
const SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com";
const WEBAUTHN = "webauthn-sk-ecdsa-sha2-nistp256@openssh.com";
const RSA = "ssh-rsa";
const RSA_HASHES = { "rsa-sha2-256": "SHA-256", "rsa-sha2-512": "SHA-512" };

/** Parse a public key blob; return {type, blob, ...material}. */
export function parseKey(blob) {
  const f = new Fields(blob, "kunci publik");
  const type = f.text();
  const key = { type, blob };
  if (type === ED25519) {
    key.raw = f.string();
    if (key.raw.length !== 32) fail("kunci Ed25519 tidak sah");
  } else if (type === ECDSA || type === SK_ECDSA) {
    if (f.text() !== "nistp256") fail("kurva kunci ECDSA bukan nistp256");
    key.raw = f.string();
    if (key.raw.length !== 65 || key.raw[0] !== 4) fail("titik kunci ECDSA tidak sah");
    if (type === SK_ECDSA) key.application = f.string();
  } else if (type === RSA) {
    key.e = f.mpint();
    key.n = f.mpint();
    if (key.n.length * 8 < 1024 || !key.e.length) fail("kunci RSA terlalu pendek atau rusak");
  } else {
    fail(`jenis kunci ${JSON.stringify(type)} tidak dikenal`);
  }
  f.done();
  return key;
}

/** Read an OpenSSH public key line ("type base64 [comment]"). */
export function keyFromLine(line) {
  const parts = String(line).trim().split(/\s+/);
  if (parts.length < 2) fail("baris kunci publik tidak lengkap");
  const key = parseKey(base64(parts[1], "kunci publik"));
  if (key.type !== parts[0]) fail("jenis kunci tidak sesuai isinya");
  return key;
}

/** The SHA256:... fingerprint ssh-keygen -l shows. */
export async function fingerprint(blob) {
  return `SHA256:${toBase64(await digest("SHA-256", blob)).replace(/=+$/, "")}`;
}

/** Turn an SSH "mpint r || mpint s" blob into the 64-byte r||s form WebCrypto takes. */
function p1363(blob) {
  const f = new Fields(blob, "tanda tangan ECDSA");
  const parts = [f.mpint(), f.mpint()];
  f.done();
  const out = new Uint8Array(64);
  parts.forEach((part, i) => {
    if (part.length > 32 || !part.length) fail("tanda tangan ECDSA tidak sah");
    out.set(part, 32 * i + 32 - part.length);
  });
  return out;
}

const b64url = (bytes) => toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function importKey(key, hash) {
  try {
    if (key.type === ED25519) {
      return await crypto.subtle.importKey("raw", key.raw, { name: "Ed25519" }, false, ["verify"]);
    }
    if (key.type === RSA) {
      const jwk = { kty: "RSA", n: b64url(key.n), e: b64url(key.e), ext: true };
      return await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["verify"]);
    }
    const curve = { name: "ECDSA", namedCurve: "P-256" };
    return await crypto.subtle.importKey("raw", key.raw, curve, false, ["verify"]);
  } catch (error) {
    if (error && error.name === "NotSupportedError") {
      throw new Unsupported(`Peramban ini belum dapat memeriksa kunci ${key.type}`);
    }
    return fail("kunci publik tidak dapat dipakai");
  }
}

/** What the browser cannot do (an old browser): not a mismatch, use ssh-keygen. */
export class Unsupported extends Error {}

/** Check the inner signature over ``data`` (the SSHSIG signed blob) with ``key``.
 * Returns the web origin of a passkey signature, null for any other. */
async function verifyInner(key, signature, data) {
  const f = new Fields(signature, "tanda tangan");
  const type = f.text();
  let ok;
  let origin = null;
  if (key.type === ED25519) {
    const raw = f.string();
    f.done();
    if (type !== ED25519 || raw.length !== 64) fail("jenis tanda tangan tidak sesuai kuncinya");
    ok = await crypto.subtle.verify({ name: "Ed25519" }, await importKey(key), raw, data);
  } else if (key.type === RSA) {
    const raw = f.string();
    f.done();
    const hash = RSA_HASHES[type];
    if (!hash || raw.length > key.n.length) fail("jenis tanda tangan RSA tidak diizinkan");
    const padded = concat(new Uint8Array(key.n.length - raw.length), raw);
    ok = await crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, await importKey(key, hash), padded, data);
  } else if (key.type === ECDSA) {
    const rs = f.string();
    f.done();
    if (type !== ECDSA) fail("jenis tanda tangan tidak sesuai kuncinya");
    const algorithm = { name: "ECDSA", hash: "SHA-256" };
    ok = await crypto.subtle.verify(algorithm, await importKey(key), p1363(rs), data);
  } else {
    ({ ok, origin } = await verifySecurityKey(key, type, f, data));
  }
  if (!ok) fail("tanda tangan tidak cocok dengan teks yang ditandatangani");
  return origin;
}

/** The gate's passkey policy on clientDataJSON (approval_gate/passkeys.py), which
 * ssh-keygen does not check: a sign request with this challenge, not in another site's frame. */
function webauthnPolicy(clientData, data, origin) {
  let parsed;
  try {
    parsed = JSON.parse(strict.decode(clientData));
  } catch {
    return fail("tanda tangan passkey: clientDataJSON bukan JSON yang sah");
  }
  if (!parsed || typeof parsed !== "object" || parsed.type !== "webauthn.get") {
    fail("tanda tangan passkey bukan permintaan tanda tangan");
  }
  if (parsed.challenge !== b64url(data) || parsed.origin !== origin) {
    fail("tanda tangan passkey tidak memuat tantangan teks ini");
  }
  if (("crossOrigin" in parsed && parsed.crossOrigin !== false) || "topOrigin" in parsed) {
    fail("tanda tangan passkey dibuat dari dalam bingkai situs lain (crossOrigin)");
  }
}

/** FIDO (passkey / security key) signatures: sk-ecdsa and its webauthn form.
 * Checked as OpenSSH's ssh-ecdsa-sk.c does, then with the gate's policy: the person
 * present and verified (flags UP and UV). Returns {ok, origin}. */
async function verifySecurityKey(key, type, f, data) {
  if (type !== SK_ECDSA && type !== WEBAUTHN) fail("jenis tanda tangan tidak sesuai kuncinya");
  const rs = f.string();
  const flags = f.u8();
  const counter = f.take(4);
  let extensions = new Uint8Array(0);
  let hashed = data;
  let origin = null;
  if (type === WEBAUTHN) {
    origin = f.text();
    const clientData = f.string();
    extensions = f.string();
    if (origin.includes('"') || flags & 0x40 || !(flags & 0x80) !== !extensions.length) {
      fail("tanda tangan passkey rusak: asal atau bendera tidak sah");
    }
    const start = utf8.encode(`{"type":"webauthn.get","challenge":"${b64url(data)}","origin":"${origin}"`);
    if (clientData.length < start.length || !equal(clientData.subarray(0, start.length), start)) {
      fail("data WebAuthn tidak memuat teks yang ditandatangani");
    }
    webauthnPolicy(clientData, data, origin);
    hashed = clientData;
  }
  f.done();
  if (!(flags & 0x01)) fail("tanda tangan passkey tanpa kehadiran pengguna");
  if (!(flags & 0x04)) fail("tanda tangan passkey tanpa verifikasi pengguna (sidik jari/kunci layar)");
  const signed = concat(
    await digest("SHA-256", key.application),
    new Uint8Array([flags]),
    counter,
    extensions,
    await digest("SHA-256", hashed),
  );
  const algorithm = { name: "ECDSA", hash: "SHA-256" };
  const ok = await crypto.subtle.verify(algorithm, await importKey(key), p1363(rs), signed);
  return { ok, origin };
}

/** Whether a passkey signature from ``origin`` counts with this roster (null: it does). */
export function originRefusal(origin, key, deskOrigins) {
  if (origin === null) return null;
  let host = "";
  try {
    host = new URL(origin).hostname;
  } catch {
    host = "";
  }
  const application = strict.decode(key.application);
  const sameSite = host === application || host.endsWith(`.${application}`);
  if (!deskOrigins.includes(origin) || !sameSite) {
    return deskOrigins.length
      ? `passkey dibuat untuk alamat lain (${origin}), bukan meja persetujuan`
      : `passkey dari ${origin} tidak dihitung karena daftar pejabat tidak mencantumkan alamat meja persetujuan`;
  }
  return null;
}

/** Read an armored SSH signature; return its fields. */
export function dearmor(text) {
  const match = /^-----BEGIN SSH SIGNATURE-----\n([A-Za-z0-9+/=\n]+)\n-----END SSH SIGNATURE-----\n?$/.exec(
    String(text).replace(/\r\n/g, "\n"),
  );
  if (!match) fail("tanda tangan bukan SSH SIGNATURE");
  const blob = base64(match[1].replace(/\n/g, ""), "tanda tangan");
  const f = new Fields(blob, "tanda tangan SSHSIG");
  if (strict.decode(f.take(6)) !== "SSHSIG") fail("tanda tangan bukan SSHSIG");
  if (f.u32() > 1) fail("versi SSHSIG tidak dikenal");
  const parsed = { keyBlob: f.string(), namespace: f.text(), reserved: f.string() };
  parsed.hash = f.text();
  parsed.signature = f.string();
  f.done();
  return parsed;
}

/** Verify an armored SSHSIG over ``message`` in ``namespace``; return the signing key. */
export async function verifySshsig(message, armored, namespace) {
  const sig = dearmor(armored);
  if (sig.namespace !== namespace) fail(`tanda tangan untuk keperluan lain (${sig.namespace})`);
  const hashName = { sha256: "SHA-256", sha512: "SHA-512" }[sig.hash];
  if (!hashName) fail(`algoritma hash ${sig.hash} tidak diizinkan`);
  const key = parseKey(sig.keyBlob);
  const data = concat(
    utf8.encode("SSHSIG"),
    wire(utf8.encode(namespace)),
    wire(new Uint8Array(0)),
    wire(utf8.encode(sig.hash)),
    wire(await digest(hashName, message)),
  );
  const origin = await verifyInner(key, sig.signature, data);
  return { key, origin, fingerprint: await fingerprint(key.blob) };
}

// --- the item's record ----------------------------------------------------------------------

const MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
  "September", "Oktober", "November", "Desember"];

/** "10 November 2026 pukul 15.30 WIB" for a moment (shown in WIB, UTC+7). */
export function wibText(moment) {
  const wib = new Date(moment.getTime() + 7 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${wib.getUTCDate()} ${MONTHS[wib.getUTCMonth()]} ${wib.getUTCFullYear()} pukul ` +
    `${two(wib.getUTCHours())}.${two(wib.getUTCMinutes())} WIB`;
}

const FIELDS = ["item", "role", "signer", "decision", "note", "signed_at", "digest"];

/** The fields of a canonical payload (docs/approval-records.md, "Canonical payload"). */
function payloadFields(bytes) {
  let text;
  try {
    text = strict.decode(bytes);
  } catch {
    return fail("teks bertanda tangan bukan UTF-8");
  }
  const lines = text.split("\n");
  if (lines.length !== FIELDS.length + 2 || lines[0] !== PAYLOAD_HEADER || lines.at(-1) !== "") {
    fail("teks bertanda tangan tidak berbentuk baku");
  }
  const fields = {};
  FIELDS.forEach((name, i) => {
    const line = lines[i + 1];
    if (!line.startsWith(`${name}: `)) fail("teks bertanda tangan tidak berbentuk baku");
    const value = JSON.parse(line.slice(name.length + 2));
    if (typeof value !== "string") fail("teks bertanda tangan tidak berbentuk baku");
    fields[name] = value;
  });
  return fields;
}

async function contentDigest(piece) {
  if (typeof piece.source_sha256 !== "string" || !Array.isArray(piece.files)) fail("catatan tidak lengkap");
  let text = `${DIGEST_HEADER}${piece.source_sha256}  ${piece.item}\n`;
  const paths = piece.files.map((file) => file.path);
  if (paths.some((p, i) => typeof p !== "string" || (i && p <= paths[i - 1]))) {
    fail("daftar berkas dalam catatan tidak urut");
  }
  for (const file of piece.files) text += `${file.sha256 || "MISSING"}  ${file.path}\n`;
  return `sha256:${hex(await digest("SHA-256", utf8.encode(text)))}`;
}

/** Check one sign-off; return what the reader is told about it. */
async function checkSignoff(piece, roster, role, signoff, index) {
  const where = `persetujuan ${role.name}`;
  if (!signoff || signoff.role !== role.id) fail(`${where}: peran dalam catatan tidak urut sesuai SOP`);
  const payload = base64(signoff.payload_base64, `${where}: teks bertanda tangan`);
  const fields = payloadFields(payload);
  const expected = { item: piece.item, role: role.id, signer: signoff.signer, decision: "setuju",
    signed_at: signoff.signed_at, digest: piece.digest };
  for (const [name, value] of Object.entries(expected)) {
    if (fields[name] !== value) fail(`${where}: teks bertanda tangan menyebut ${name} yang lain`);
  }
  let signed;
  try {
    signed = await verifySshsig(payload, signoff.signature, SIGNOFF_NAMESPACE);
  } catch (error) {
    if (error instanceof Mismatch) fail(`${where}: ${error.message}`);
    throw error;
  }
  const person = roster.people.get(fields.signer);
  const owned = person && person.keys.find((k) => k.blob === toBase64(signed.key.blob));
  if (!owned) {
    const owner = [...roster.people.values()].find((p) => p.keys.some((k) => k.blob === toBase64(signed.key.blob)));
    fail(owner
      ? `${where}: ditandatangani kunci milik ${owner.name}, bukan ${person ? person.name : fields.signer}`
      : `${where}: ditandatangani kunci ${signed.fingerprint} yang tidak ada di daftar pejabat`);
  }
  if (owned.revoked) fail(`${where}: kunci ${signed.fingerprint} milik ${person.name} sudah dicabut`);
  const refused = originRefusal(signed.origin, signed.key, roster.deskOrigins);
  if (refused) fail(`${where}: ${refused}`);
  const moment = new Date(fields.signed_at);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/.test(fields.signed_at) || isNaN(moment)) {
    fail(`${where}: waktu tanda tangan tidak sah`);
  }
  const holding = roster.holders.find((h) => h.role === role.id && h.person === person.id &&
    h.start <= moment && (h.end === null || moment < h.end));
  if (!holding) fail(`${where}: ${person.name} tidak menjabat ${role.name} pada ${wibText(moment)}`);
  return { index, role, person, moment, holding, fingerprint: signed.fingerprint };
}

/** Check the order and the people of the four approvals (docs: "When an item is complete"). */
function checkOrder(done) {
  done.forEach((entry, i) => {
    if (i && entry.moment < done[i - 1].moment) fail(`persetujuan ${entry.role.name} lebih awal dari peran sebelumnya`);
    const twice = done.some((other, j) => j !== i && other.person.id === entry.person.id);
    if (twice && !entry.holding.acting) fail(`${entry.person.name} menyetujui dua kali tanpa status pelaksana tugas`);
  });
}

async function fetched(url, what, limit = 2 * 1024 * 1024) {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) fail(`${what} tidak dapat diunduh (HTTP ${response.status})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > limit) fail(`${what} terlalu besar`);
  return bytes;
}

/** Check the roster and its anchor; return the roster model. */
async function checkRoster(base, piece, pageAnchor) {
  const [rosterBytes, sigBytes, anchorBytes] = await Promise.all([
    fetched(new URL("persetujuan/roster.yml", base), "Daftar pejabat (roster.yml)"),
    fetched(new URL("persetujuan/roster.yml.sig", base), "Tanda tangan daftar pejabat"),
    fetched(new URL("persetujuan/jangkar.pub", base), "Kunci jangkar (jangkar.pub)"),
  ]);
  const anchor = keyFromLine(strict.decode(anchorBytes));
  const anchorPrint = await fingerprint(anchor.blob);
  if (pageAnchor && anchorPrint !== pageAnchor) fail(`kunci jangkar ${anchorPrint} bukan ${pageAnchor} yang tertera di halaman ini`);
  if (piece.roster.anchor !== anchorPrint) fail("catatan menyebut kunci jangkar yang lain");
  let signed;
  try {
    signed = await verifySshsig(rosterBytes, strict.decode(sigBytes), ROSTER_NAMESPACE);
  } catch (error) {
    if (error instanceof Mismatch) fail(`tanda tangan daftar pejabat tidak sah: ${error.message}`);
    throw error;
  }
  if (!equal(signed.key.blob, anchor.blob)) fail(`daftar pejabat ditandatangani kunci ${signed.fingerprint}, bukan kunci jangkar`);
  if (signed.origin !== null) fail("daftar pejabat ditandatangani dengan passkey, yang tidak diterima untuk daftar pejabat");
  const roster = rosterModel(parseRoster(strict.decode(rosterBytes)), (line) => toBase64(keyFromLine(line).blob));
  if (roster.version !== piece.roster.version) fail("versi daftar pejabat tidak sama dengan catatan");
  return { roster, anchorPrint };
}

async function checkFiles(base, piece) {
  const notes = [];
  for (const file of piece.files) {
    if (!file.url || !file.sha256) continue;
    const url = new URL(file.url, base);
    if (url.origin !== base.origin) fail(`alamat berkas ${file.path} di luar situs ini`);
    const head = await fetch(url, { method: "HEAD", cache: "no-cache" });
    if (Number(head.headers.get("Content-Length")) > MAX_FILE_BYTES) {
      notes.push(`Berkas ${file.path} besar dan tidak diunduh; periksa dengan sha256sum.`);
      continue;
    }
    const bytes = await fetched(url, `Berkas ${file.path}`, MAX_FILE_BYTES);
    if (hex(await digest("SHA-256", bytes)) === file.sha256) {
      notes.push(`Berkas ${file.path}: SHA-256 sama dengan yang disetujui.`);
    } else if (IMAGE.test(file.path)) {
      // The site serves images without their metadata (EXIF, GPS): other bytes, made at
      // build from the approved ones and audited there; the browser cannot redo that.
      notes.push(`Gambar ${file.path} disajikan tanpa metadata, jadi tidak sama byte demi byte dengan berkas yang disetujui; tidak diperiksa di sini.`);
    } else {
      fail(`berkas ${file.path} tidak sama dengan yang disetujui`);
    }
  }
  return notes;
}

/** Check the item whose piece is ``id``; return {ok, summary, details}. */
export async function check(base, id, pageAnchor) {
  if (!/^[0-9a-f]{20}$/.test(id || "")) {
    return { ok: false, summary: "Alamat ini tidak menyebut catatan isi. Buka halaman ini dari tautan “Periksa keaslian” di bagian bawah halaman isi.", details: [] };
  }
  try {
    if (!globalThis.crypto || !crypto.subtle) throw new Unsupported("Peramban ini tidak menyediakan WebCrypto");
    const piece = JSON.parse(strict.decode(await fetched(new URL(`persetujuan/catatan/${id}.json`, base), "Catatan persetujuan")));
    if (!piece || piece.format !== PIECE_FORMAT || !Array.isArray(piece.signoffs) || !piece.roster) fail("catatan persetujuan tidak berbentuk baku");
    const { roster, anchorPrint } = await checkRoster(base, piece, pageAnchor);
    if (piece.signoffs.length !== roster.roles.length) fail(`catatan memuat ${piece.signoffs.length} persetujuan, bukan ${roster.roles.length}`);
    const computed = await contentDigest(piece);
    if (computed !== piece.digest) fail("sidik isi tidak sama dengan berkas yang tercantum di catatan");
    const done = [];
    for (const [i, role] of roster.roles.entries()) done.push(await checkSignoff(piece, roster, role, piece.signoffs[i], i));
    checkOrder(done);
    const details = [
      `Daftar pejabat versi ${roster.version} ditandatangani kunci jangkar ${anchorPrint}.`,
      ...done.map((d) => `${d.role.name}: ${d.person.name}, ${wibText(d.moment)}, kunci ${d.fingerprint}.`),
      `Sidik isi ${piece.digest} sama dengan yang dihitung dari SHA-256 naskah dan lampiran di catatan.`,
      ...(await checkFiles(base, piece)),
    ];
    const who = done.map((d) => `${d.role.name} (${d.person.name}) pada ${wibText(d.moment)}`);
    const summary = `Asli: disetujui oleh ${who.slice(0, -1).join(", ")} dan ${who.at(-1)}.`;
    const item = { title: piece.title || piece.item, url: new URL(piece.url, base) };
    return { ok: true, summary, details, item: item.url.origin === base.origin ? item : null };
  } catch (error) {
    if (error instanceof RosterUnreadable) {
      return { ok: false, cannot: true, summary: `Tidak dapat diperiksa di peramban: ${error.message}. Gunakan ssh-keygen.`, details: [] };
    }
    if (error instanceof Unsupported) {
      return { ok: false, cannot: true, summary: `Tidak dapat diperiksa di peramban: ${error.message}. Perbarui peramban atau gunakan ssh-keygen.`, details: [] };
    }
    const reason = error instanceof Mismatch ? error.message : "catatan tidak dapat dibaca";
    return { ok: false, summary: `Tidak cocok: ${reason}.`, details: [] };
  }
}

function show(result) {
  const status = document.getElementById("periksa-hasil");
  const list = document.getElementById("periksa-rincian");
  status.className = `periksa-hasil ${result.ok ? "asli" : result.cannot ? "" : "tidak-cocok"}`.trim();
  status.textContent = result.summary;
  if (result.cannot) {
    const link = document.createElement("a");
    link.href = new URL("../", location.href).href;
    link.textContent = "Cara memeriksa dengan ssh-keygen";
    status.append(" ", link);
  }
  const items = result.details.map((text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  });
  if (result.item) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = result.item.url.href;
    link.textContent = result.item.title;
    li.append("Isi: ", link);
    items.unshift(li);
  }
  list.replaceChildren(...items);
}

async function run(button, base, anchor) {
  button.disabled = true;
  document.getElementById("periksa-hasil").textContent = "Memeriksa…";
  show(await check(base, new URLSearchParams(location.search).get("catatan"), anchor));
  button.disabled = false;
}

const page = typeof document !== "undefined" && document.getElementById("periksa");
if (page) {
  const base = new URL("../../", import.meta.url); // theme/js/ -> the site's root
  const button = document.getElementById("periksa-tombol");
  button.textContent = "Periksa lagi";
  button.hidden = false;
  button.addEventListener("click", () => run(button, base, page.dataset.jangkar));
  run(button, base, page.dataset.jangkar);
}
