// The clinician's page: the records patients have shared with me (or my
// organization), each opened here (FHIR rendered readably, the raw JSON
// one click away), and break-glass with a reason and a clear warning.
import { h, $, fill, table, say, all, enc, timeEl, short, signIn, pageReady, readRecord, purpose, BREAK_GLASS, ApiError } from '/static/js/medledger.js';
import { render } from '/static/js/fhir.js';

let key = null;
const err = e => (e instanceof ApiError ? e.text : e.message);

pageReady(() => {
  fill($('#glass-reason'), h('option', { value: '', text: 'Choose the reason…' }),
    Object.entries(BREAK_GLASS).map(([code, words]) => h('option', { value: code, text: words })));
  signIn($('#signin'), {
    example: 'keys/lakeside-clinic/dr-patel.json',
    purpose: 'Open your key file (keys/ORG/NAME.json) to read what patients shared with you. Documents are decrypted in this browser with your key.',
    accept: k => (k.id.includes('/') ? null : 'this is a patient\'s key; the clinician page needs a member\'s key'),
    onChange: k => { key = k; $('#clinician').hidden = !k; if (k) load(); },
  });
  $('#glass-form').addEventListener('submit', breakGlass);
});

// covers reports whether a consent's scope covers a record, as the chain
// decides (records.Scope.covers); the chain has the last word on a read.
function covers(s, r) {
  s = s || {};
  if (s.records && s.records.length && !s.records.includes(r.id)) return false;
  if (s.categories && s.categories.length && !s.categories.includes(r.category)) return false;
  if (s.resource_types && s.resource_types.length && !(r.resource_types || []).every(t => s.resource_types.includes(t))) return false;
  return true;
}

async function load() {
  const el = $('#shared');
  try {
    const [org, name] = key.id.split('/');
    const consents = await all('/v1/members/' + enc(org) + '/' + enc(name) + '/consents', 5000, key);
    const rows = [];
    for (const c of consents) {
      const recs = await all('/v1/patients/' + enc(c.patient) + '/records', 5000, key,
        { patient: c.patient, view: 'records', purpose: c.purposes.includes('TREAT') ? 'TREAT' : c.purposes[0] });
      for (const r of recs.filter(r => r.status === 'active' && covers(c.scope, r))) rows.push({ c, r });
    }
    if (!rows.length) { fill(el, h('p', { text: 'No patient has shared records with you or ' + org + ' yet.' })); return; }
    fill(el, table('', ['Patient', 'Record', 'What', 'Kept at', 'Shared under', ''], rows.map(({ c, r }) => h('tr', { 'data-record': r.id },
      h('td', { class: 'mono', title: c.patient, text: short(c.patient, 14) }),
      h('td', { class: 'mono', text: r.id }),
      h('td', {}, (r.resource_types || []).join(', '), h('div', { class: 'label', text: r.category })),
      h('td', { text: r.custodian }),
      h('td', {}, h('span', { class: 'mono', text: c.id }), ' to ', c.grantee, h('div', { class: 'label' }, c.purposes.map(purpose).join(', ') + ', until ', timeEl(c.not_after))),
      h('td', {}, h('button', { type: 'button', 'data-open': r.id, onclick: () => open(r.id, c.purposes.includes('TREAT') ? 'TREAT' : c.purposes[0]) }, 'Open')))),
    { id: 'shared-table' }));
  } catch (e) { say(el, 'error', err(e)); }
}

async function open(id, why, glass) {
  const el = $('#record-view');
  say(el, 'wait', 'asking the custodian for ' + id + '… (the read is logged on the patient\'s record first)');
  try {
    const got = await readRecord(key, id, why, glass);
    fill(el, h('section', { class: 'card', id: 'opened', 'data-record': id },
      h('h2', { text: 'Record ' + id + (got.res.break_glass ? ' (break-glass)' : '') }),
      h('p', { class: 'hint', text: 'Decrypted in this browser and checked against its fingerprint on chain. Your read is disclosure ' + got.res.disclosure + ' in the patient\'s log, block ' + got.res.height + '.' }),
      render(JSON.parse(got.json), got.json)));
    el.focus();
  } catch (e) {
    fill(el, h('section', { class: 'card', id: 'opened', 'data-record': id }, h('h2', { text: 'Record ' + id }), h('div', { id: 'read-msg' })));
    say($('#read-msg'), 'error', err(e));
    el.focus();
    load();
  }
}

async function breakGlass(ev) {
  ev.preventDefault();
  const msg = $('#glass-msg');
  const id = $('#glass-record').value.trim(), reason = $('#glass-reason').value;
  if (!id || !reason || !$('#glass-ack').checked) { say(msg, 'error', 'give the record, the reason, and tick that you understand'); return; }
  say(msg, 'info', 'break-glass read of ' + id + ' (' + BREAK_GLASS[reason] + ') sent; it is logged and reviewed.');
  await open(id, 'ETREAT', reason);
}
