// The explorer: chain status, live blocks and a live chart of committed
// transactions per second (from GET /v1/stream/commits), a block's
// transactions, a transaction with its proof checked here, organizations,
// members and validators. No sign-in.
import { h, $, fill, dl, table, labelCells, say, api, all, enc, status, commits, short, timeEl, fromB64, hex, decodeTx,
  verifyTxSignature, checkTxProof, keyIdOf, pageReady, ApiError } from '/static/js/medledger.js';

const view = () => $('#view');
const MAX_ROWS = 20;

pageReady(() => {
  $('#find').addEventListener('submit', ev => {
    ev.preventDefault();
    const q = $('#q').value.trim();
    if (/^\d+$/.test(q)) location.href = '/blocks/' + q;
    else if (/^[0-9a-fA-F]{64}$/.test(q)) location.href = '/tx/' + q.toUpperCase();
    else say(view(), 'error', 'give a block height or a 64-digit transaction hash');
  });
  const path = location.pathname;
  let m;
  if ((m = path.match(/^\/blocks\/(\d+)$/))) return showBlock(Number(m[1]));
  if ((m = path.match(/^\/tx\/([0-9a-fA-F]{64})$/))) return showTx(m[1].toUpperCase());
  if ((m = path.match(/^\/orgs\/([^/]+)$/))) return showOrg(decodeURIComponent(m[1]));
  const q = new URLSearchParams(location.search).get('q');
  if (q) { $('#q').value = q; $('#find').requestSubmit(); return; }
  showHome();
});

function problem(el, e) {
  say(el, 'error', e instanceof ApiError ? e.text : e.message);
}

// ---------- home ----------

async function showHome() {
  const statusEl = h('div', { id: 'status' }, 'Loading…');
  const liveEl = h('p', { class: 'hint', id: 'live', 'aria-live': 'polite' }, 'Connecting to the commit stream…');
  const tbody = h('tbody', { id: 'block-rows' });
  const chartEl = h('div', { class: 'chart', id: 'rate' });
  const rateText = h('p', { id: 'rate-text', 'aria-live': 'off' });
  fill(view(),
    h('div', { class: 'grid' },
      h('section', { class: 'card', 'aria-labelledby': 'status-h' }, h('h2', { id: 'status-h', text: 'Chain status' }), statusEl),
      h('section', { class: 'card', 'aria-labelledby': 'rate-h' }, h('h2', { id: 'rate-h', text: 'Committed transactions per second' }), chartEl, rateText)),
    h('section', { 'aria-labelledby': 'blocks-h' }, h('h2', { id: 'blocks-h', text: 'Latest blocks' }), liveEl,
      h('div', { class: 'scroll' }, h('table', { id: 'blocks', class: 'cards' },
        h('caption', { class: 'label', text: 'Newest first; new blocks appear as they commit.' }),
        h('thead', {}, h('tr', {}, ['Height', 'Time', 'Transactions', 'Block hash'].map(x => h('th', { scope: 'col', text: x })))),
        tbody))),
    h('section', { 'aria-labelledby': 'orgs-h' }, h('h2', { id: 'orgs-h', text: 'Organizations and members' }), h('div', { id: 'orgs' }, 'Loading…')),
    h('section', { 'aria-labelledby': 'vals-h' }, h('h2', { id: 'vals-h', text: 'Validators' }), h('div', { id: 'validators' }, 'Loading…')));

  const rate = new Rate(chartEl, rateText);
  let top = 0;
  const addRow = (height, txs, first) => {
    if (tbody.querySelector('[data-height="' + height + '"]')) return null;
    const row = h('tr', { 'data-height': height, class: first ? '' : 'new' },
      h('td', {}, h('a', { href: '/blocks/' + height, text: height })),
      h('td', { class: 'time' }), h('td', { class: 'ntx', text: txs === null ? '' : txs }), h('td', { class: 'mono hash' }));
    // Keep newest first.
    const after = Array.from(tbody.children).find(r => Number(r.dataset.height) < height);
    tbody.insertBefore(row, after || null);
    while (tbody.children.length > MAX_ROWS) tbody.lastElementChild.remove();
    labelCells($('#blocks'));
    return row;
  };
  const fillRow = async (row, height) => {
    try {
      const b = await api('/v1/blocks/' + height);
      row.querySelector('.time').replaceChildren(timeEl(b.time));
      row.querySelector('.ntx').textContent = b.txs.length;
      row.querySelector('.hash').replaceChildren(h('span', { title: b.hash, text: short(b.hash, 16) }));
    } catch { /* the row stays with what the stream said */ }
  };

  // The stream first, so that no block between the first read and it is missed.
  commits(ev => {
    rate.add(ev.txs.length);
    top = Math.max(top, ev.height);
    for (const el of [$('#chain-height'), $('#status-height')]) if (el) el.textContent = top;
    const row = addRow(ev.height, ev.txs.length, false);
    if (row) fillRow(row, ev.height);
  }, state => { liveEl.textContent = state === 'live' ? 'Live: blocks appear here as they commit.' : 'Reconnecting to the commit stream…'; });

  try {
    const st = await status(true);
    top = Math.max(top, st.latest_height);
    fill(statusEl, dl([
      ['Chain', st.chain_id],
      ['Latest height', h('span', { id: 'status-height', text: st.latest_height })],
      ['Latest block time', timeEl(st.latest_time)],
      ['App hash', h('span', { class: 'mono', text: st.app_hash })],
      ['Node', st.moniker + ' (' + short(st.node_id, 12) + ')'],
      ['Catching up', st.catching_up ? 'yes' : 'no'],
      ['Validators', String((st.validators || []).length)],
    ]));
    const heights = [];
    for (let i = st.latest_height; i > 0 && heights.length < 10; i--) heights.push(i);
    heights.forEach(x => { const r = addRow(x, null, true); if (r) fillRow(r, x); });
    showValidators(st.validators || []);
  } catch (e) { problem(statusEl, e); }
  showOrgs();
}

// Rate keeps per-second counts of committed transactions over the last
// minute and draws them as bars (SVG), with the figures in words beside.
class Rate {
  constructor(el, text) {
    this.el = el; this.text = text; this.buckets = new Map(); this.window = 60;
    this.draw();
    setInterval(() => this.draw(), 1000);
  }
  add(n) {
    const s = Math.floor(Date.now() / 1000);
    this.buckets.set(s, (this.buckets.get(s) || 0) + n);
  }
  draw() {
    const now = Math.floor(Date.now() / 1000);
    for (const k of this.buckets.keys()) if (k <= now - this.window) this.buckets.delete(k);
    const vals = [];
    for (let s = now - this.window + 1; s <= now; s++) vals.push(this.buckets.get(s) || 0);
    const peak = Math.max(1, ...vals);
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 600 140');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    const total = vals.reduce((a, b) => a + b, 0);
    const recent = vals.slice(-5).reduce((a, b) => a + b, 0) / 5;
    const label = 'Committed transactions per second over the last minute: now ' + recent.toFixed(1) + ', peak ' + Math.max(...vals) + ', ' + total + ' in all.';
    svg.setAttribute('aria-label', label);
    const w = 600 / this.window;
    vals.forEach((v, i) => {
      if (!v) return;
      const r = document.createElementNS(NS, 'rect');
      const hh = Math.max(2, (v / peak) * 130);
      r.setAttribute('x', String(i * w + 1)); r.setAttribute('y', String(140 - hh));
      r.setAttribute('width', String(Math.max(1, w - 2))); r.setAttribute('height', String(hh));
      svg.appendChild(r);
    });
    const axis = document.createElementNS(NS, 'line');
    axis.setAttribute('class', 'axis'); axis.setAttribute('x1', '0'); axis.setAttribute('x2', '600'); axis.setAttribute('y1', '139'); axis.setAttribute('y2', '139');
    svg.appendChild(axis);
    this.el.replaceChildren(svg);
    fill(this.text, h('strong', { class: 'big', id: 'rate-now', text: recent.toFixed(1) }), ' tx/s now (last 5 s) · peak ',
      h('span', { id: 'rate-peak', text: Math.max(...vals) }), ' · ', h('span', { id: 'rate-total', text: total }), ' in the last minute');
  }
}

async function showOrgs() {
  const el = $('#orgs');
  try {
    const orgs = await all('/v1/orgs');
    const details = await Promise.all(orgs.map(o => api('/v1/orgs/' + enc(o.id)).catch(() => ({ members: [] }))));
    fill(el, table('', ['Organization', 'Kind', 'Jurisdiction', 'Status', 'Members'], orgs.map((o, i) => h('tr', {},
      h('td', {}, h('a', { href: '/orgs/' + enc(o.id), text: o.name }), h('div', { class: 'mono label', text: o.id })),
      h('td', { text: o.kind }), h('td', { text: o.jurisdiction }), h('td', {}, statusBadge(o.status)),
      h('td', {}, h('ul', { class: 'pill-list' }, (details[i].members || []).map(m => h('li', {},
        h('span', { class: 'mono', text: m.id.split('/')[1] }), ' ', h('span', { class: 'label', text: m.role }))))))), { id: 'org-table' }));
  } catch (e) { problem(el, e); }
}

function statusBadge(s) {
  const good = s === 'active';
  return h('span', { class: 'badge ' + (good ? 'badge-ok' : 'badge-bad'), text: s });
}

function showValidators(vals) {
  fill($('#validators'), table('', ['Address', 'Public key (Ed25519)', 'Voting power'], vals.map(v => h('tr', {},
    h('td', { class: 'mono', text: v.address }), h('td', { class: 'mono', text: hex(fromB64(v.pub_key)) }), h('td', { text: v.power }))), { id: 'validator-table' }));
}

// ---------- a block ----------

async function showBlock(height) {
  document.title = 'Block ' + height + ' · medledger';
  fill(view(), h('p', {}, 'Loading block ' + height + '…'));
  try {
    const b = await api('/v1/blocks/' + height);
    const hd = (b.signed_header && b.signed_header.header) || {};
    const sigs = ((b.signed_header && b.signed_header.commit && b.signed_header.commit.signatures) || []).filter(s => s.signature).length;
    const rows = h('tbody', {});
    fill(view(),
      h('h2', { text: 'Block ' + b.height }),
      h('nav', { class: 'actions', 'aria-label': 'Neighbouring blocks' },
        b.height > 1 ? h('a', { href: '/blocks/' + (b.height - 1), text: '← Block ' + (b.height - 1) }) : null,
        h('a', { href: '/blocks/' + (b.height + 1), text: 'Block ' + (b.height + 1) + ' →' }),
        h('a', { href: '/', text: 'Latest blocks' })),
      h('section', { class: 'card' }, dl([
        ['Height', String(b.height)], ['Time', timeEl(b.time)], ['Block hash', h('span', { class: 'mono', text: b.hash })],
        ['Data hash (Merkle root of its transactions)', h('span', { class: 'mono', id: 'data-hash', text: hd.data_hash || '' })],
        ['App hash (state after the previous block)', h('span', { class: 'mono', text: b.app_hash })],
        ['Proposer', h('span', { class: 'mono', text: b.proposer })], ['Validator signatures in its commit', String(sigs)],
        ['Transactions', String(b.txs.length)]])),
      h('h3', { text: 'Transactions' }),
      b.txs.length ? h('div', { class: 'scroll' }, h('table', { id: 'block-txs', class: 'cards' },
        h('thead', {}, h('tr', {}, ['#', 'Type', 'Signer', 'Result', 'Hash'].map(x => h('th', { scope: 'col', text: x })))), rows))
        : h('p', { text: 'This block has no transactions.' }));
    b.txs.forEach((hash, i) => {
      const type = h('td'), signer = h('td', { class: 'mono' }), result = h('td');
      rows.appendChild(h('tr', {}, h('td', { text: i + 1 }), type, signer, result, h('td', {}, h('a', { class: 'mono', href: '/tx/' + hash, text: short(hash, 16) }))));
      api('/v1/tx/' + hash).then(t => {
        const d = t.tx ? decodeTx(fromB64(t.tx)) : null;
        type.textContent = d ? d.payload.type : '';
        signer.textContent = d ? d.payload.signer : '';
        result.replaceChildren(resultBadge(t));
        labelCells($('#block-txs'));
      }).catch(() => { result.textContent = 'not indexed yet'; });
    });
  } catch (e) { problem(view(), e); }
}

function resultBadge(t) {
  return t.code === 0 ? h('span', { class: 'badge badge-ok', text: 'applied' })
    : h('span', { class: 'badge badge-bad', text: 'refused: ' + (t.slug || (t.codespace + '/' + t.code)) });
}

// ---------- a transaction ----------

async function showTx(hash) {
  document.title = 'Transaction ' + short(hash, 10) + ' · medledger';
  fill(view(), h('p', {}, 'Loading transaction…'));
  try {
    const t = await api('/v1/tx/' + hash + '?prove=true');
    const raw = fromB64(t.tx || '');
    const d = decodeTx(raw);
    const p = d ? d.payload : {};
    const checksEl = h('ul', { class: 'checks', id: 'checks', 'aria-live': 'polite' }, h('li', {}, 'Checking…'));
    fill(view(),
      h('h2', { text: 'Transaction' }),
      h('p', { class: 'mono', text: t.hash }),
      h('section', { class: 'card' }, dl([
        ['Type', p.type], ['Signer', h('span', { class: 'mono', text: p.signer || '' })], ['Key id', h('span', { class: 'mono', text: p.key_id || '' })],
        ['Block', h('a', { href: '/blocks/' + t.height, text: String(t.height) })], ['Position in block', String((t.index || 0) + 1)],
        ['Result', resultBadge(t)], ['Node\'s log', t.log || ''], ['Nonce', p.nonce], ['Valid until height', p.expires !== undefined ? String(p.expires) : ''],
      ])),
      h('section', { class: 'card', 'aria-labelledby': 'proof-h' },
        h('h3', { id: 'proof-h', text: 'Checked in this browser' }),
        h('p', { class: 'hint', text: 'This page does not take the node\'s word: it hashes the transaction\'s bytes itself, follows the Merkle proof of inclusion to the block header\'s data hash, and checks the signature against the signer\'s key on chain.' }),
        checksEl,
        h('p', { class: 'hint', text: 'Not checked here: that the header itself carries +2/3 of the validators\' signatures. `medledger verify` checks that with CometBFT\'s light-client rules.' })),
      h('h3', { text: 'Body' }),
      h('pre', { class: 'json', id: 'tx-body', text: JSON.stringify(p.body, null, 2) }),
      h('h3', { text: 'Events' }),
      (t.events || []).length ? table('', ['Event', 'Attributes'], t.events.map(ev => h('tr', {},
        h('td', { class: 'mono', text: ev.type }),
        h('td', {}, dl((ev.attributes || []).map(a => [a.key, h('span', { class: 'mono', text: a.value })])))))) : h('p', { text: 'No events.' }));
    const checks = [];
    try {
      const b = await api('/v1/blocks/' + t.height);
      checks.push(...await checkTxProof(raw, t.hash, t.proof, Object.assign({ height: t.height }, b.signed_header.header)));
    } catch (e) { checks.push({ what: 'The block and proof could be read: ' + e.message, ok: false }); }
    if (d) checks.push(await signatureCheck(d));
    fill(checksEl, checks.map(c => h('li', { class: c.ok ? 'pass' : 'fail' },
      h('span', { class: 'badge ' + (c.ok ? 'badge-ok' : 'badge-bad'), text: c.ok ? 'PASS' : 'FAIL' }), c.what)));
    checksEl.dataset.done = checks.every(c => c.ok) ? 'pass' : 'fail';
  } catch (e) { problem(view(), e); }
}

async function signatureCheck(d) {
  const s = d.payload.signer || '';
  const what = 'The Ed25519 signature verifies with the key of ' + s + ' on chain';
  try {
    const who = s.startsWith('pat-') ? await api('/v1/patients/' + enc(s)) : await api('/v1/members/' + s.split('/').map(enc).join('/'));
    const pub = fromB64(who.sign_key);
    if (await keyIdOf(pub) !== d.payload.key_id) return { what: what + ' (the signer\'s current key is not the one it signed with: rotated since)', ok: false };
    return { what, ok: await verifyTxSignature(d, pub) };
  } catch (e) {
    return { what: what + ': ' + (e.text || e.message), ok: false };
  }
}

// ---------- an organization ----------

async function showOrg(id) {
  try {
    const o = await api('/v1/orgs/' + enc(id));
    document.title = o.name + ' · medledger';
    fill(view(), h('h2', { text: o.name }),
      h('section', { class: 'card' }, dl([['Id', h('span', { class: 'mono', text: o.id })], ['Kind', o.kind], ['Jurisdiction', o.jurisdiction],
        ['Status', statusBadge(o.status)], ['Since height', String(o.since)]])),
      h('h3', { text: 'Members' }),
      table('', ['Member', 'Role', 'Status', 'Key id'], (o.members || []).map(m => h('tr', {},
        h('td', { class: 'mono', text: m.id }), h('td', { text: m.role }), h('td', {}, statusBadge(m.status)), h('td', { class: 'mono', text: m.key_id })))));
  } catch (e) { problem(view(), e); }
}
