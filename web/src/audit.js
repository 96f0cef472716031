// SPDX-License-Identifier: MIT
// The auditor's check of a set of certificate files, as certificates/audit.c does it: each
// record's form, canonical bytes, signature and trusted comment; the files around it (half-filed,
// stray, temporary, set aside, a missing PDF); and across the set the chain of each key (missing,
// duplicated, forked, re-linked certificates) and the serials. Partial sets: a gap inside the set
// is a problem; certificates before its first or after its last are outside it, and the range
// checked is said. Findings carry a message key and its values; messages.js words them.
import { keyIdHex, strictText, toHex, utf8, equal } from './bytes.js';
import { sha256 } from './crypto.js';
import { canonical, compareCodePoints, get, int, JsonError, parse, str } from './json.js';
import { signatureKeyId, verifySignature } from './minisign.js';
import { verifyQr } from './qr.js';

export const FORMAT = 'kesu-disposal-certificate';

const SEVERITY = {
  ok: 'ok', copy: 'ok', range: 'ok',
  'failed-disposal': 'fail',
  'missing-pdf': 'warning', 'set-aside': 'warning',
};
/** ok, fail, warning or problem (cert_finding_severity). */
export const severity = (kind) => SEVERITY[kind] || 'problem';

const hasSuffix = (s, suffix) => s.length > suffix.length && s.endsWith(suffix);
const cmp = compareCodePoints;
const dirOf = (path) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const baseOf = (path) => path.slice(path.lastIndexOf('/') + 1);

/** " key=value" in the trusted comment, the value ending at a space or the end (comment_has). */
function commentHas(comment, key, value) {
  const needle = ` ${key}=${value}`;
  const p = comment.indexOf(needle);
  if (p < 0) return false;
  const end = comment[p + needle.length];
  return end === undefined || end === ' ';
}

/** The key id part of a serial "KESU-<key id>-<sequence>", or "". */
function serialKeyId(serial) {
  if (!serial || !serial.startsWith('KESU-')) return '';
  const dash = serial.indexOf('-', 5);
  return dash - 5 === 16 ? serial.slice(5, 21) : '';
}

/** What the table shows of a record (any of it may be missing in a damaged one). */
function describe(o) {
  const people = [str(o, 'people', 'operator_name') || str(o, 'people', 'operator'),
    str(o, 'people', 'witness_name') || str(o, 'people', 'witness')];
  const reasons = get(o, 'failure_reasons');
  return {
    serial: str(o, 'serial'),
    sequence: get(o, 'sequence') && get(o, 'sequence').t === 'integer' ? get(o, 'sequence').v : null,
    result: str(o, 'result'),
    ended_jst: str(o, 'times', 'ended_jst'),
    ended_utc: str(o, 'times', 'ended_utc'),
    asset: str(o, 'asset_number'),
    class_label: str(o, 'confidentiality', 'before'),
    destination: str(o, 'destination'),
    method: str(o, 'sanitization', 'method'),
    achieved_level: str(o, 'sanitization', 'achieved_level'),
    required_level: str(o, 'sanitization', 'required_level'),
    operator: people[0],
    witness: people[1],
    disk_serial: str(o, 'media', 'serial'),
    reasons: reasons && reasons.t === 'array'
      ? reasons.items.filter((x) => x.t === 'string').map((x) => x.v).join('; ') : '',
  };
}

class Audit {
  constructor(keys, backend) {
    this.keys = keys;
    this.backend = backend;
    this.findings = [];
    this.records = [];
    this.valid = [];
    this.n = { certificates: 0, valid: 0, problems: 0, warnings: 0, pass: 0, fail: 0 };
  }

  add(kind, subject, key, values = {}) {
    const f = { kind, severity: severity(kind), subject, key, values };
    this.findings.push(f);
    if (f.severity === 'problem') this.n.problems++;
    else if (f.severity === 'warning') this.n.warnings++;
    return f;
  }

  /** One record and its signature, on its own (run in parallel; merged in file order). */
  async checkFile(path, dir, bytes, sig, hasPdf) {
    const rec = { path, serial: null, asset: '', reasons: '', hash: '', sequence: 0n, isValid: false,
      isPass: false, info: {} };
    const out = { rec, findings: [], valid: null };
    const add = (kind, subject, key, values = {}) => void out.findings.push([kind, subject, key, values]);
    await this.checkRecord(path, dir, bytes, sig, hasPdf, rec, out, add);
    return out;
  }

  async checkRecord(path, dir, bytes, sig, hasPdf, rec, out, add) {
    rec.hash = 'sha256:' + toHex(await sha256(bytes));
    const text = strictText(bytes);
    let o;
    try {
      if (text === null) throw new JsonError('not UTF-8 text');
      o = parse(text);
      if (o.t !== 'object') throw new JsonError('not an object');
    } catch (e) {
      if (!(e instanceof JsonError)) throw e;
      add('malformed', path, 'not-json', { error: e.message });
      return;
    }
    rec.info = describe(o);
    rec.serial = rec.info.serial;
    rec.asset = rec.info.asset || '';
    rec.reasons = rec.info.reasons;
    const seq = int(o, 'sequence');
    rec.sequence = seq > 0n ? seq : 0n;
    if (str(o, 'format') !== FORMAT) return void add('malformed', path, 'no-format');
    // The signed bytes must be the canonical form: nothing can hide in white space or key order.
    if (!equal(utf8(canonical(o)), bytes)) return void add('malformed', path, 'not-canonical');
    if (!sig) return void add('orphan', path, 'no-signature', { file: path + '.minisig' });
    const v = await verifySignature(this.keys, bytes, sig, this.backend);
    const keyId = str(o, 'appliance_key_id');
    const serial = str(o, 'serial');
    const claimedBySerial = serialKeyId(serial);
    if (v.status === 'unknown-key') {
      // Name the key that really signed (from the signature), not the one the record claims.
      const signer = signatureKeyId(sig);
      const claimed = keyId !== null ? keyId : claimedBySerial;
      if (signer && claimed && claimed !== signer)
        return void add('unknown-key', path, 'unknown-key-claims', { signer, claimed });
      return void add('unknown-key', path, 'unknown-key', { signer: signer || keyId || '?' });
    }
    if (v.status === 'malformed') return void add('malformed', path, 'signature-damaged');
    if (v.status !== 'ok') return void add('bad-signature', path, 'altered');
    const signer = this.keys[v.keyIndex].id;
    const claimed = keyId !== null && keyId !== signer ? keyId
      : claimedBySerial && claimedBySerial !== signer ? claimedBySerial : null;
    if (claimed)
      return void add('wrong-key', path, claimed === keyId ? 'resigned' : 'resigned-serial',
        { signer, claimed });
    const result = str(o, 'result');
    const prev = str(o, 'previous_hash');
    if (keyId === null || serial === null || result === null || prev === null || seq <= 0n ||
      !commentHas(v.comment, 'serial', serial) || !commentHas(v.comment, 'sequence', seq.toString()) ||
      !commentHas(v.comment, 'result', result) || !commentHas(v.comment, 'hash', rec.hash))
      return void add('comment-mismatch', path, 'comment-mismatch');
    out.valid = { file: path, dir, keyId, serial, sequence: seq, hash: rec.hash, previousHash: prev,
      isCopy: false };
    rec.isValid = true;
    rec.isPass = result === 'PASS';
    if (rec.isPass) {
      add('ok', path, 'ok', { serial, sequence: seq });
    } else {
      add('failed-disposal', path, 'failed', { serial, sequence: seq, asset: rec.asset || '-',
        reasons: rec.reasons });
    }
    if (!hasPdf) add('missing-pdf', path, 'missing-pdf', { serial });
    const base = baseOf(path);
    if (base.startsWith('KESU-') && base !== serial + '.json')
      add('stray', path, 'stray-holds', { serial });
  }

  /** Across the valid certificates of each key: gaps, duplicates, forks, broken links. */
  checkChain() {
    const v = this.valid;
    v.sort((a, b) => cmp(a.keyId, b.keyId) || (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0) ||
      cmp(a.file, b.file));
    this.ranges = [];
    let group = 0, prevGroup = -1;
    for (let i = 0; i < v.length; i++) {
      const isFirstOfKey = i === 0 || v[i].keyId !== v[i - 1].keyId;
      if (isFirstOfKey) {
        // A set may start anywhere: what came before it is outside the set, not missing.
        this.ranges.push({ keyId: v[i].keyId, first: v[i].sequence, last: v[i].sequence, missing: 0n });
        group = i;
        prevGroup = -1;
        continue;
      }
      this.ranges[this.ranges.length - 1].last = v[i].sequence;
      if (v[i].sequence === v[group].sequence) {
        let same = null;
        for (let k = group; k < i && !same; k++) if (v[k].hash === v[i].hash) same = v[k];
        if (same) {
          v[i].isCopy = true;
          if (same.dir !== v[i].dir)
            this.add('copy', v[i].file, 'copy', { sequence: v[i].sequence, file: same.file });
          else if (same.file !== v[i].file)
            this.add('duplicate', v[i].file, 'duplicate-same', { sequence: v[i].sequence, file: same.file });
          continue;
        }
        const isSameSerial = v[i].serial === v[group].serial;
        this.add('duplicate', v[i].file, isSameSerial ? 'duplicate-serial' : 'duplicate-different',
          { sequence: v[i].sequence, file: v[group].file, serial: v[i].serial });
        if (prevGroup < 0) continue;
      } else {
        prevGroup = group;
        group = i;
        const p = v[prevGroup];
        if (v[i].sequence > p.sequence + 1n) {
          const from = p.sequence + 1n, to = v[i].sequence - 1n;
          this.ranges[this.ranges.length - 1].missing += to - from + 1n;
          const f = this.add('gap', 'key ' + v[i].keyId, from === to ? 'gap-one' : 'gap-many', { from, to });
          f.keyId = v[i].keyId;
          f.sequence = from;
          prevGroup = -1;
          continue;
        }
      }
      if (prevGroup < 0) continue;
      // It must follow one of the certificates of the sequence before.
      let isLinked = false;
      for (let k = prevGroup; k < group && !isLinked; k++) isLinked = v[i].previousHash === v[k].hash;
      if (!isLinked)
        this.add('broken-chain', v[i].file, 'relinked', { sequence: v[prevGroup].sequence, file: v[prevGroup].file });
    }
    // Forks: two certificates of one key naming the same predecessor.
    const byPredecessor = new Map();
    v.forEach((c, i) => {
      if (c.isCopy || !c.previousHash) return;
      const id = c.keyId + '\n' + c.previousHash;
      if (!byPredecessor.has(id)) byPredecessor.set(id, []);
      byPredecessor.get(id).push(i);
    });
    const pairs = [];
    for (const ix of byPredecessor.values())
      for (let a = 0; a < ix.length; a++)
        for (let b = a + 1; b < ix.length; b++)
          if (v[ix[a]].sequence !== v[ix[b]].sequence) pairs.push([ix[a], ix[b]]);
    pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    for (const [i, k] of pairs)
      this.add('fork', v[k].file, 'fork', { file: v[i].file, hash: v[i].previousHash });
  }

  /** One serial, two different records under different key ids or sequences. */
  checkSerials() {
    const p = this.valid.filter((c) => !c.isCopy);
    p.sort((a, b) => cmp(a.serial, b.serial) || cmp(a.hash, b.hash));
    for (let i = 1; i < p.length; i++) {
      const x = p[i - 1], y = p[i];
      if (x.serial !== y.serial || x.hash === y.hash || (x.keyId === y.keyId && x.sequence === y.sequence))
        continue;
      this.add('duplicate', y.file, 'serial-twice', { serial: y.serial, file: x.file, key: x.keyId,
        sequence: x.sequence });
    }
  }
}

/** Whether a path lies in a folder the issuer set things aside in. */
const isSetAside = (path) => path.split('/').slice(0, -1).some((c) => c === 'set-aside' || c === 'quarantine');

/**
 * Checks files: [{path ('/'-separated, relative), bytes}] with keys (parsePublicKey's). Returns
 * {findings, records, counts, ranges}. progress(done, total) is called now and then.
 */
export async function auditFiles(files, keys, { backend, progress } = {}) {
  const a = new Audit(keys, backend);
  const byPath = new Map();
  for (const f of files) byPath.set(f.path, f);
  const dirs = new Map();
  const setAside = [];
  for (const f of byPath.values()) {
    if (isSetAside(f.path)) {
      setAside.push(f.path);
      continue;
    }
    const d = dirOf(f.path);
    if (!dirs.has(d)) dirs.set(d, []);
    dirs.get(d).push(baseOf(f.path));
  }
  // Each record with what is beside it, in the order `kesu cert verify` goes: folders, then names.
  const jobs = [];
  const note = (kind, path, key, values = {}) => async () => ({ findings: [[kind, path, key, values]] });
  for (const d of [...dirs.keys()].sort(cmp)) {
    const names = dirs.get(d).sort(cmp);
    const here = new Set(names);
    const full = (name) => (d ? d + '/' + name : name);
    for (const name of names) {
      const path = full(name);
      if (hasSuffix(name, '.tmp')) jobs.push(note('leftover-temp', path, 'leftover-temp'));
      else if (hasSuffix(name, '.json')) {
        const sig = byPath.get(path + '.minisig');
        const hasPdf = here.has(name.slice(0, -5) + '.pdf');
        jobs.push(async () => a.checkFile(path, d, byPath.get(path).bytes, sig && sig.bytes, hasPdf));
      } else if (hasSuffix(name, '.json.minisig')) {
        const partner = name.slice(0, -'.minisig'.length);
        if (!here.has(partner)) jobs.push(note('orphan', path, 'signature-alone', { partner }));
      } else if (!name.startsWith('KESU-')) continue; // not ours: the export stick may hold anything
      else if (hasSuffix(name, '.pdf')) {
        const partner = name.slice(0, -4) + '.json';
        if (!here.has(partner)) jobs.push(note('orphan', path, 'pdf-alone', { partner }));
      } else jobs.push(note('stray', path, 'stray'));
    }
  }
  // The records are checked in parallel (WebCrypto is asynchronous); findings keep the file order.
  const BATCH = 512;
  for (let i = 0; i < jobs.length; i += BATCH) {
    const outs = await Promise.all(jobs.slice(i, i + BATCH).map((job) => job()));
    for (const out of outs) {
      for (const [kind, subject, key, values] of out.findings) a.add(kind, subject, key, values);
      if (!out.rec) continue;
      a.n.certificates++;
      a.records.push(out.rec);
      if (out.valid) {
        a.valid.push(out.valid);
        a.n.valid++;
        if (out.rec.isPass) a.n.pass++;
        else a.n.fail++;
      }
    }
    if (progress) progress(Math.min(jobs.length, i + BATCH), jobs.length);
  }
  // Everything below a folder the issuer set aside: listed, not checked, not lost from view.
  for (const path of setAside.sort(cmp))
    a.add('set-aside', path, 'set-aside');
  a.checkChain();
  a.checkSerials();
  return { findings: a.findings, records: a.records, counts: a.n, ranges: a.ranges || [] };
}

/** The key id a serial names ("KESU-<key id>-…"), as `kesu cert verify --qr` reads it, or "". */
function qrSerialKeyId(serial) {
  return serial.startsWith('KESU-') && serial.length > 21 && serial[21] === '-' ? serial.slice(5, 21) : '';
}

/**
 * Checks a QR payload with the keys and, when files were checked (audit: auditFiles' result), that
 * they hold exactly the record the paper names (cert_audit_match_qr). Returns {status, fields,
 * problems: [message keys], match: 'match' | 'different' | 'not-found' | null, record}.
 */
export async function checkQr(payload, keys, audit, backend) {
  const r = await verifyQr(payload, keys, backend);
  const out = { status: r.status, fields: r.fields || null, problems: [], match: null, record: null };
  if (r.status !== 'ok') {
    out.problems.push('qr-' + r.status);
    return out;
  }
  const f = r.fields;
  const serialKey = qrSerialKeyId(f.serial);
  if (serialKey && serialKey !== f.key_id) out.problems.push('qr-resigned');
  if (!audit) return out;
  let different = null;
  for (const rec of audit.records) {
    if (rec.hash === f.record_hash) {
      out.match = 'match';
      out.record = rec;
      return out;
    }
    const isNamed = baseOf(rec.path) === f.serial + '.json';
    if (!different && ((rec.serial !== null && rec.serial === f.serial) || isNamed)) different = rec;
  }
  out.match = different ? 'different' : 'not-found';
  out.record = different;
  out.problems.push(different ? 'qr-different' : 'qr-not-found');
  return out;
}
