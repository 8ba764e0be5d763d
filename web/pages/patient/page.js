// The patient portal: my records (fingerprints, no contents unless I open
// one), my consents (grant in plain words, revoke in one click), the
// disclosure log as a timeline (break-glass marked), and erasure.
import { h, $, fill, dl, table, say, api, all, enc, send, attr, timeEl, short, signIn, pageReady, readRecord, pseudonymAt,
  PURPOSES, purpose, BREAK_GLASS, GROUNDS, ApiError } from '/static/js/medledger.js';
import { render } from '/static/js/fhir.js';

let key = null; // who signs: the patient's key, or their pseudonym at a custodian
let patientKey = null; // the key they opened
let records = [];

const err = e => (e instanceof ApiError ? e.text : e.message);

pageReady(() => {
  signIn($('#signin'), {
    example: 'keys/patient/alice.json',
    purpose: 'Open your key file (keys/patient/NAME.json) to see your records. The page decrypts it here; your key never leaves this browser.',
    accept: k => (k.id.startsWith('pat-') ? null : 'this is a member\'s key (' + k.name + '); the patient page needs a patient\'s key'),
    onChange: k => { key = patientKey = k; $('#patient').hidden = !k; if (k) { custodians(); load(); } },
  });
  $('#as').addEventListener('change', async ev => {
    const org = ev.target.value;
    fill($('#as-msg'));
    try {
      key = org ? await pseudonymAt(patientKey, 'records/' + org) : patientKey;
      if (org) say($('#as-msg'), 'ok', 'You are ' + key.id + ' at ' + org + '.');
    } catch (e) { key = patientKey; ev.target.value = ''; say($('#as-msg'), 'error', err(e)); }
    load();
  });
  const until = new Date(Date.now() + 90 * 864e5);
  $('#until').value = until.toISOString().slice(0, 10);
  $('#until').min = new Date(Date.now() + 864e5).toISOString().slice(0, 10);
  fill($('#purposes'), h('legend', { text: 'What for (tick at least one)' }), Object.entries(PURPOSES).map(([code, [name, words]]) =>
    h('label', {}, h('input', { type: 'checkbox', name: 'purpose', value: code, checked: code === 'TREAT' }),
      h('span', {}, h('strong', { text: name }), ' — ', words))));
  $('#grant-form').addEventListener('submit', grant);
});

// custodians fills the choice of who to be: the patient id, or the
// pseudonym at each hospital and clinic.
async function custodians() {
  const sel = $('#as');
  fill(sel, h('option', { value: '', text: 'my patient id (' + patientKey.id + ')' }));
  try {
    const orgs = (await all('/v1/orgs')).filter(o => o.status === 'active' && (o.kind === 'hospital' || o.kind === 'clinic'));
    orgs.forEach(o => sel.append(h('option', { value: o.id, text: 'my pseudonym at ' + o.name })));
  } catch (e) { say($('#as-msg'), 'error', err(e)); }
}

// notKnown words a refusal of a pseudonym no custodian enrolled.
const notKnown = e => (e instanceof ApiError && e.problem.title === 'unknown-signer' && key.context
  ? key.context.replace('records/', '') + ' does not know you under a pseudonym yet: ask them to enroll you (medledger records join --at ' + key.context.replace('records/', '') + ')'
  : err(e));

async function load() {
  await Promise.all([loadRecords(), loadConsents(), loadLog(), loadGrantees()]);
}

async function loadRecords() {
  const el = $('#records');
  try {
    records = await all('/v1/patients/' + enc(key.id) + '/records', 5000, key);
    if (!records.length) { fill(el, h('p', { text: 'No records about you are on the chain yet.' })); }
    else {
      fill(el, table('', ['Record', 'What', 'Where', 'When', 'Fingerprint', 'Status', ''], records.map(r => h('tr', { 'data-record': r.id },
        h('td', { class: 'mono', text: r.id }),
        h('td', {}, (r.resource_types || []).join(', '), h('div', { class: 'label', text: r.category })),
        h('td', { text: r.custodian }),
        h('td', {}, timeEl(r.time), h('div', { class: 'label', text: 'block ' + r.height })),
        h('td', { class: 'mono', title: r.digest, text: short(r.digest, 16) }),
        h('td', {}, r.status === 'erased' ? h('span', { class: 'badge badge-muted', text: 'erased' }) : h('span', { class: 'badge badge-ok', text: 'kept' })),
        h('td', {}, r.status === 'erased' ? '' : h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', 'data-open': r.id, onclick: () => open(r) }, 'Open'),
          h('button', { type: 'button', class: 'secondary', 'data-erase': r.id, onclick: () => confirmErase(r) }, 'Erase…'))))), { id: 'record-table' }));
    }
    scopeChoices();
  } catch (e) { say(el, 'error', notKnown(e)); }
}

async function open(r) {
  const el = $('#record-view');
  say(el, 'wait', 'asking ' + r.custodian + ' for ' + r.id + '… (your read is logged like any other)');
  try {
    const got = await readRecord(key, r.id, 'TREAT');
    fill(el, h('h3', { text: 'Record ' + r.id }), render(JSON.parse(got.json), got.json));
    el.focus();
    loadLog();
  } catch (e) { say(el, 'error', err(e)); }
}

function confirmErase(r) {
  const el = $('#record-view');
  const msg = h('div', { 'aria-live': 'polite' });
  const box = h('div', { class: 'warning', role: 'alertdialog', 'aria-labelledby': 'erase-h', 'aria-describedby': 'erase-text' },
    h('h3', { id: 'erase-h', text: 'Erase ' + r.id + '?' }),
    h('p', { id: 'erase-text', text: r.custodian + ' will destroy the document (' + (r.resource_types || []).join(', ') + ', ' + r.category + ') and its keys. Nobody, you included, can read it again. ' +
      'Its fingerprint stays on the chain as a tombstone that no longer links to any content. This cannot be undone.' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'danger', id: 'erase-confirm', onclick: async ev => {
        ev.target.disabled = true;
        say(msg, 'wait', 'signing and sending…');
        try {
          const res = await send(key, 'records/erase', { record: r.id });
          say(msg, 'ok', r.id + ' is erased.', 'Transaction ' + short(res.hash, 12) + ' in block ' + res.height + '.');
          loadRecords();
        } catch (e) { say(msg, 'error', err(e)); ev.target.disabled = false; }
      } }, 'Erase for good'),
      h('button', { type: 'button', class: 'secondary', id: 'erase-cancel', onclick: () => fill(el) }, 'Keep it')),
    msg);
  fill(el, box);
  $('#erase-cancel').focus();
}

function scopeText(s) {
  const parts = [];
  if (s && s.records && s.records.length) parts.push('records ' + s.records.join(', '));
  if (s && s.categories && s.categories.length) parts.push('categories ' + s.categories.join(', '));
  if (s && s.resource_types && s.resource_types.length) parts.push('types ' + s.resource_types.join(', '));
  return parts.length ? parts.join('; ') : 'all your records';
}

async function loadConsents() {
  const el = $('#consents');
  try {
    const list = (await all('/v1/patients/' + enc(key.id) + '/consents', 5000, key)).reverse();
    if (!list.length) { fill(el, h('p', { text: 'You have not given anyone access.' })); return; }
    fill(el, table('', ['Who', 'What for', 'Which records', 'Until', 'Status', ''], list.map(c => h('tr', { 'data-consent': c.id },
      h('td', {}, h('strong', { text: c.grantee }), h('div', { class: 'mono label', text: c.id })),
      h('td', {}, (c.purposes || []).map(p => h('div', { title: PURPOSES[p] ? PURPOSES[p][1] : p, text: purpose(p) }))),
      h('td', { text: scopeText(c.scope) }),
      h('td', {}, timeEl(c.not_after)),
      h('td', {}, c.status === 'active' ? h('span', { class: 'badge badge-ok', text: 'in force' }) : h('span', { class: 'badge badge-muted', text: 'revoked at block ' + c.revoked_height })),
      h('td', {}, c.status === 'active' ? h('button', { type: 'button', class: 'danger', 'data-revoke': c.id, 'aria-label': 'Revoke ' + c.grantee + '\'s access (' + c.id + ')', onclick: ev => revoke(ev.target, c) }, 'Revoke') : ''))),
    { id: 'consent-table' }), h('div', { id: 'consent-msg', 'aria-live': 'polite' }));
  } catch (e) { say(el, 'error', err(e)); }
}

async function revoke(btn, c) {
  btn.disabled = true;
  const msg = $('#consent-msg');
  say(msg, 'wait', 'revoking ' + c.grantee + '\'s access…');
  try {
    await send(key, 'records/revoke', { consent: c.id });
    await loadConsents();
    say($('#consent-msg'), 'ok', c.grantee + ' can no longer read your records under ' + c.id + '.');
  } catch (e) { say(msg, 'error', err(e)); btn.disabled = false; }
}

async function loadGrantees() {
  const sel = $('#grantee');
  try {
    const orgs = await all('/v1/orgs');
    const full = await Promise.all(orgs.map(o => api('/v1/orgs/' + enc(o.id)).catch(() => Object.assign({ members: [] }, o))));
    fill(sel, h('option', { value: '', text: 'Choose who…' }), full.filter(o => o.status === 'active').map(o => h('optgroup', { label: o.name + ' (' + o.kind + ')' },
      h('option', { value: o.id, text: o.name + ' — everyone there' }),
      (o.members || []).filter(m => m.status === 'active').map(m => h('option', { value: m.id, text: m.id + ' (' + m.role + ')' })))));
  } catch (e) { say($('#grant-msg'), 'error', err(e)); }
}

function scopeChoices() {
  const live = records.filter(r => r.status !== 'erased');
  fill($('#scope-records'), live.map(r => h('label', {}, h('input', { type: 'checkbox', name: 'scope-record', value: r.id }),
    h('span', { text: r.id + ': ' + (r.resource_types || []).join(', ') + ' (' + r.category + ') at ' + r.custodian }))));
}

async function grant(ev) {
  ev.preventDefault();
  const msg = $('#grant-msg');
  const grantee = $('#grantee').value;
  const purposes = Array.from(document.querySelectorAll('input[name=purpose]:checked')).map(x => x.value);
  const some = document.querySelector('input[name=scope]:checked').value === 'some';
  const recs = Array.from(document.querySelectorAll('input[name=scope-record]:checked')).map(x => x.value);
  if (!grantee) { say(msg, 'error', 'choose who may read'); return; }
  if (!purposes.length) { say(msg, 'error', 'tick at least one purpose'); return; }
  if (some && !recs.length) { say(msg, 'error', 'tick the records to share, or choose all'); return; }
  const until = $('#until').value;
  const body = { grantee, scope: some ? { records: recs } : {}, purposes, not_after: new Date(until + 'T23:59:59Z').toISOString().replace(/\.\d+Z$/, 'Z') };
  const btn = $('#grant-btn');
  btn.disabled = true;
  say(msg, 'wait', 'signing and sending…');
  try {
    const res = await send(key, 'records/grant', body);
    say(msg, 'ok', grantee + ' may now read ' + (some ? recs.join(', ') : 'your records') + ' for ' + purposes.map(purpose).join(', ').toLowerCase() + ' until ' + until + '.',
      '(' + attr(res.events, 'records.consent_granted', 'consent') + ')');
    loadConsents();
  } catch (e) { say(msg, 'error', err(e)); }
  btn.disabled = false;
}

// IDENTITY says what happened to the patient's identity (keys, guardians,
// recovery, freeze: docs/patients.md), in plain words.
const IDENTITY = {
  'key-rotated': e => 'Your key was changed: the new key is in force, the old one no longer works.',
  'guardians-set': e => 'Your guardians are now ' + (e.guardians || []).join(', ') + '; ' + e.threshold + ' of them must agree to recover your identity.',
  'recovery-requested': e => e.actor + ' asked to move your identity to a new key (' + e.recovery + ').',
  'recovery-approved': e => e.actor + ' agreed to recovery ' + e.recovery + ' (' + e.approvals + ' of ' + e.threshold + ')' +
    (e.due ? '. It takes effect at ' + new Date(e.due).toLocaleString() + ' unless you cancel it with your key.' : '.'),
  'recovery-cancelled': e => 'Recovery ' + e.recovery + ' was cancelled (' + e.reason + ').',
  'recovery-completed': e => 'Recovery ' + e.recovery + ' took effect: the new key is in force, the old one no longer works.',
  'freeze-requested': e => e.actor + ' asked to freeze your identity (' + e.approvals + ' of ' + e.threshold + ').',
  'frozen': e => 'Your identity was frozen (by the ' + e.reason + '): no new access, no reads under your consents, no erasure until a new key is in force.',
  'unfrozen': e => 'Your identity is no longer frozen.',
  'guardians-read': e => e.actor + ' asked to read ' + (e.recovery ? 'recovery ' + e.recovery : 'your guardians and recoveries') + (e.reason === 'granted' ? ' (allowed).' : ' (refused).'),
};

function identityItem(d) {
  const e = d.identity;
  const words = IDENTITY[e.event] ? IDENTITY[e.event](e) : e.event;
  return h('li', { class: 'identity', 'data-seq': d.seq, 'data-event': e.event },
    h('strong', { text: 'Your identity: ' }), words,
    h('span', { class: 'when' }, timeEl(d.time), ' · block ', String(d.height)));
}

async function loadLog() {
  const el = $('#log');
  try {
    const list = (await all('/v1/patients/' + enc(key.id) + '/disclosures', 5000, key)).reverse();
    if (!list.length) { fill(el, h('p', { text: 'Nobody has asked to read your records yet.' })); return; }
    fill(el, h('ol', { class: 'timeline', id: 'disclosures' }, list.map(d => {
      if (d.identity) return identityItem(d);
      const granted = d.outcome === 'granted';
      const glass = d.break_glass;
      return h('li', { class: glass ? 'glass' : (granted ? '' : 'bad'), 'data-seq': d.seq, 'data-outcome': d.outcome, 'data-break-glass': String(!!glass), 'data-reader': d.reader, 'data-record': d.record, 'data-view': d.view || null },
        glass ? h('p', { class: 'glass-banner' }, h('strong', { text: 'BREAK-GLASS: ' }),
          'emergency access without your consent (' + (BREAK_GLASS[d.reason] || d.reason) + '). It is logged here, and the reader\'s organization reviews every such access.') : null,
        h('strong', { text: (granted ? 'Read' : 'Refused') + ': ' }), d.reader, d.reader_org && !String(d.reader).startsWith(d.reader_org + '/') ? ' (' + d.reader_org + ')' : '',
        d.view ? [' looked at ', d.record ? h('span', { class: 'mono', text: d.record }) : 'your ' + d.view] : [' asked for ', h('span', { class: 'mono', text: d.record })],
        ' for ', purpose(d.purpose).toLowerCase(),
        granted ? h('span', { class: 'when', text: 'Why allowed: ' + (GROUNDS[d.ground] || d.ground) + (d.consent ? ' ' + d.consent : '') })
          : h('span', { class: 'when', text: 'Why refused: ' + (d.missing || '') }),
        h('span', { class: 'when' }, timeEl(d.time), ' · block ', String(d.height)));
    })));
  } catch (e) { say(el, 'error', err(e)); }
}
