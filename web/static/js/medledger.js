// medledger.js: what every page of the web app shares.
//
//   - DOM: h() builds elements; every value goes in as text (textContent),
//     never as HTML, so nothing from the chain can become markup.
//   - API: api(), all() and problems from the node's REST API (/v1).
//   - Keys: openKeyFile() opens a key file of package keystore (scrypt +
//     AES-256-GCM when it has a passphrase) and imports its keys into
//     WebCrypto as non-extractable keys; the session keeps them in this
//     browser's IndexedDB until sign-out. No private key leaves the browser.
//   - Transactions: buildTx() signs the envelope of docs/transactions.md
//     (0x01 | Ed25519 signature | payload) and send() submits it.
//   - Records: openDocument() opens a document the custodian returns
//     (HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//     AES-256-GCM, as package vault seals it) and checks its salted digest.
//   - Proofs: checkTxProof() checks a transaction's Merkle proof of
//     inclusion against a block header's data hash.

// ---------- DOM ----------

// h(tag, attrs, ...children) makes an element. attrs: "class", "text"
// (textContent), "on<event>" handlers, "dataset" (object), and any other
// attribute (set with setAttribute; false/null/undefined leave it out).
// Children: nodes, strings (as text), arrays, null.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// fill replaces el's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// dl makes a description list from [term, value] pairs (values as text or nodes).
export function dl(pairs, cls) {
  return h('dl', { class: cls || 'facts' }, pairs.filter(p => p && p[1] !== undefined && p[1] !== null && p[1] !== '')
    .map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

// table makes a table with a caption, column heads and rows of cells.
// On a phone, each row shows as a card whose cells carry their column's
// name (data-label, see app.css).
export function table(caption, heads, rows, attrs) {
  const t = h('table', Object.assign({ class: 'cards' }, attrs || {}),
    caption ? h('caption', { text: caption }) : null,
    h('thead', {}, h('tr', {}, heads.map(x => h('th', { scope: 'col', text: x })))),
    h('tbody', {}, rows));
  labelCells(t);
  return h('div', { class: 'scroll' }, t);
}

// labelCells gives each cell of t's body the name of its column.
export function labelCells(t) {
  const heads = Array.from(t.querySelectorAll('thead th'), th => th.textContent);
  for (const tr of t.querySelectorAll('tbody tr')) {
    Array.from(tr.children).forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i]; });
  }
}

// status shows a message in el: kind "ok", "error" or "info"; the word
// before the message says which, so colour is never the only signal.
export function say(el, kind, text, detail) {
  const word = { ok: 'Done', error: 'Refused', info: 'Note', wait: 'Working' }[kind] || 'Note';
  fill(el, h('p', { class: 'msg msg-' + kind, role: kind === 'error' ? 'alert' : 'status' },
    h('strong', { text: word + ': ' }), text, detail ? h('span', { class: 'detail', text: ' ' + detail }) : null));
}

// ---------- encoding ----------

export const utf8 = s => new TextEncoder().encode(s);
export const fromUtf8 = b => new TextDecoder('utf-8', { fatal: true }).decode(b);

export function hex(b) {
  return Array.from(new Uint8Array(b), x => x.toString(16).padStart(2, '0')).join('');
}
export function fromHex(s) {
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw new Error('not hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}
export function b64(b) {
  let s = '';
  for (const x of new Uint8Array(b)) s += String.fromCharCode(x);
  return btoa(s);
}
export function fromB64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
export function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
export function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
export async function sha256(b) { return new Uint8Array(await crypto.subtle.digest('SHA-256', b)); }

// ---------- formatting ----------

export function short(s, n = 12) { s = String(s || ''); return s.length > n ? s.slice(0, n) + '…' : s; }

export function when(t) {
  if (!t) return '';
  const d = new Date(t);
  if (isNaN(d)) return String(t);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function timeEl(t) {
  return h('time', { datetime: t, text: when(t) });
}

// gs1Date reads a GS1 YYMMDD date (DD 00: the month's end) as text.
export function gs1Date(s) {
  if (!/^\d{6}$/.test(s || '')) return s || '';
  const y = 2000 + Number(s.slice(0, 2)), m = Number(s.slice(2, 4)), d = Number(s.slice(4, 6));
  const day = d === 0 ? new Date(Date.UTC(y, m, 0)).getUTCDate() : d;
  return new Date(Date.UTC(y, m - 1, day)).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

// ---------- the API ----------

// ApiError is a problem document (RFC 9457) the node answered.
export class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || ('HTTP ' + status));
    this.problem = problem;
    this.status = status;
  }
  // text is the one form in which the app shows a refusal: "slug (codespace/N): detail".
  get text() {
    const p = this.problem;
    const where = p.codespace ? ' (' + p.codespace + '/' + p.code + ')' : '';
    return (p.title || 'error') + where + ': ' + (p.detail || '');
  }
}

// signRequest returns the headers that sign a request of method for path
// (as sent, query included) as key: HTTP Message Signatures (RFC 9421) in
// medledger's profile of package httpsig: label sig1 over "@method" and
// "@target-uri", parameters created, expires (5 minutes on), keyid
// "<signer id>#<key id>", alg "ed25519" and a 128-bit nonce.
export async function signRequest(key, method, path, now = Date.now()) {
  const created = Math.floor(now / 1000);
  const nonce = b64(crypto.getRandomValues(new Uint8Array(16))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const params = '("@method" "@target-uri");created=' + created + ';expires=' + (created + 300) +
    ';keyid="' + key.id + '#' + key.keyId + '";alg="ed25519";nonce="' + nonce + '"';
  const base = '"@method": ' + method + '\n"@target-uri": ' + location.origin + path + '\n"@signature-params": ' + params;
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, key.sign, utf8(base));
  return { 'Signature-Input': 'sig1=' + params, Signature: 'sig1=:' + b64(sig) + ':' };
}

// api reads path from the node. With opts.key, a GET is signed as that key
// (signRequest): reads of a patient's data need it where the node asks
// for a signature, and are harmless where it does not. With opts.lookup
// ({patient or object, view, purpose}), a reader who is not the patient
// also sends their signed records/lookup in Medledger-Lookup: the node
// puts the read on the patient's log before it answers.
export async function api(path, opts = {}) {
  let res;
  opts = Object.assign({}, opts);
  const headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
  if (opts.key && opts.lookup && opts.key.id !== opts.lookup.patient) {
    headers['Medledger-Lookup'] = b64(await buildTx(opts.key, 'records/lookup', Object.assign({ purpose: 'TREAT' }, opts.lookup)));
  }
  if (opts.key && (!opts.method || opts.method === 'GET')) Object.assign(headers, await signRequest(opts.key, 'GET', path));
  delete opts.key;
  delete opts.lookup;
  opts.headers = headers;
  try {
    res = await fetch(path, Object.assign({ credentials: 'same-origin', cache: 'no-store' }, opts));
  } catch (e) {
    throw new ApiError({ title: 'unreachable', detail: 'the node did not answer: ' + e.message }, 0);
  }
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!res.ok) {
    throw new ApiError(body && body.title ? body : { title: 'http-' + res.status, detail: text.slice(0, 200) }, res.status);
  }
  return body;
}

// all follows a list's cursor and returns every item (up to max); with
// key, each page's read is signed as key (and with lookup, logged: api).
export async function all(path, max = 5000, key = null, lookup = null) {
  const out = [];
  let cursor = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(path + sep + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''), { key, lookup });
    out.push(...(page.items || []));
    if (!page.next_cursor || out.length >= max) return out;
    cursor = page.next_cursor;
  }
}

export const enc = encodeURIComponent;

let statusCache = null;
export async function status(fresh) {
  if (!statusCache || fresh) statusCache = await api('/v1/status');
  return statusCache;
}

// showChain puts the chain id and height in the header.
export async function showChain() {
  const el = $('#chain');
  if (!el) return;
  try {
    const st = await status();
    fill(el, h('span', { class: 'label', text: 'Chain ' }), st.chain_id, ' · ', h('span', { class: 'label', text: 'height ' }), h('span', { id: 'chain-height', text: st.latest_height }));
  } catch (e) {
    fill(el, 'node unreachable');
  }
}

// commits calls fn(event) for each "commit" event of GET /v1/stream/commits,
// reconnecting when the stream ends. It returns a function that stops it.
export function commits(fn, onState) {
  let es = null, stopped = false, timer = null;
  const open = () => {
    if (stopped) return;
    es = new EventSource('/v1/stream/commits');
    es.addEventListener('open', () => onState && onState('live'));
    es.addEventListener('commit', ev => { try { fn(JSON.parse(ev.data)); } catch (e) { console.error(e); } });
    es.addEventListener('error', () => {
      onState && onState('reconnecting');
      es.close();
      timer = setTimeout(open, 1000);
    });
  };
  open();
  return () => { stopped = true; clearTimeout(timer); if (es) es.close(); };
}

// ---------- keys ----------

// PKCS #8 prefixes of a raw 32-byte Ed25519 seed and X25519 private key
// (RFC 8410): WebCrypto imports private keys only in PKCS #8 or JWK.
const PKCS8_ED25519 = fromHex('302e020100300506032b657004220420');
const PKCS8_X25519 = fromHex('302e020100300506032b656e04220420');

// importSigningSeed imports a 32-byte Ed25519 seed as a non-extractable key.
export function importSigningSeed(seed) {
  return crypto.subtle.importKey('pkcs8', concat(PKCS8_ED25519, seed), { name: 'Ed25519' }, false, ['sign']);
}

function importX25519(priv) {
  return crypto.subtle.importKey('pkcs8', concat(PKCS8_X25519, priv), { name: 'X25519' }, false, ['deriveBits']);
}

export async function keyIdOf(pub) { return hex((await sha256(pub)).slice(0, 16)); }

// KeyFileError is a key file that cannot be opened; its message says why.
export class KeyFileError extends Error {}

// openKeyFile opens the text of a key file (package keystore's format)
// with passphrase (needed only when the file says "encrypted": true). It
// returns a key: its name, chain id, key id, public keys and
// non-extractable WebCrypto keys. The secret bytes are dropped at once.
export async function openKeyFile(text, passphrase) {
  let f;
  try { f = JSON.parse(text); } catch { throw new KeyFileError('this is not a medledger key file (not JSON)'); }
  if (!f || typeof f.name !== 'string' || typeof f.id !== 'string' || typeof f.key_id !== 'string' || !f.sign_pub || !f.enc_pub) {
    throw new KeyFileError('this is not a medledger key file (it lacks name, id, key_id, sign_pub or enc_pub)');
  }
  let secret;
  if (f.encrypted) {
    if (!passphrase) throw new KeyFileError('this key file is protected by a passphrase: type it in the passphrase field');
    if (!window.scrypt) throw new KeyFileError('the page could not load its scrypt library');
    const n = f.scrypt_n;
    if (!Number.isInteger(n) || n < 2 || n > (1 << 20) || (n & (n - 1))) throw new KeyFileError('the key file has an unusable scrypt_n');
    const kek = await window.scrypt.scrypt(utf8(passphrase), fromB64(f.salt), n, 8, 1, 32);
    const aes = await crypto.subtle.importKey('raw', kek, { name: 'AES-GCM' }, false, ['decrypt']);
    kek.fill(0);
    try {
      secret = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromB64(f.nonce), additionalData: utf8(f.name) }, aes, fromB64(f.sealed)));
    } catch {
      throw new KeyFileError('wrong passphrase, or the key file is damaged');
    }
  } else {
    if (!f.secret) throw new KeyFileError('the key file has neither a secret nor a sealed secret');
    secret = fromB64(f.secret);
  }
  if (secret.length !== 64) throw new KeyFileError('the key file\'s secret is ' + secret.length + ' bytes, want 64');
  const signPub = fromB64(f.sign_pub), encPub = fromB64(f.enc_pub);
  const sign = await importSigningSeed(secret.slice(0, 32));
  const dh = await importX25519(secret.slice(32, 64));
  // A patient's key also derives their pseudonyms (pseudonymAt): its seed
  // is kept as a non-extractable HKDF key for that alone.
  const master = f.id.startsWith('pat-') ? await crypto.subtle.importKey('raw', secret.slice(0, 32), 'HKDF', false, ['deriveBits']) : undefined;
  secret.fill(0);
  // The file's public key must be its secret's: sign and verify once.
  const probe = utf8('medledger/web key check');
  const pub = await crypto.subtle.importKey('raw', signPub, { name: 'Ed25519' }, true, ['verify']);
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, pub, await crypto.subtle.sign({ name: 'Ed25519' }, sign, probe), probe);
  if (!ok || await keyIdOf(signPub) !== f.key_id) throw new KeyFileError('the key file is damaged: its public key or key id does not match its secret');
  return { name: f.name, id: f.id, keyId: f.key_id, signPub, encPub, sign, dh, master, encrypted: !!f.encrypted };
}

// base32 is RFC 4648 base32 without padding, lowercase.
function base32(b) {
  const abc = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '', bits = 0, v = 0;
  for (const x of b) {
    v = (v << 8) | x; bits += 8;
    while (bits >= 5) { out += abc[(v >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += abc[(v << (5 - bits)) & 31];
  return out;
}

const PSEUDONYM_SALT = 'medledger/pseudonym/v1';

// pseudonymAt derives the patient's keys under a pseudonym context
// ("records/northside-hospital"), as package pseudonym does: HKDF-SHA256 of
// the patient's seed, salt PSEUDONYM_SALT, info "sign\n"+context and
// "enc\n"+context; its id is "psn-" + base32(SHA-256(salt "\n" signPub)[0:15]).
// It returns a key the page signs and decrypts with, as the patient's own.
export async function pseudonymAt(key, context) {
  if (!key.master) throw new KeyFileError('sign in again with your key file: this session was opened before pseudonyms, and cannot derive them');
  const bits = async info => new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: utf8(PSEUDONYM_SALT), info: utf8(info) }, key.master, 256));
  const signSeed = await bits('sign\n' + context), encSecret = await bits('enc\n' + context);
  const pubOf = async (pkcs8, alg, usage) => {
    const k = await crypto.subtle.importKey('pkcs8', pkcs8, { name: alg }, true, [usage]);
    const x = (await crypto.subtle.exportKey('jwk', k)).x;
    return fromB64(x.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - x.length % 4) % 4));
  };
  const signPub = await pubOf(concat(PKCS8_ED25519, signSeed), 'Ed25519', 'sign');
  const encPub = await pubOf(concat(PKCS8_X25519, encSecret), 'X25519', 'deriveBits');
  const sign = await importSigningSeed(signSeed), dh = await importX25519(encSecret);
  signSeed.fill(0); encSecret.fill(0);
  const id = 'psn-' + base32((await sha256(concat(utf8(PSEUDONYM_SALT + '\n'), signPub))).slice(0, 15));
  return { name: key.name + '@' + context, id, keyId: await keyIdOf(signPub), signPub, encPub, sign, dh, context };
}

// The session: the key a person opened, kept in this browser's IndexedDB
// (the WebCrypto keys as non-extractable CryptoKeys, which no script can
// read out) until they sign out.
const DB = 'medledger-web', STORE = 'session';

function db() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
async function idb(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const r = fn(t.objectStore(STORE));
    t.oncomplete = () => { d.close(); resolve(r && r.result); };
    t.onerror = () => { d.close(); reject(t.error); };
  });
}
export async function currentKey() {
  try { return (await idb('readonly', s => s.get('key'))) || null; } catch { return null; }
}
export async function remember(key) { await idb('readwrite', s => s.put(key, 'key')); }
export async function forget() { await idb('readwrite', s => s.delete('key')); }

// signIn renders the sign-in panel into el: a key file, a passphrase when
// it needs one, and once open, who is signed in with a sign-out button.
// accept(key) returns an error text for a key the page cannot use, or
// null. onChange(key or null) runs whenever the session changes.
export async function signIn(el, { accept, onChange, purpose, example }) {
  const render = async () => {
    const key = await currentKey();
    if (key) {
      const why = accept ? accept(key) : null;
      fill(el, h('div', { class: 'signed-in' },
        h('p', {}, h('span', { class: 'label', text: 'Signed in as ' }), h('strong', { class: 'who-name', text: key.name }),
          key.id !== key.name ? h('span', { class: 'mono', text: ' (' + key.id + ')' }) : null),
        why ? h('p', { class: 'msg msg-error', role: 'alert' }, h('strong', { text: 'Wrong key: ' }), why) : null,
        h('button', { type: 'button', class: 'secondary', id: 'signout', onclick: async () => { await forget(); await render(); } }, 'Sign out')));
      onChange && onChange(why ? null : key);
      return;
    }
    const msg = h('div', { class: 'signin-msg' });
    const file = h('input', { type: 'file', id: 'keyfile', name: 'keyfile', accept: '.json,application/json', required: true });
    const pass = h('input', { type: 'password', id: 'passphrase', name: 'passphrase', autocomplete: 'current-password' });
    const form = h('form', { class: 'signin', id: 'signin-form' },
      h('p', { text: purpose || 'Open your key file to act: this page signs in your browser, and your key never leaves it.' }),
      h('div', { class: 'field' }, h('label', { for: 'keyfile', text: 'Key file' }), file,
        h('p', { class: 'hint', text: 'The file from your keys folder, e.g. ' + (example || 'keys/patient/alice.json') + ' (medledger dev writes the demo keys to its home\'s keys folder).' })),
      h('div', { class: 'field' }, h('label', { for: 'passphrase', text: 'Passphrase (if the file has one)' }), pass),
      h('button', { type: 'submit', id: 'signin-open' }, 'Open key'), msg);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      if (!file.files.length) { say(msg, 'error', 'choose your key file first'); return; }
      say(msg, 'wait', 'opening the key file…');
      try {
        const key = await openKeyFile(await file.files[0].text(), pass.value);
        pass.value = '';
        await remember(key);
        await render();
      } catch (e) {
        say(msg, 'error', e.message);
      }
    });
    fill(el, form);
    onChange && onChange(null);
  };
  await render();
}

// ---------- transactions ----------

export const SIGNATURE_PREFIX = 'medledger/tx/v1\n';

// payloadJSON encodes the envelope's payload, fields in the order of
// tx.Payload, as Go's encoding/json does for these values.
export function payloadJSON(p) {
  return JSON.stringify({ chain_id: p.chain_id, type: p.type, signer: p.signer, key_id: p.key_id, nonce: p.nonce, expires: p.expires, body: p.body === undefined ? {} : p.body });
}

export function signBytes(payload) { return concat(utf8(SIGNATURE_PREFIX), payload); }

// signPayload signs payload bytes with a WebCrypto Ed25519 key and returns
// the transaction: 0x01 | signature (64) | payload.
export async function signPayload(signKey, payload) {
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, signKey, signBytes(payload)));
  return concat(new Uint8Array([1]), sig, payload);
}

export function nonce() { return hex(crypto.getRandomValues(new Uint8Array(12))); }

// buildTx signs a transaction of type with body as key, valid for ttl
// blocks after the chain's latest height.
export async function buildTx(key, type, body, ttl = 600) {
  const st = await status(true);
  const payload = utf8(payloadJSON({ chain_id: st.chain_id, type, signer: key.id, key_id: key.keyId, nonce: nonce(), expires: st.latest_height + ttl, body }));
  return signPayload(key.sign, payload);
}

// send signs and submits a transaction and waits for its block; it returns
// the committed result or throws an ApiError with the refusal.
export async function send(key, type, body) {
  const raw = await buildTx(key, type, body);
  return api('/v1/tx?mode=commit', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' }, body: raw });
}

// attr returns the value of attribute name of the first event of type.
export function attr(events, type, name) {
  for (const ev of events || []) {
    if (ev.type !== type) continue;
    for (const a of ev.attributes || []) if (a.key === name) return a.value;
  }
  return '';
}

// decodeTx reads a transaction's bytes: version, signature and payload.
export function decodeTx(raw) {
  if (raw.length < 67 || raw[0] !== 1) return null;
  const signed = raw.slice(65);
  let payload = null;
  try { payload = JSON.parse(fromUtf8(signed)); } catch { return null; }
  return { signature: raw.slice(1, 65), signed, payload };
}

// verifyTxSignature checks a transaction's Ed25519 signature with pub.
export async function verifyTxSignature(t, pub) {
  const k = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, k, t.signature, signBytes(t.signed));
}

// ---------- proofs ----------

const leafHash = async b => sha256(concat(new Uint8Array([0]), b));
const innerHash = async (l, r) => sha256(concat(new Uint8Array([1]), l, r));

function splitPoint(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// rootFromAunts computes a Merkle root from a leaf hash and its aunts, as
// CometBFT's crypto/merkle (RFC 6962 hashing, split at the largest power
// of two below the count).
async function rootFromAunts(index, total, leaf, aunts) {
  if (index >= total || index < 0 || total <= 0) return null;
  if (total === 1) return aunts.length === 0 ? leaf : null;
  if (aunts.length === 0) return null;
  const left = splitPoint(total);
  const rest = aunts.slice(0, -1), last = aunts[aunts.length - 1];
  if (index < left) {
    const l = await rootFromAunts(index, left, leaf, rest);
    return l && innerHash(l, last);
  }
  const r = await rootFromAunts(index - left, total - left, leaf, rest);
  return r && innerHash(last, r);
}

// checkTxProof checks what the page can check of a committed transaction
// without trusting the node's word for it: that the bytes hash to the
// transaction's hash, and that the Merkle proof of inclusion leads from
// that hash to the data hash of the block header. It returns a list of
// {what, ok} checks.
export async function checkTxProof(txBytes, txHash, proof, header) {
  const checks = [];
  const txh = await sha256(txBytes);
  checks.push({ what: 'The transaction\'s bytes hash (SHA-256) to its hash ' + short(txHash, 16), ok: hex(txh).toUpperCase() === String(txHash).toUpperCase() });
  const p = proof && proof.proof;
  if (!p) {
    checks.push({ what: 'The node sent a Merkle proof of inclusion', ok: false });
    return checks;
  }
  const leaf = await leafHash(txh);
  const aunts = (p.aunts || []).map(fromB64);
  const root = await rootFromAunts(Number(p.index), Number(p.total), leaf, aunts);
  checks.push({ what: 'The Merkle proof leads from it (leaf ' + (Number(p.index) + 1) + ' of ' + Number(p.total) + ', ' + aunts.length + ' sibling hashes) to the root ' + (root ? short(hex(root).toUpperCase(), 16) : '(none)'),
    ok: !!root && equal(fromB64(p.leaf_hash), leaf) && hex(root).toUpperCase() === String(proof.root_hash).toUpperCase() });
  const dataHash = header && header.data_hash;
  checks.push({ what: 'That root is the data hash of block ' + (header ? header.height : '?') + '\'s header', ok: !!root && !!dataHash && hex(root).toUpperCase() === dataHash.toUpperCase() });
  return checks;
}

// ---------- records ----------

const I2OSP2 = n => new Uint8Array([n >> 8, n & 255]);
const KEM_SUITE = concat(utf8('KEM'), I2OSP2(0x0020));
const HPKE_SUITE = concat(utf8('HPKE'), I2OSP2(0x0020), I2OSP2(0x0001), I2OSP2(0x0002));

async function hmac(key, data) {
  const k = await crypto.subtle.importKey('raw', key.length ? key : new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}
const labeledExtract = (suite, salt, label, ikm) => hmac(salt, concat(utf8('HPKE-v1'), suite, utf8(label), ikm));
async function labeledExpand(suite, prk, label, info, n) {
  // One HKDF-Expand block: every length here is at most 32.
  const t = await hmac(prk, concat(I2OSP2(n), utf8('HPKE-v1'), suite, utf8(label), info, new Uint8Array([1])));
  return t.slice(0, n);
}

// hpkeOpen opens an HPKE base-mode ciphertext (RFC 9180: DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256, AES-256-GCM, sequence 0) with the recipient's
// WebCrypto X25519 key and public key.
export async function hpkeOpen(dhKey, pubR, encap, info, aad, ct) {
  const pkE = await crypto.subtle.importKey('raw', encap, { name: 'X25519' }, true, []);
  const dh = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pkE }, dhKey, 256));
  const eae = await labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dh);
  const shared = await labeledExpand(KEM_SUITE, eae, 'shared_secret', concat(encap, pubR), 32);
  const pskIdHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), 'psk_id_hash', new Uint8Array(0));
  const infoHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), 'info_hash', info);
  const ctx = concat(new Uint8Array([0]), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, shared, 'secret', new Uint8Array(0));
  const key = await labeledExpand(HPKE_SUITE, secret, 'key', ctx, 32);
  const baseNonce = await labeledExpand(HPKE_SUITE, secret, 'base_nonce', ctx, 12);
  const aes = await crypto.subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['decrypt']);
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: baseNonce, additionalData: aad }, aes, ct));
}

// openDocument opens what POST /v1/records/{id}/read returned for key,
// following vault.OpenBlob: the wrapped key is for this reader and this
// blob, it opens, the blob authenticates, and the document matches the
// salted digest, which must be wantDigest (the record's digest on chain).
export async function openDocument(key, blob, wrapped, wantDigest) {
  const ascii = b => String.fromCharCode(...b);
  if (wrapped.length !== 182 || ascii(wrapped.slice(0, 4)) !== 'MLVK' || wrapped[4] !== 1 || wrapped[5] !== 1) throw new Error('the wrapped key is not of a format this page knows');
  const id = wrapped.slice(6, 38), digest = wrapped.slice(38, 70), recipient = wrapped.slice(70, 102), sealed = wrapped.slice(102);
  if (!equal(recipient, key.encPub)) throw new Error('the document key was wrapped for someone else');
  if (!equal(await sha256(blob), id)) throw new Error('the document is not the one its key belongs to (altered, or the wrong one)');
  let dataKey;
  try {
    dataKey = await hpkeOpen(key.dh, key.encPub, sealed.slice(0, 32), utf8('medledger/vault/v1 data key'), concat(id, digest), sealed.slice(32));
  } catch { throw new Error('the document key does not open with your key'); }
  if (blob.length < 18 + 32 + 16 || ascii(blob.slice(0, 4)) !== 'MLVD' || blob[4] !== 1 || blob[5] !== 1) throw new Error('the document is not of a format this page knows');
  const aes = await crypto.subtle.importKey('raw', dataKey, { name: 'AES-GCM' }, false, ['decrypt']);
  dataKey.fill(0);
  let payload;
  try {
    payload = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: blob.slice(6, 18), additionalData: blob.slice(0, 18) }, aes, blob.slice(18)));
  } catch { throw new Error('the document fails authentication'); }
  const salt = payload.slice(0, 32), doc = payload.slice(32);
  const got = await hmac(salt, doc);
  if (!equal(got, digest)) throw new Error('the document does not match its salted digest');
  if (hex(got) !== wantDigest) throw new Error('the document\'s digest ' + short(hex(got), 16) + ' is not the one on chain ' + short(wantDigest, 16));
  return doc;
}

// readRecord asks the custodian (this node) for record id as key: it signs
// a records/access transaction for purpose (with a break-glass reason code,
// if given) and posts it to POST /v1/records/{id}/read. The node commits
// the disclosure first and answers with the document only if it was
// granted, with the record's digest on chain; the page decrypts the
// document and checks it against that digest.
export async function readRecord(key, id, purpose, breakGlass) {
  const body = { record: id, purpose };
  if (breakGlass) body.break_glass = breakGlass;
  const raw = await buildTx(key, 'records/access', body);
  const res = await api('/v1/records/' + enc(id) + '/read', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ tx: b64(raw) }) });
  // The digest to check against comes with the answer: a second signed
  // look-up of the record would be logged again, and is refused after a
  // break-glass read, which no consent backs.
  const doc = await openDocument(key, fromB64(res.blob), fromB64(res.wrapped_key), res.digest);
  return { res, json: fromUtf8(doc) };
}

// ---------- words ----------

// The purposes of use a consent may allow, in plain words.
export const PURPOSES = {
  TREAT: ['Treatment', 'Doctors and nurses caring for you may read these records to treat you.'],
  ETREAT: ['Emergency treatment', 'Only in an emergency, to treat you when you cannot be asked.'],
  HPAYMT: ['Payment', 'Your insurer or the billing office may read them to pay for your care.'],
  HOPERAT: ['Running the service', 'The organization may use them to run and check its own services (audits, quality).'],
  HRESCH: ['Research', 'Researchers may use them in studies, under the study\'s approval.'],
};
export const purpose = code => (PURPOSES[code] ? PURPOSES[code][0] : code);

// The break-glass reason codes, in plain words.
export const BREAK_GLASS = {
  'unconscious-patient': 'The patient is unconscious',
  'life-threatening': 'The situation is life-threatening',
  'unable-to-consent': 'The patient is unable to consent',
  'other-emergency': 'Another emergency',
};

export const GROUNDS = {
  consent: 'allowed by your consent',
  'break-glass': 'BREAK-GLASS: emergency access without consent, logged and reviewed',
  patient: 'you read your own record',
  custodian: 'a clinician of the organization that holds the record, for treatment',
  audit: 'an inspector of a regulator, auditing',
};

// pageReady runs fn once the DOM is ready and shows the chain in the header.
export function pageReady(fn) {
  // NOTE: never synchronously: the page's module must finish evaluating
  // (its classes and constants) before fn runs.
  const go = () => setTimeout(() => { showChain(); fn(); }, 0);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
  else go();
}
