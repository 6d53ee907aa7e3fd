// A small strict reader for the YAML the roster uses (approvals/roster.yml), for the
// browser check (keaslian.js). It knows block mappings and sequences, flow mappings
// ({a: b}) and flow sequences of scalars ([a, "b"]), plain and quoted one-line scalars,
// comments; it refuses everything else (anchors, aliases, tags, block scalars, nested
// flow collections, multi-line scalars, tabs, duplicate keys, plain scalars YAML 1.1
// would read as something surprising such as yes/no/on/off, floats, octal) rather than
// guess: the reader is then told to use ssh-keygen. tests/test_browser_keaslian.py compares its result with PyYAML's.

/** The roster uses YAML this reader does not know; the message says where. */
export class RosterUnreadable extends Error {}

function refuse(line, what) {
  throw new RosterUnreadable(`daftar pejabat memakai bentuk YAML yang tidak dikenali (baris ${line}: ${what})`);
}

const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;
const INT = /^(?:0|-?[1-9][0-9]*)$/;
const DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)$/;
const JSON_ESCAPES = /\\(?!["\\bfnrt]|u[0-9A-Fa-f]{4})/;

/** Resolve a plain scalar as PyYAML would, or refuse it when that is not plain text. */
function plain(text, line) {
  if (text === "" || text === "~" || /^(?:null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (YAML11_WORDS.test(text)) refuse(line, `nilai ${text} bermakna ganda`);
  if (INT.test(text)) {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) refuse(line, "bilangan terlalu besar");
    return value;
  }
  const date = DATE.exec(text);
  if (date) {
    const day = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3]));
    if (day.getUTCDate() !== +date[3] || day.getUTCMonth() !== +date[2] - 1) refuse(line, "tanggal tidak sah");
    return { date: text };
  }
  if (TIME.test(text)) {
    const moment = Date.parse(text);
    if (Number.isNaN(moment)) refuse(line, "waktu tidak sah");
    return { time: moment };
  }
  if (/^[-+.0-9]/.test(text) || /^[\[\]{},#&*!|>'"%@`?:]/.test(text)) refuse(line, `nilai ${text}`);
  if (/: |:$| #|\t/.test(text)) refuse(line, `nilai ${text}`);
  return text;
}

/** Read a quoted scalar at the start of ``text``; return [value, rest]. */
function quoted(text, line) {
  if (text[0] === "'") {
    const match = /^'((?:[^']|'')*)'/.exec(text);
    if (!match) refuse(line, "kutip tidak ditutup");
    return [match[1].replace(/''/g, "'"), text.slice(match[0].length)];
  }
  const match = /^"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!match || JSON_ESCAPES.test(match[1])) refuse(line, "teks berkutip tidak dikenali");
  try {
    const value = JSON.parse(match[0]);
    if (/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) throw new Error();
    return [value, text.slice(match[0].length)];
  } catch {
    return refuse(line, "teks berkutip tidak dikenali");
  }
}

/** Read a scalar, flow mapping or flow sequence that fills the rest of a line. */
function value(text, line) {
  if (text.startsWith("[")) {
    const [items, rest] = flowList(text, line);
    if (rest.trim()) refuse(line, "teks sesudah ']'");
    return items;
  }
  if (text.startsWith("{")) {
    const [mapping, rest] = flow(text, line);
    if (rest.trim()) refuse(line, "teks sesudah '}'");
    return mapping;
  }
  if (text.startsWith('"') || text.startsWith("'")) {
    const [result, rest] = quoted(text, line);
    if (rest.trim()) refuse(line, "teks sesudah tanda kutip");
    return result;
  }
  return plain(text, line);
}

/** Read a flow mapping {a: b, c: "d"} (one line, no nesting); return [mapping, rest]. */
function flow(text, line) {
  const out = Object.create(null);
  let rest = text.slice(1).trimStart();
  if (rest.startsWith("}")) return [out, rest.slice(1)];
  for (;;) {
    const key = /^([A-Za-z_][A-Za-z0-9_-]*): +/.exec(rest);
    if (!key || YAML11_WORDS.test(key[1])) refuse(line, "kunci pemetaan tidak dikenali");
    if (key[1] in out) refuse(line, `kunci ${key[1]} ganda`);
    rest = rest.slice(key[0].length);
    let item;
    if (rest[0] === '"' || rest[0] === "'") {
      [item, rest] = quoted(rest, line);
    } else {
      const end = rest.search(/[,}]/);
      if (end < 0) refuse(line, "'}' tidak ditemukan");
      if (/[\[\]{]/.test(rest.slice(0, end))) refuse(line, "susunan bersarang");
      item = plain(rest.slice(0, end).trim(), line);
      rest = rest.slice(end);
    }
    out[key[1]] = item;
    rest = rest.trimStart();
    if (rest.startsWith("}")) return [out, rest.slice(1)];
    if (!rest.startsWith(",")) refuse(line, "',' atau '}' diharapkan");
    rest = rest.slice(1).trimStart();
  }
}

/** Read a one-line flow sequence of scalars [a, "b"] (such as desk_origins); return [list, rest]. */
function flowList(text, line) {
  const out = [];
  let rest = text.slice(1).trimStart();
  if (rest.startsWith("]")) return [out, rest.slice(1)];
  for (;;) {
    let item;
    if (rest[0] === '"' || rest[0] === "'") {
      [item, rest] = quoted(rest, line);
    } else {
      const end = rest.search(/[,\]]/);
      if (end < 0) refuse(line, "']' tidak ditemukan");
      const raw = rest.slice(0, end).trim();
      if (!raw || /[\[\]{}]/.test(raw)) refuse(line, "susunan bersarang atau butir kosong");
      item = plain(raw, line);
      rest = rest.slice(end);
    }
    out.push(item);
    rest = rest.trimStart();
    if (rest.startsWith("]")) return [out, rest.slice(1)];
    if (!rest.startsWith(",")) refuse(line, "',' atau ']' diharapkan");
    rest = rest.slice(1).trimStart();
  }
}

/** Strip a comment (a '#' at the start or after a space, outside quotes). */
function uncomment(text, line) {
  let quote = null;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === "\\" && quote === '"') i += 1;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:{,\-]/.test(text[i - 1])) quote = c;
    } else if (c === "#" && (i === 0 || text[i - 1] === " ")) {
      return text.slice(0, i).trimEnd();
    }
  }
  if (quote) refuse(line, "kutip tidak ditutup");
  return text.trimEnd();
}

function lines(text) {
  if (/[\r\t\ufeff]/.test(text)) refuse(1, "tab, CR atau BOM");
  const out = [];
  text.split("\n").forEach((raw, index) => {
    const content = uncomment(raw, index + 1);
    if (!content.trim()) return;
    const indent = content.length - content.trimStart().length;
    const body = content.slice(indent);
    if (/^(?:---|\.\.\.|%)/.test(body)) refuse(index + 1, "penanda dokumen");
    out.push({ indent, body, line: index + 1 });
  });
  return out;
}

/** Parse the block at ``at`` (all lines at exactly ``indent``); return [node, next]. */
function block(all, at, indent) {
  const first = all[at];
  if (first.body === "-" || first.body.startsWith("- ")) return sequence(all, at, indent);
  return mapping(all, at, indent);
}

function mapping(all, at, indent) {
  const out = Object.create(null);
  while (at < all.length && all[at].indent === indent) {
    const { body, line } = all[at];
    const match = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/.exec(body);
    if (!match || YAML11_WORDS.test(match[1])) refuse(line, "baris bukan 'kunci: nilai'");
    if (match[1] in out) refuse(line, `kunci ${match[1]} ganda`);
    at += 1;
    if (match[2] !== undefined && match[2] !== "") {
      out[match[1]] = value(match[2], line);
    } else if (at < all.length && all[at].indent > indent) {
      [out[match[1]], at] = block(all, at, all[at].indent);
    } else {
      out[match[1]] = null;
    }
  }
  if (at < all.length && all[at].indent > indent) refuse(all[at].line, "indentasi tidak sesuai");
  return [out, at];
}

function sequence(all, at, indent) {
  const out = [];
  while (at < all.length && all[at].indent === indent) {
    const { body, line } = all[at];
    if (body !== "-" && !body.startsWith("- ")) refuse(line, "butir daftar diharapkan");
    const rest = body.slice(1).trimStart();
    const column = indent + body.length - rest.length;
    if (!rest) {
      at += 1;
      if (at < all.length && all[at].indent > indent) {
        let item;
        [item, at] = block(all, at, all[at].indent);
        out.push(item);
      } else {
        out.push(null);
      }
    } else if (/^[A-Za-z_][A-Za-z0-9_-]*:(?: |$)/.test(rest)) {
      all[at] = { indent: column, body: rest, line }; // "- key: v" opens a mapping at its column
      let item;
      [item, at] = mapping(all, at, column);
      out.push(item);
    } else if (rest.startsWith("- ") || rest === "-") {
      refuse(line, "daftar bersarang dalam satu baris");
    } else {
      out.push(value(rest, line));
      at += 1;
    }
  }
  if (at < all.length && all[at].indent > indent) refuse(all[at].line, "indentasi tidak sesuai");
  return [out, at];
}

/** Parse roster YAML; return plain data ({date}, {time} for YAML dates and timestamps). */
export function parseRoster(text) {
  const all = lines(String(text));
  if (!all.length) refuse(1, "berkas kosong");
  if (all[0].indent !== 0) refuse(all[0].line, "indentasi awal");
  const [data, at] = block(all, 0, 0);
  if (at !== all.length) refuse(all[at].line, "indentasi tidak sesuai");
  return data;
}

// --- the roster's meaning (approval_gate/roster_file.py) ---------------------------------

const WIB_MS = 7 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

function moment(raw, endOfDay) {
  if (raw && typeof raw === "object" && "date" in raw) {
    const [y, m, d] = raw.date.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d) - WIB_MS + (endOfDay ? DAY_MS : 0));
  }
  if (raw && typeof raw === "object" && "time" in raw) return new Date(raw.time);
  if (typeof raw === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/.test(raw)) {
    const parsed = Date.parse(raw);
    if (!Number.isNaN(parsed)) return new Date(parsed);
  }
  throw new RosterUnreadable("daftar pejabat memuat tanggal yang tidak dapat dibaca");
}

function text(entry, key) {
  const found = entry && entry[key];
  if (typeof found !== "string" || !found.trim()) throw new RosterUnreadable(`daftar pejabat: '${key}' bukan teks`);
  return found.trim();
}

function list(data, key) {
  if (!data || !Array.isArray(data[key])) throw new RosterUnreadable(`daftar pejabat: '${key}' bukan daftar`);
  return data[key];
}

/** Return the roster as the check needs it; ``keyBlob`` reads a key line to its base64 blob. */
export function rosterModel(data, keyBlob) {
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new RosterUnreadable("daftar pejabat bukan pemetaan");
  if (!Number.isInteger(data.version)) throw new RosterUnreadable("daftar pejabat tanpa versi");
  const roles = list(data, "roles").map((r) => ({ id: text(r, "id"), name: text(r, "name") }));
  const people = new Map();
  for (const p of list(data, "people")) {
    const keys = list(p, "keys").map((k) => ({
      blob: keyBlob(text(k, "key")),
      revoked: k.revoked !== undefined && k.revoked !== null,
    }));
    people.set(text(p, "id"), { id: text(p, "id"), name: text(p, "name"), keys });
  }
  const holders = list(data, "holders").map((h) => ({
    role: text(h, "role"),
    person: text(h, "person"),
    start: moment(h.from, false),
    end: h.until ? moment(h.until, true) : null,
    acting: h.acting === true,
  }));
  // The approval desk's web origins: a passkey signature counts only from one of them.
  const deskOrigins = data.desk_origins === undefined || data.desk_origins === null ? [] : list(data, "desk_origins");
  if (deskOrigins.some((origin) => typeof origin !== "string")) {
    throw new RosterUnreadable("daftar pejabat: 'desk_origins' bukan daftar alamat");
  }
  return { version: data.version, roles, people, holders, deskOrigins };
}
