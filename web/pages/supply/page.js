// The supply partner's page: inventory, open shipments in and out,
// receiving a shipment, recalling a lot, each signed here.
import { h, $, fill, table, say, all, api, enc, send, attr, gs1Date, timeEl, short, signIn, pageReady, ApiError } from '/static/js/medledger.js';

let key = null;
let org = '';
const err = e => (e instanceof ApiError ? e.text : e.message);
const itemText = it => (it.sscc ? 'case ' + it.sscc : it.gtin + ' / ' + it.serial);

pageReady(() => {
  signIn($('#signin'), {
    example: 'keys/medsupply-dist/admin.json',
    purpose: 'Open your key file (keys/ORG/NAME.json) to see your organization\'s stock and act on it.',
    accept: k => (k.id.includes('/') ? null : 'a patient\'s key has no stock; open a member\'s key'),
    onChange: k => { key = k; org = k ? k.id.split('/')[0] : ''; $('#partner').hidden = !k; if (k) load(); },
  });
  $('#recall-form').addEventListener('submit', recall);
});

async function load() {
  try {
    const o = await api('/v1/orgs/' + enc(org));
    $('#recall-box').hidden = o.kind !== 'manufacturer';
  } catch { /* the lists below say what failed */ }
  await Promise.all([shipments('incoming'), shipments('outgoing'), inventory()]);
}

async function shipments(dir) {
  const el = $('#' + dir);
  try {
    const list = await all('/v1/orgs/' + enc(org) + '/shipments?direction=' + dir);
    if (!list.length) { fill(el, h('p', { text: dir === 'incoming' ? 'Nothing is on its way to you.' : 'Everything you sent has been received.' })); return; }
    fill(el, table('', ['Shipment', dir === 'incoming' ? 'From' : 'To', 'Sent', 'Items', ''], list.map(s => h('tr', { 'data-shipment': s.id },
      h('td', { class: 'mono', text: s.id + (s.return ? ' (return)' : '') }),
      h('td', { text: dir === 'incoming' ? s.from : s.to }),
      h('td', {}, timeEl(s.time), h('div', { class: 'label', text: 'block ' + s.height })),
      h('td', {}, h('ul', {}, (s.items || []).slice(0, 10).map(it => h('li', { class: 'mono', text: itemText(it) }))), s.items.length > 10 ? h('p', { class: 'label', text: '…and ' + (s.items.length - 10) + ' more' }) : null),
      h('td', {}, dir === 'incoming' ? h('button', { type: 'button', 'data-receive': s.id, onclick: ev => receive(ev.target, s) }, 'Receive') : ''))),
    { id: dir + '-table' }), h('div', { id: dir + '-msg', 'aria-live': 'polite' }));
  } catch (e) { say(el, 'error', err(e)); }
}

async function receive(btn, s) {
  btn.disabled = true;
  const msg = $('#incoming-msg');
  say(msg, 'wait', 'receiving ' + s.id + '…');
  try {
    const res = await send(key, 'supply/receive', { shipment: s.id, items: s.items });
    await Promise.all([shipments('incoming'), inventory()]);
    say($('#incoming-msg') || $('#incoming'), 'ok', s.id + ' received: ' + s.items.length + ' item(s) are now yours.', 'Block ' + res.height + '.');
  } catch (e) { say(msg, 'error', err(e)); btn.disabled = false; }
}

async function inventory() {
  const el = $('#inventory');
  try {
    const list = await all('/v1/orgs/' + enc(org) + '/inventory');
    if (!list.length) { fill(el, h('p', { text: 'You hold nothing outside a shipment.' })); return; }
    const packs = list.filter(i => !i.sscc), cases = list.filter(i => i.sscc);
    fill(el, h('p', {}, h('strong', { text: String(packs.length) }), ' loose pack(s) and ', h('strong', { text: String(cases.length) }), ' case(s) or pallet(s).'),
      table('', ['Item', 'Lot', 'Expiry', 'Contents', 'Since block'], list.slice(0, 200).map(i => h('tr', {},
        h('td', { class: 'mono', text: i.code }), h('td', { text: i.lot || '' }), h('td', { text: i.expiry ? gs1Date(i.expiry) : '' }),
        h('td', { text: i.sscc ? i.count + ' item(s), level ' + i.level : '' }), h('td', { text: i.height })))),
      list.length > 200 ? h('p', { class: 'label', text: 'The first 200 of ' + list.length + '.' }) : null);
  } catch (e) { say(el, 'error', err(e)); }
}

async function recall(ev) {
  ev.preventDefault();
  const msg = $('#recall-msg');
  const body = { gtin: $('#recall-gtin').value.trim(), reason: $('#recall-reason').value.trim() };
  const lot = $('#recall-lot').value.trim();
  if (lot) body.lot = lot;
  $('#recall-btn').disabled = true;
  say(msg, 'wait', 'signing and sending the recall…');
  try {
    const res = await send(key, 'supply/recall', body);
    say(msg, 'ok', (lot ? 'Lot ' + lot : 'Every lot') + ' of ' + body.gtin + ' is recalled (' + attr(res.events, 'supply.recalled', 'recall') + ').', 'Transaction ' + short(res.hash, 12) + ' in block ' + res.height + '.');
  } catch (e) { say(msg, 'error', err(e)); }
  $('#recall-btn').disabled = false;
}
