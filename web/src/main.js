// SPDX-License-Identifier: MIT
// kesu-verify.html: the page. It reads the files given (dropped, chosen, or a folder), checks them
// with audit.js and shows one row per certificate and per problem, in Japanese or English. When a
// check is done, #summary carries data-certificates and data-problems (the tests read them).
import { auditFiles, checkQr, severity } from './audit.js';
import { utf8 } from './bytes.js';
import { ed25519Backend } from './crypto.js';
import { parsePublicKey } from './minisign.js';
import { t, term } from './messages.js';
import { selfTest } from './selftest.js';

const $ = (id) => document.getElementById(id);
const state = {
  lang: 'ja',
  files: new Map(), // path → {path, bytes (null for files only looked at by name)}
  keys: [], // parsePublicKey's, with .file
  keyProblems: [], // {file}
  audit: null,
  qr: [], // checkQr's, with .payload
  rows: [],
  sort: { column: 'sequence', descending: false },
  isProblemsOnly: false,
  isShowAll: false,
  seconds: null,
  backend: null,
  run: 0,
  t0: null,
};

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const tr = (key, values) => t(state.lang, key, values);

// Only these are read: PDFs (a megabyte each) only need to be there.
const isRead = (name) => /\.(json|minisig|pub)$/.test(name);

/* ---- files in ---------------------------------------------------------------------------------- */

async function addFiles(list) {
  // list: [{path, file}]. Read a few hundred at a time: tens of thousands of reads at once make the
  // browser crawl.
  state.t0 = performance.now();
  const summary = $('summary');
  for (const a of [...summary.attributes]) if (a.name.startsWith('data-')) summary.removeAttribute(a.name);
  const BATCH = 1024;
  for (let i = 0; i < list.length; i += BATCH) {
    summary.textContent = tr('reading', { done: i, total: list.length });
    await Promise.all(list.slice(i, i + BATCH).map(async ({ path, file }) => {
      if (/\.pub$/.test(path)) await addKey(new Uint8Array(await file.arrayBuffer()), path);
      else if (isRead(path)) state.files.set(path, { path, bytes: new Uint8Array(await file.arrayBuffer()) });
      else state.files.set(path, { path, bytes: null });
    }));
  }
  await check();
}

async function addKey(bytes, file) {
  const k = await parsePublicKey(bytes);
  if (!k) {
    state.keyProblems.push({ file });
    return;
  }
  if (!state.keys.some((x) => x.id === k.id && x.pk.every((b, i) => b === k.pk[i])))
    state.keys.push(Object.assign(k, { file }));
}

async function fromInput(input) {
  const list = [...input.files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  input.value = '';
  await addFiles(list);
}

/** A dropped folder's files, with their paths inside it. */
async function walk(entry, out) {
  if (entry.isFile) {
    out.push({ path: entry.fullPath.replace(/^\//, ''), file: await new Promise((ok, no) => entry.file(ok, no)) });
    return;
  }
  const reader = entry.createReader();
  for (;;) {
    const batch = await new Promise((ok, no) => reader.readEntries(ok, no));
    if (!batch.length) break;
    for (const e of batch) await walk(e, out);
  }
}

async function fromDrop(ev) {
  ev.preventDefault();
  $('drop').classList.remove('over');
  const items = [...(ev.dataTransfer.items || [])];
  const entries = items.map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
  const list = [];
  if (entries.length) for (const e of entries) await walk(e, list);
  else for (const file of ev.dataTransfer.files) list.push({ path: file.name, file });
  await addFiles(list);
}

/* ---- checking ---------------------------------------------------------------------------------- */

async function check() {
  const run = ++state.run;
  const summary = $('summary');
  for (const a of [...summary.attributes]) if (a.name.startsWith('data-')) summary.removeAttribute(a.name);
  summary.className = '';
  summary.textContent = tr('checking', { done: 0, total: state.files.size });
  const t0 = state.t0 ?? performance.now(); // from when the files came, reading included
  state.t0 = null;
  state.backend = await ed25519Backend();
  const files = [...state.files.values()];
  const audit = files.length
    ? await auditFiles(files, state.keys, {
      progress: (done, total) => {
        if (run === state.run) summary.textContent = tr('checking', { done, total });
      },
    })
    : null;
  if (run !== state.run) return; // a newer check started meanwhile
  state.audit = audit;
  state.seconds = (performance.now() - t0) / 1000;
  // The QR payloads already checked are matched against these files again.
  state.qr = await Promise.all(state.qr.map(async (q) =>
    Object.assign(await checkQr(q.payload, state.keys, audit), { payload: q.payload })));
  render();
}

async function checkPayload(payload) {
  payload = payload.trim();
  if (!payload) return;
  state.backend = await ed25519Backend();
  const q = Object.assign(await checkQr(payload, state.keys, state.audit), { payload });
  state.qr.push(q);
  render();
}

/** Findings of the page itself: no key, a key file that is none, nothing found. */
function pageFindings() {
  const out = [];
  const add = (kind, subject, key, values = {}) => out.push({ kind, severity: 'problem', subject, key, values });
  if (!state.keys.length && (state.files.size || state.qr.length)) add('no-key', '', 'no-key');
  for (const p of state.keyProblems) add('bad-key', p.file, 'bad-key', { file: p.file });
  if (state.audit && state.audit.counts.certificates === 0) add('none-found', '', 'none-found');
  return out;
}

function counts() {
  const c = state.audit ? { ...state.audit.counts } :
    { certificates: 0, valid: 0, problems: 0, warnings: 0, pass: 0, fail: 0 };
  c.problems += pageFindings().length + state.qr.reduce((n, q) => n + q.problems.length, 0);
  return c;
}

/* ---- the table --------------------------------------------------------------------------------- */

const COLUMNS = ['sequence', 'serial', 'date', 'asset', 'class', 'destination', 'method', 'level', 'result',
  'check', 'people', 'file'];
const RANK = { ok: 0, fail: 1, warning: 2, problem: 3 };
const ROW_LIMIT = 1000;

function buildRows() {
  const rows = [];
  const byPath = new Map();
  if (state.audit) {
    for (const rec of state.audit.records) {
      const i = rec.info || {};
      const row = {
        sequence: i.sequence ?? null, serial: i.serial || '', date: (i.ended_jst || '').replace('T', ' '),
        asset: i.asset || '', class: i.class_label || '', destination: i.destination || '', method: i.method || '',
        achieved: i.achieved_level || '', required: i.required_level || '', result: i.result || '',
        people: [i.operator, i.witness].filter((x) => x).join(' / '), file: rec.path, findings: [],
      };
      rows.push(row);
      byPath.set(rec.path, row);
    }
  }
  const loose = [...(state.audit ? state.audit.findings : []), ...pageFindings()];
  for (const f of loose) {
    let row = byPath.get(f.subject);
    if (!row) {
      row = { sequence: f.sequence ?? null, serial: f.keyId ? 'KESU-' + f.keyId : '', date: '', asset: '',
        class: '', destination: '', method: '', achieved: '', required: '', result: '', people: '',
        file: f.keyId ? '' : f.subject, findings: [] };
      rows.push(row);
      if (!f.keyId && f.subject) byPath.set(f.subject, row);
    }
    row.findings.push(f);
  }
  for (const row of rows)
    row.severity = row.findings.reduce((s, f) => (RANK[f.severity] > RANK[s] ? f.severity : s), 'ok');
  return rows;
}

function cell(row, column) {
  switch (column) {
    case 'sequence': return row.sequence === null ? '' : row.sequence.toString();
    case 'level': return row.achieved && row.required ? tr('level-required', { achieved: term(state.lang, row.achieved),
      required: term(state.lang, row.required) }) : term(state.lang, row.achieved);
    case 'result': case 'destination': return term(state.lang, row[column]);
    case 'check': return row.findings.map((f) => `${tr('sev_' + f.severity)}: ${findingText(f)}`).join('\n');
    default: return row[column] ?? '';
  }
}

/** A finding in the table, where the row already shows the serial and sequence. */
const findingText = (f) => (f.key === 'ok' ? tr('ok-short') : tr(f.key, f.values));

function compareRows(a, b, column) {
  if (column === 'sequence') {
    const x = a.sequence, y = b.sequence;
    if (x === y) return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  if (column === 'check') return RANK[a.severity] - RANK[b.severity];
  const x = cell(a, column), y = cell(b, column);
  return x < y ? -1 : x > y ? 1 : 0;
}

function renderTable() {
  const head = $('table').tHead.rows[0];
  head.innerHTML = COLUMNS.map((c) => `<th data-column="${c}"${state.sort.column === c
    ? ` aria-sort="${state.sort.descending ? 'descending' : 'ascending'}"` : ''}>${esc(tr('col-' + (c === 'date' ? 'date' : c)))}</th>`).join('');
  let rows = state.rows.slice().sort((a, b) => compareRows(a, b, state.sort.column) * (state.sort.descending ? -1 : 1));
  if (state.isProblemsOnly) rows = rows.filter((row) => row.severity !== 'ok');
  // Tens of thousands of rows take the browser long to lay out: every problem row is shown, and
  // the others up to ROW_LIMIT, until the auditor asks for all (the CSV always has every row).
  const n = rows.length;
  if (n > ROW_LIMIT && !state.isShowAll) {
    let others = 0;
    rows = rows.filter((row) => row.severity === 'problem' || others++ < ROW_LIMIT);
  }
  $('more').hidden = rows.length === n;
  $('more').textContent = tr('show-more', { shown: rows.length, total: n });
  const html = [];
  for (const row of rows) {
    const kinds = [...new Set(row.findings.map((f) => f.kind))].join(' ');
    html.push(`<tr class="${row.severity}" data-kind="${esc(kinds)}" data-severity="${row.severity}">`);
    for (const c of COLUMNS) {
      if (c === 'check')
        html.push(`<td class="check">${row.findings.map((f) => `<div class="${f.severity}" data-kind="${f.kind}"><span class="sev">${esc(tr('sev_' + f.severity))}</span>${esc(findingText(f))}</div>`).join('')}</td>`);
      else html.push(`<td class="${c}${c === 'result' ? ' result-' + esc(row.result) : ''}">${esc(cell(row, c))}</td>`);
    }
    html.push('</tr>');
  }
  $('table').tBodies[0].innerHTML = html.join('');
}

/* ---- rendering --------------------------------------------------------------------------------- */

function renderStatic() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll('[data-t]').forEach((e) => (e.textContent = tr(e.dataset.t)));
  $('lang').textContent = state.lang === 'ja' ? 'English' : '日本語';
  $('lang').lang = state.lang === 'ja' ? 'en' : 'ja';
  $('filter').textContent = tr(state.isProblemsOnly ? 'show-all' : 'show-problems');
}

function render() {
  const t0 = performance.now();
  renderStatic();
  $('key-list').innerHTML = state.keys.length
    ? state.keys.map((k) => `<li data-key-id="${esc(k.id)}">${esc(tr('key-line', { id: k.id, fingerprint: k.fingerprint, file: k.file }))}</li>`).join('')
    : `<li>${esc(tr('keys-none'))}</li>`;
  $('qr-results').innerHTML = state.qr.map((q) => {
    const lines = [];
    if (q.status === 'ok') lines.push(tr('qr-ok', q.fields));
    for (const p of q.problems)
      lines.push(`${tr('sev_problem')}: ${tr(p, { serial: q.fields && q.fields.serial, hash: q.fields && q.fields.record_hash, path: q.record && q.record.path })}`);
    if (q.match === 'match') lines.push(tr('qr-match', { path: q.record.path }));
    return `<li class="${q.problems.length ? 'problem' : 'ok'}" data-status="${q.problems.length ? 'problem' : 'ok'}" data-problems="${q.problems.join(' ')}" title="${esc(q.payload)}">${lines.map(esc).join('<br>')}</li>`;
  }).join('');
  const t1 = performance.now();
  state.rows = buildRows();
  const t2 = performance.now();
  renderTable();
  state.timing = { rows: (t2 - t1) / 1000, table: (performance.now() - t2) / 1000 };
  const summary = $('summary');
  const isChecked = state.audit || state.qr.length;
  $('csv').disabled = !state.audit;
  if (!isChecked) {
    summary.textContent = '';
    return;
  }
  const c = counts();
  const parts = [`<p>${esc(tr('summary', c))}</p>`,
    `<p>${esc(tr(c.problems ? 'summary-bad' : 'summary-ok'))}</p>`];
  for (const r of state.audit ? state.audit.ranges : [])
    parts.push(`<p class="range" data-key-id="${esc(r.keyId)}" data-first="${r.first}" data-last="${r.last}">${esc(tr('range', r))}</p>`);
  if (state.seconds !== null) parts.push(`<p class="elapsed">${esc(tr('elapsed', { seconds: state.seconds.toFixed(2), backend: state.backend }))}</p>`);
  summary.innerHTML = parts.join('');
  summary.className = c.problems ? 'bad' : 'good';
  for (const k of ['certificates', 'valid', 'problems', 'warnings', 'pass', 'fail'])
    summary.setAttribute('data-' + k, String(c[k]));
  summary.setAttribute('data-seconds', state.seconds === null ? '' : state.seconds.toFixed(3));
  summary.setAttribute('data-backend', state.backend || '');
  summary.setAttribute('data-render-seconds', ((performance.now() - t0) / 1000).toFixed(3));
}

/* ---- CSV --------------------------------------------------------------------------------------- */

/** One field; text a spreadsheet would run as a formula is kept as text. */
function csvField(s) {
  s = String(s ?? '');
  if (/^[=+@\t\r]/.test(s) || /^-[^0-9]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function exportCsv() {
  const rows = state.rows.slice().sort((a, b) => compareRows(a, b, state.sort.column) * (state.sort.descending ? -1 : 1));
  const lines = [COLUMNS.map((c) => csvField(tr('col-' + c))).join(',')];
  for (const row of rows) lines.push(COLUMNS.map((c) => csvField(cell(row, c).replace(/\n/g, ' | '))).join(','));
  // A byte-order mark: Excel reads UTF-8 (Japanese) only with it.
  const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'kesu-verify.csv';
  document.body.appendChild(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
}

/* ---- wiring ------------------------------------------------------------------------------------ */

function init() {
  $('files').addEventListener('change', (e) => fromInput(e.target));
  $('folder').addEventListener('change', (e) => fromInput(e.target));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', fromDrop);
  // A file dropped beside the drop zone must not make the browser open it instead.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => (e.target === drop || drop.contains(e.target) ? null : fromDrop(e)));
  $('clear').addEventListener('click', () => {
    Object.assign(state, { files: new Map(), keys: [], keyProblems: [], audit: null, qr: [], seconds: null,
      isShowAll: false });
    state.run++;
    render();
  });
  $('key-add').addEventListener('click', async () => {
    const text = $('key-text').value.trim();
    if (!text) return;
    await addKey(utf8(text), 'pasted');
    $('key-text').value = '';
    await check();
  });
  $('qr-text').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const v = $('qr-text').value;
    $('qr-text').value = '';
    checkPayload(v);
  });
  $('qr-check').addEventListener('click', () => {
    const v = $('qr-text').value;
    $('qr-text').value = '';
    checkPayload(v);
  });
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'ja' ? 'en' : 'ja';
    render();
  });
  $('table').tHead.addEventListener('click', (e) => {
    const c = e.target.closest('th') && e.target.closest('th').dataset.column;
    if (!c) return;
    state.sort = { column: c, descending: state.sort.column === c ? !state.sort.descending : false };
    renderTable();
  });
  $('filter').addEventListener('click', () => {
    state.isProblemsOnly = !state.isProblemsOnly;
    renderStatic();
    renderTable();
  });
  $('more').addEventListener('click', () => {
    state.isShowAll = true;
    renderTable();
  });
  $('csv').addEventListener('click', exportCsv);
  $('print').addEventListener('click', () => window.print());
  render();
}

// For the tests (and a curious auditor): the shared vectors run in the page, and the state.
window.kesuVerify = { selfTest, backend: ed25519Backend, state };
init();
