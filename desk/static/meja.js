/* Meja Persetujuan: what every page's script shares (no framework).
 * - meja.kirim(url, data): POST JSON with the session's CSRF token, answer as JSON;
 *   a refusal becomes an Error whose message is the desk's Indonesian text.
 * - meja.buatPasskey(options) / meja.pakaiPasskey(options): WebAuthn create/get from the
 *   JSON options the server made (base64url fields), answered as JSON (base64url).
 * - meja.sebutGalat(error): an Indonesian sentence for the browser's WebAuthn errors.
 */
"use strict";
(function () {
  function b64urlToBytes(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  function bytesToB64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let raw = "";
    for (const byte of bytes) raw += String.fromCharCode(byte);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    const tag = document.querySelector('meta[name="csrf"]');
    return tag ? tag.content : "";
  }
  async function kirim(url, data) {
    const answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), Accept: "application/json" },
      body: JSON.stringify(data || {}),
    });
    let body = {};
    try { body = await answer.json(); } catch (e) { body = {}; }
    if (!answer.ok) {
      const error = new Error((body.galat || "Permintaan ditolak (" + answer.status + ").") + (body.saran ? " " + body.saran : ""));
      error.status = answer.status;
      throw error;
    }
    return body;
  }
  function creationOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    const options = Object.assign({}, json);
    options.challenge = b64urlToBytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: b64urlToBytes(json.user.id) });
    options.excludeCredentials = (json.excludeCredentials || []).map((c) => Object.assign({}, c, { id: b64urlToBytes(c.id) }));
    return options;
  }
  function requestOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    const options = Object.assign({}, json);
    options.challenge = b64urlToBytes(json.challenge);
    options.allowCredentials = (json.allowCredentials || []).map((c) => Object.assign({}, c, { id: b64urlToBytes(c.id) }));
    return options;
  }
  function asJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const r = credential.response;
    const out = { id: credential.id, rawId: bytesToB64url(credential.rawId), type: credential.type, clientExtensionResults: {}, response: {} };
    for (const name of ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"]) {
      if (r[name]) out.response[name] = bytesToB64url(r[name]);
    }
    if (r.getTransports) out.response.transports = r.getTransports();
    return out;
  }
  async function buatPasskey(json) {
    const credential = await navigator.credentials.create({ publicKey: creationOptions(json) });
    return asJSON(credential);
  }
  async function pakaiPasskey(json) {
    const credential = await navigator.credentials.get({ publicKey: requestOptions(json) });
    return asJSON(credential);
  }
  function sebutGalat(error) {
    const name = error && error.name;
    if (name === "NotAllowedError") {
      return "Passkey dibatalkan atau waktunya habis. Bila ponsel Anda tidak punya kunci layar " +
        "atau sidik jari, aktifkan dulu di Pengaturan, lalu coba lagi.";
    }
    if (name === "InvalidStateError") return "Passkey ini sudah terdaftar di perangkat ini.";
    if (name === "SecurityError") return "Meja harus dibuka lewat alamat resminya (https).";
    if (!window.PublicKeyCredential) return "Peramban ini tidak mendukung passkey. Pakai Chrome, Safari atau Firefox terbaru.";
    return (error && error.message) || "Terjadi kesalahan yang tidak dikenal.";
  }
  window.meja = { kirim, buatPasskey, pakaiPasskey, sebutGalat, b64urlToBytes, bytesToB64url };
})();
