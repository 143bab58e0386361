// mcpgate's passkey pages: registration (enrol) and sign-in. Served as a
// same-origin file, so the pages' Content-Security-Policy needs no inline
// script.
"use strict";
(function () {
  function enc(buf) {
    const b = new Uint8Array(buf);
    let s = "";
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function dec(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const b = atob(s);
    const out = new Uint8Array(b.length);
    for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
    return out.buffer;
  }
  async function post(path, body) {
    const r = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    let j = {};
    try { j = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error(j.error_description || j.error || "mcpgate refused the request (" + r.status + ")");
    return j;
  }
  function say(msg) { document.getElementById("status").textContent = msg; }

  async function enrol() {
    const link = decodeURIComponent(location.hash.slice(1));
    if (!link) throw new Error("This page needs the whole link `mcpgate user passkey add` printed.");
    const o = (await post("/oauth/passkey/enrol/begin", { link: link })).publicKey;
    o.challenge = dec(o.challenge);
    o.user.id = dec(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    const c = await navigator.credentials.create({ publicKey: o });
    const j = await post("/oauth/passkey/enrol/finish", {
      id: c.id, rawId: enc(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
      clientExtensionResults: c.getClientExtensionResults(),
      response: {
        clientDataJSON: enc(c.response.clientDataJSON), attestationObject: enc(c.response.attestationObject),
        transports: c.response.getTransports ? c.response.getTransports() : [],
      },
    });
    history.replaceState(null, "", location.pathname); // the link is spent
    say(j.message);
  }

  async function signin() {
    // Opened from an approval page, the sign-in goes back to it; mcpgate
    // checks the return target and ignores one not its own.
    const back = new URLSearchParams(location.search).get("return") || "";
    const o = (await post("/oauth/passkey/signin/begin", { return: back })).publicKey;
    o.challenge = dec(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    const c = await navigator.credentials.get({ publicKey: o });
    const j = await post("/oauth/passkey/signin/finish", {
      id: c.id, rawId: enc(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
      clientExtensionResults: c.getClientExtensionResults(),
      response: {
        clientDataJSON: enc(c.response.clientDataJSON), authenticatorData: enc(c.response.authenticatorData),
        signature: enc(c.response.signature), userHandle: c.response.userHandle ? enc(c.response.userHandle) : undefined,
      },
    });
    say("Signed in.");
    location.assign(j.next);
  }

  function wire(id, fn) {
    const b = document.getElementById(id);
    if (!b) return;
    b.addEventListener("click", function () {
      b.disabled = true;
      say("Waiting for your passkey…");
      fn().catch(function (e) { say(e.message || String(e)); b.disabled = false; });
    });
  }
  if (!window.PublicKeyCredential) {
    say("This browser does not support passkeys.");
    return;
  }
  wire("enrol", enrol);
  wire("signin", signin);
})();
