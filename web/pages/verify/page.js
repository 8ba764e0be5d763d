// The pharmacist's page: verify a pack by its scanned or typed code
// (GET /v1/verify/pack), see the answer full-screen with the pack's chain
// of custody, and dispense or report it with a transaction signed here.
import { h, $, fill, dl, say, api, enc, send, attr, gs1Date, timeEl, signIn, pageReady, ApiError } from '/static/js/medledger.js';

const GS = '\u001d';

// Each answer: its word (always shown), whether it is good news, and a
// symbol beside the word (colour is never the only signal).
const ANSWERS = {
  verified: { word: 'VERIFIED', ok: true },
  unknown: { word: 'UNKNOWN' },
  mismatch: { word: 'MISMATCH' },
  recalled: { word: 'RECALLED' },
  expired: { word: 'EXPIRED' },
  dispensed: { word: 'DISPENSED' },
  decommissioned: { word: 'DECOMMISSIONED' },
  stolen: { word: 'STOLEN' },
  quarantined: { word: 'QUARANTINED' },
  illegitimate: { word: 'ILLEGITIMATE' },
};

const EVENTS = {
  commission: 'Commissioned (serial number given)', aggregate: 'Packed into a case', disaggregate: 'Taken out of a case',
  ship: 'Shipped', receive: 'Received', return: 'Returned', dispense: 'Dispensed to a patient', decommission: 'Taken out of circulation',
  recall: 'Recalled', report: 'Reported as suspect',
};

let key = null;     // the signed-in pharmacist, or null
let current = null; // the answer shown

pageReady(() => {
  const input = $('#code');
  // A keyboard-wedge scanner types a DataMatrix's group separator (ASCII
  // 29) as a control key a text field would drop: keep it. Ctrl+] is GS on
  // a keyboard too.
  input.addEventListener('keydown', ev => {
    if (ev.key === GS || (ev.ctrlKey && (ev.key === ']' || ev.code === 'BracketRight'))) {
      ev.preventDefault();
      const s = input.selectionStart, e = input.selectionEnd;
      input.value = input.value.slice(0, s) + GS + input.value.slice(e);
      input.setSelectionRange(s + 1, s + 1);
    }
  });
  // A scan while the field is not focused still lands in it.
  document.addEventListener('keydown', ev => {
    const t = ev.target;
    if (t === document.body && !ev.ctrlKey && !ev.metaKey && !ev.altKey && ev.key.length === 1) input.focus();
  });
  $('#scan-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const code = normalize(input.value);
    if (!code) { say($('#answer'), 'error', 'scan or type a code first'); return; }
    history.replaceState(null, '', '/verify?code=' + enc(code));
    verify(code);
  });
  camera();
  signIn($('#signin'), {
    example: 'keys/cityrx-pharmacy/pharmacist.json',
    purpose: 'Open your key file to dispense a verified pack or report a suspect one. Verifying needs no sign-in.',
    accept: k => (k.id.includes('/') ? null : 'a patient\'s key cannot dispense or report; open a pharmacy member\'s key'),
    onChange: k => { key = k; if (current) actions(current); },
  });
  const code = new URLSearchParams(location.search).get('code');
  if (code) { input.value = code; verify(normalize(code)); }
});

// normalize keeps what a scanner sent, turning the written forms of the
// group separator ("<GS>", "{GS}", "\x1d", "^]", "␝") into the character.
export function normalize(s) {
  return s.replace(/<GS>|\{GS\}|\\x1[dD]|\^\]|\u241d/g, GS).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

async function verify(code) {
  const el = $('#answer');
  say(el, 'wait', 'verifying…');
  let v;
  try {
    v = await api('/v1/verify/pack?code=' + enc(code));
  } catch (e) {
    fill(el, h('div', { class: 'msg msg-error', role: 'alert' }, h('strong', { text: 'Not a code medledger can read: ' }), e instanceof ApiError ? e.problem.detail : e.message));
    return;
  }
  current = { v, code };
  show(v);
}

function show(v) {
  const el = $('#answer');
  const a = ANSWERS[v.result] || { word: String(v.result).toUpperCase() };
  const history = h('div', { id: 'custody' });
  const acts = h('div', { id: 'answer-actions' });
  fill(el, h('section', { class: 'answer ' + (a.ok ? 'ok' : 'bad'), id: 'verdict', 'data-result': v.result, 'aria-labelledby': 'verdict-word' },
    h('p', { class: 'word', id: 'verdict-word', 'data-symbol': a.ok ? '✓' : '✗', role: 'alert', text: a.word }),
    h('p', { class: 'reason', id: 'verdict-reason', text: v.reason }),
    dl([
      ['Product', v.product || (v.sscc ? 'A case or pallet' : '')],
      ['GTIN', v.gtin], ['Serial', v.serial], ['SSCC', v.sscc],
      ['Lot', v.lot], ['Expiry', v.expiry ? gs1Date(v.expiry) : ''],
      ['Manufacturer', v.manufacturer], ['Held by', v.custodian], ['In transit to', v.in_transit_to],
      ['Inside', (v.containers || []).join(' in ')], ['Recall', v.recall ? v.recall + (v.recall_reason ? ': ' + v.recall_reason : '') : ''],
      ['Packs inside', v.packs ? String(v.packs) : ''],
      ['Report', v.report || ''],
      ['As of', v.height ? 'block ' + v.height + (v.block_time ? ', ' + new Date(v.block_time).toLocaleString() : '') : ''],
      ['Code read', h('span', { class: 'mono', text: v.code })],
    ]),
    acts,
    h('div', { class: 'card' }, h('h2', { text: 'Chain of custody' }), history)));
  actions(current);
  el.focus();
  el.scrollIntoView({ block: 'start' });
  custody(v, history);
}

// actions shows the buttons the answer allows: dispense a verified pack,
// report a suspect one (not one a report holds already: its holder waits
// for the investigation).
function actions({ v, code }) {
  const el = $('#answer-actions');
  if (!el) return;
  const msg = h('div', { id: 'action-msg', 'aria-live': 'polite' });
  const need = key ? null : h('p', { text: 'Sign in below as a pharmacist to dispense or report.' });
  const buttons = [];
  if (v.result === 'verified' && v.serial) {
    buttons.push(h('button', { type: 'button', id: 'dispense', disabled: !key, onclick: () => act(msg, 'supply/dispense', { gtin: v.gtin, serial: v.serial }, 'Dispensed: the pack is now recorded as sold.') }, 'Dispense this pack'));
  }
  if (v.suspect && !v.report) {
    buttons.push(h('button', { type: 'button', class: 'danger', id: 'report', disabled: !key, onclick: () => act(msg, 'supply/report', { code }, 'Reported: the manufacturer and the regulators can see this report.') }, 'Report as suspect'));
  }
  fill(el, buttons.length ? h('div', { class: 'actions' }, buttons) : null, buttons.length ? need : null, msg);
}

async function act(msg, type, body, done) {
  $$buttons(true);
  say(msg, 'wait', 'signing and sending…');
  try {
    const res = await send(key, type, body);
    const id = attr(res.events, 'supply.suspect_report', 'report');
    say(msg, 'ok', done + (id ? ' (' + id + ')' : ''), 'Transaction ' + res.hash.slice(0, 12) + '… in block ' + res.height + '.');
    const m = msg; // keep the message above the refreshed answer
    await verify(current.code);
    const again = $('#action-msg');
    if (again) again.replaceWith(m);
  } catch (e) {
    say(msg, 'error', e instanceof ApiError ? e.text : e.message);
    $$buttons(false);
  }
}

function $$buttons(disabled) {
  for (const b of document.querySelectorAll('#answer-actions button')) b.disabled = disabled || !key;
}

async function custody(v, el) {
  let path;
  if (v.result === 'unknown' || v.result === 'mismatch') {
    fill(el, h('p', { text: v.result === 'unknown' ? 'This pack was never commissioned, so it has no chain of custody: treat it as suspect.' : 'What was scanned does not match what the chain holds for this pack; its custody is not shown.' }));
    return;
  }
  if (v.serial) path = '/v1/packs/' + enc(v.gtin) + '/' + enc(v.serial) + '/history';
  else if (v.sscc) path = '/v1/cases/' + enc(v.sscc) + '/history';
  else { fill(el, h('p', { text: 'This code names nothing on the chain, so it has no chain of custody.' })); return; }
  try {
    const hist = await api(path);
    const evs = hist.events || [];
    if (!evs.length) { fill(el, h('p', { text: 'No custody events.' })); return; }
    fill(el, h('ol', { class: 'timeline', id: 'timeline' }, evs.map(e => h('li', { class: e.type === 'recall' || e.type === 'decommission' ? 'bad' : '' },
      h('strong', { text: EVENTS[e.type] || e.type }),
      e.from || e.to ? ' ' + [e.from ? 'from ' + e.from : '', e.to ? 'to ' + e.to : ''].filter(Boolean).join(' ') : '',
      e.via ? h('span', { class: 'label', text: ' (in case ' + e.via + ')' }) : null,
      h('span', { class: 'when' }, 'by ', e.org || e.actor, ' · ', timeEl(e.time), ' · block ', String(e.height)),
      e.reason ? h('span', { class: 'when', text: 'Reason: ' + e.reason }) : null))));
  } catch (e) {
    say(el, 'error', e instanceof ApiError ? e.text : e.message);
  }
}

// camera offers the camera where the browser has a barcode detector.
function camera() {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  const btn = $('#camera-btn'), box = $('#camera'), video = $('#video');
  btn.hidden = false;
  let stream = null, timer = null;
  const stop = () => { clearInterval(timer); if (stream) stream.getTracks().forEach(t => t.stop()); stream = null; box.hidden = true; btn.focus(); };
  $('#camera-stop').addEventListener('click', stop);
  btn.addEventListener('click', async () => {
    try {
      // eslint-disable-next-line no-undef
      const detector = new BarcodeDetector({ formats: ['data_matrix', 'qr_code', 'code_128'] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.srcObject = stream;
      box.hidden = false;
      await video.play();
      timer = setInterval(async () => {
        const found = await detector.detect(video).catch(() => []);
        if (found.length) {
          stop();
          $('#code').value = found[0].rawValue;
          $('#scan-form').requestSubmit();
        }
      }, 250);
    } catch (e) {
      say($('#answer'), 'error', 'the camera could not start: ' + e.message);
      stop();
    }
  });
}
