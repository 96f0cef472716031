// SPDX-License-Identifier: MIT
// Writes certificates.json, the vectors that the C library (tests/unit/test-vectors.c) and the
// auditor's page (tests/browser, window.kesuVerify.selfTest) are both held to. Run it again only
// to add cases; the file is checked in, and both sides must pass it as it stands.
//   NODE_PATH=build/web/node_modules node tests/vectors/make-vectors.mjs > tests/vectors/certificates.json
// It signs with @noble/ed25519 and hashes with @noble/hashes (independently of kesu's code) using
// the fixed keys of tests/unit/test-certificates.c: RFC 8032 §7.1 TEST 1's seed with key id
// 01 02 … 08 (printed 0807060504030201) and TEST 2's seed with key id 09 × 8.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

const require = createRequire(process.env.NODE_PATH ? resolve(process.env.NODE_PATH) + '/' : import.meta.url);
const ed = await import(require.resolve('@noble/ed25519'));
const { sha512 } = await import(require.resolve('@noble/hashes/sha2.js'));
const { blake2b } = await import(require.resolve('@noble/hashes/blake2.js'));
ed.hashes.sha512 = sha512;

const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const utf8 = (s) => new TextEncoder().encode(s);
const b64 = (b) => Buffer.from(b).toString('base64');
const b64url = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const cat = (...p) => Uint8Array.from(p.flatMap((x) => [...x]));

function key(seedHex, idBytes) {
  const seed = unhex(seedHex);
  const pk = ed.getPublicKey(seed);
  const id = Uint8Array.from(idBytes);
  const idHex = hex([...id].reverse()).toUpperCase();
  return {
    seed, pk, id, idHex,
    pub: `untrusted comment: minisign public key ${idHex}\n${b64(cat(utf8('Ed'), id, pk))}\n`,
    sign: (m) => ed.sign(m, seed),
  };
}
const K1 = key('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', [1, 2, 3, 4, 5, 6, 7, 8]);
const K2 = key('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', [9, 9, 9, 9, 9, 9, 9, 9]);

/** A .minisig as certificates/sign.c writes it ("ED": Ed25519 over BLAKE2b-512 of the message). */
function minisig(k, msg, tc, { legacy = false, untrusted = 'signature from kesu appliance key ' + k.idHex } = {}) {
  const sig = k.sign(legacy ? msg : blake2b(msg, { dkLen: 64 }));
  const global = k.sign(cat(sig, utf8(tc)));
  return `untrusted comment: ${untrusted}\n${b64(cat(utf8(legacy ? 'Ed' : 'ED'), k.id, sig))}\ntrusted comment: ${tc}\n${b64(global)}\n`;
}

/* ---- canonical bytes: facts of jansson's json_dumps(JSON_SORT_KEYS | JSON_COMPACT) ---------- */
const canonical = [
  { name: 'test-certificates golden', input: '{"b":1,"a":"é/\\"x\\"","c":{"z":"x","y":2},"d":[-3,"住民"]}',
    canonical: '{"a":"é/\\"x\\"","b":1,"c":{"y":2,"z":"x"},"d":[-3,"住民"]}\n' },
  { name: 'escapes: upper-case \\u, DEL and U+2028 raw, / raw',
    input: '{"a":"\\u0001\\u001f\\u007f\\u2028\\/\\b\\f\\n\\r\\t"}',
    canonical: '{"a":"\\u0001\\u001F\u007f\u2028/\\b\\f\\n\\r\\t"}\n' },
  { name: 'white space and order', input: ' { "b" : 1 ,\n "a" : [ 1 , 2 ] } ', canonical: '{"a":[1,2],"b":1}\n' },
  { name: 'keys sorted by UTF-8 bytes', input: '{"\\u00e9":1,"z":2,"\\ud83d\\ude00":3,"\\uffff":4}',
    canonical: '{"z":2,"é":1,"\uffff":4,"😀":3}\n' },
  { name: 'a repeated key: the last wins', input: '{"b":1,"a":2,"b":3}', canonical: '{"a":2,"b":3}\n' },
  { name: 'minus zero is 0', input: '{"a":-0}', canonical: '{"a":0}\n' },
  { name: 'the largest integer', input: '{"a":9223372036854775807,"b":-9223372036854775808}',
    canonical: '{"a":9223372036854775807,"b":-9223372036854775808}\n' },
  { name: 'reals as %.17g', input: '{"a":1.5e300,"b":0.1,"c":1e22,"d":100.0,"e":1e-7,"f":1E5,"g":5e-324}',
    canonical: '{"a":1.5000000000000001e300,"b":0.10000000000000001,"c":1e22,"d":100.0,"e":9.9999999999999995e-8,"f":100000.0,"g":4.9406564584124654e-324}\n' },
  { name: 'literals', input: '{"a":true,"b":null,"c":false}', canonical: '{"a":true,"b":null,"c":false}\n' },
  { name: 'an array at the top', input: '[1,{"b":2,"a":1}]', canonical: '[1,{"a":1,"b":2}]\n' },
  { name: 'too big integer', input: '{"a":9223372036854775808}', canonical: null },
  { name: 'garbage after the value', input: '{"a":1} x', canonical: null },
  { name: 'NUL escape', input: '{"a":"\\u0000"}', canonical: null },
  { name: 'a leading zero', input: '{"a":01}', canonical: null },
  { name: 'a lone surrogate', input: '{"a":"\\ud800"}', canonical: null },
  { name: 'a raw control character', input: '{"a":"x\ty"}', canonical: null },
  { name: 'a bare value', input: '"text"', canonical: null },
  { name: 'truncated', input: '{"a":[1,2', canonical: null },
];
for (const c of canonical) if (c.canonical !== null) c.sha256 = sha256(utf8(c.canonical));

/* ---- Ed25519 (no prehash): RFC 8032 and what libsodium refuses ------------------------------ */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (n) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const fromLe = (b) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
const rfcSig = unhex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
const flipped = rfcSig.slice(); flipped[0] ^= 1;
const plusL = cat(rfcSig.slice(0, 32), le(fromLe(rfcSig.slice(32)) + L));
const identity = le(1n);
const ed25519 = [
  { name: 'RFC 8032 TEST 1', public_key: hex(K1.pk), message: '', signature: hex(rfcSig), valid: true },
  { name: 'RFC 8032 TEST 1, a bit of R flipped', public_key: hex(K1.pk), message: '', signature: hex(flipped), valid: false },
  { name: 'S + L (not canonical)', public_key: hex(K1.pk), message: '', signature: hex(plusL), valid: false },
  { name: 'RFC 8032 TEST 2', public_key: hex(K2.pk), message: '72', signature: hex(K2.sign(unhex('72'))), valid: true },
  { name: 'the message changed', public_key: hex(K2.pk), message: '73', signature: hex(K2.sign(unhex('72'))), valid: false },
  { name: 'small-order key and R (the identity)', public_key: hex(identity), message: '00',
    signature: hex(cat(identity, new Uint8Array(32))), valid: false },
  { name: 'a key that is not canonical (y = p)', public_key: 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    message: '', signature: hex(rfcSig), valid: false },
];

/* ---- hashes ---------------------------------------------------------------------------------- */
const sha = [
  { name: 'FIPS 180-2 abc', input: 'abc', sha256: 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  { name: 'empty', input: '', sha256: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
];
const blake = [
  { name: 'RFC 7693 abc', input: 'abc', hex: 'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923' },
  { name: 'empty', input: '', hex: hex(blake2b(new Uint8Array(0), { dkLen: 64 })) },
];

/* ---- public keys ------------------------------------------------------------------------------ */
const public_keys = [
  { name: 'the file', text: K1.pub, key_id: '0807060504030201' },
  { name: 'the base64 line alone', text: K2.pub.split('\n')[1], key_id: '0909090909090909' },
  { name: 'CRLF line endings', text: K1.pub.replace(/\n/g, '\r\n'), key_id: '0807060504030201' },
  { name: 'not Ed', text: K1.pub.replace(/\n(..)/, (m) => '\nA' + m.slice(2)), key_id: null },
  { name: 'padding missing', text: K1.pub.split('\n')[1].slice(0, -1), key_id: null },
  { name: 'one byte short', text: 'untrusted comment: x\n' + b64(cat(utf8('Ed'), K1.id, K1.pk.slice(0, 31))) + '\n', key_id: null },
  { name: 'garbage', text: 'garbage', key_id: null },
];

/* ---- minisign signatures ------------------------------------------------------------------- */
const msg = '{"a":1}\n';
const sig1 = minisig(K1, utf8(msg), 'kesu certificate serial=X', { untrusted: 'u' });
const forgedComment = sig1.replace('serial=X', 'serial=S');
/** The same signature with another key id in front of it. */
function renamed(sig, id) {
  const lines = sig.split('\n');
  const line = Uint8Array.from(Buffer.from(lines[1], 'base64'));
  line.set(id, 2);
  lines[1] = b64(line);
  return lines.join('\n');
}
const minisigs = [
  { name: 'test-certificates: good', keys: ['k1'], message: msg, minisig: sig1, status: 'ok', trusted_comment: 'kesu certificate serial=X' },
  { name: 'the message changed', keys: ['k1'], message: '{"a":2}\n', minisig: sig1, status: 'bad-signature' },
  { name: 'the trusted comment changed', keys: ['k1'], message: msg, minisig: forgedComment, status: 'bad-signature' },
  { name: 'another key id', keys: ['k2'], message: msg, minisig: sig1, status: 'unknown-key' },
  { name: 'the second of two keys', keys: ['k2', 'k1'], message: msg, minisig: sig1, status: 'ok', trusted_comment: 'kesu certificate serial=X' },
  { name: 'garbage', keys: ['k1'], message: msg, minisig: 'garbage', status: 'malformed' },
  { name: 'three lines', keys: ['k1'], message: msg, minisig: sig1.split('\n').slice(0, 3).join('\n'), status: 'malformed' },
  { name: 'no trailing newline', keys: ['k1'], message: msg, minisig: sig1.slice(0, -1), status: 'ok', trusted_comment: 'kesu certificate serial=X' },
  { name: 'CRLF', keys: ['k1'], message: msg, minisig: sig1.replace(/\n/g, '\r\n'), status: 'ok', trusted_comment: 'kesu certificate serial=X' },
  { name: 'legacy Ed (no prehash)', keys: ['k1'], message: msg, minisig: minisig(K1, utf8(msg), 'c', { legacy: true }), status: 'ok', trusted_comment: 'c' },
  { name: 'signed by key 2, named as key 1', keys: ['k1'], message: msg, minisig: renamed(minisig(K2, utf8(msg), 'c'), K1.id),
    status: 'bad-signature' },
  { name: 'a Japanese trusted comment', keys: ['k1'], message: '資産\n', minisig: minisig(K1, utf8('資産\n'), 'kesu 資産=1'), status: 'ok', trusted_comment: 'kesu 資産=1' },
];

/* ---- QR payloads ---------------------------------------------------------------------------- */
const esc = (s) => s.replace(/%/g, '%25').replace(/\|/g, '%7C');
function qr(k, fields, hash, { keyText = k.idHex } = {}) {
  const body = 'KESU1|' + fields.map(esc).join('|') + '|' + b64url(hash) + '|' + keyText;
  return body + '|' + b64url(k.sign(utf8(body)));
}
const recordHash = createHash('sha256').update('record').digest();
const qrFields = ['KESU-0807060504030201-000007', '7', 'PASS', 'A|100%', 'S3Z9 X', '2026-11-23T10:00:00Z'];
const good = qr(K1, qrFields, recordHash);
const changeAt = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
const fields = { serial: 'KESU-0807060504030201-000007', sequence: '7', result: 'PASS', asset: 'A|100%',
  disk_serial: 'S3Z9 X', ended_utc: '2026-11-23T10:00:00Z', record_hash: sha256(utf8('record')), key_id: '0807060504030201' };
const qrs = [
  { name: 'test-certificates: good', keys: ['k1'], payload: good, status: 'ok', fields },
  { name: 'with a line ending', keys: ['k1'], payload: good + '\r\n', status: 'ok', fields },
  { name: 'the asset changed', keys: ['k1'], payload: good.replace('A%7C100', 'A%7C900'), status: 'bad-signature' },
  { name: 'the result changed', keys: ['k1'], payload: good.replace('|PASS|', '|FAIL|'), status: 'bad-signature' },
  { name: 'a character of the signature changed', keys: ['k1'], payload: changeAt(good, good.length - 5), status: 'bad-signature' },
  { name: 'unknown key', keys: ['k2'], payload: good, status: 'unknown-key' },
  { name: 'nine fields', keys: ['k1'], payload: good.slice(0, good.lastIndexOf('|')), status: 'malformed' },
  { name: 'eleven fields', keys: ['k1'], payload: good + '|x', status: 'malformed' },
  { name: 'another tag', keys: ['k1'], payload: 'KESU2' + good.slice(5), status: 'malformed' },
  { name: 'a bad escape', keys: ['k1'], payload: qr(K1, qrFields, recordHash).replace('A%7C', 'A%G7'), status: 'malformed' },
  { name: 'an escape cut short', keys: ['k1'], payload: good.replace('|S3Z9 X|', '|S3Z9 X%2|'), status: 'malformed' },
  { name: 'a key id that is not 16 hex digits', keys: ['k1'], payload: qr(K1, qrFields, recordHash, { keyText: '0x07060504030201' }), status: 'malformed' },
  { name: 'a padded hash', keys: ['k1'], payload: good.replace(b64url(recordHash), b64url(recordHash) + '='), status: 'malformed' },
  { name: 'a Japanese asset', keys: ['k1'], payload: qr(K1, ['KESU-0807060504030201-000008', '8', 'FAIL', '資産-1', '', '2026-11-23T10:00:00Z'], recordHash),
    status: 'ok', fields: { asset: '資産-1', result: 'FAIL', disk_serial: '' } },
  { name: 'a serial of another key (re-signed; the signature itself is good)', keys: ['k2'],
    payload: qr(K2, qrFields, recordHash), status: 'ok', fields: { key_id: '0909090909090909' } },
  { name: 'a field too long', keys: ['k1'], payload: qr(K1, ['KESU-0807060504030201-000007', '7', 'PASSPASS', 'A', 'S', 'T'], recordHash), status: 'malformed' },
];

/* ---- chains: folders of certificates, as the auditor gets them ------------------------------- */
const canon = (o) => {
  const d = (v) => (Array.isArray(v) ? '[' + v.map(d).join(',') + ']'
    : v !== null && typeof v === 'object' ? '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + d(v[k])).join(',') + '}'
      : JSON.stringify(v));
  return d(o) + '\n';
};
function cert(k, seq, prev, { result = 'PASS', asset = 'A-' + seq, keyId = k.idHex, serialKey = k.idHex, comment } = {}) {
  const serial = `KESU-${serialKey}-${String(seq).padStart(6, '0')}`;
  const rec = {
    format: 'kesu-disposal-certificate', format_version: 1, serial, sequence: seq, previous_hash: prev,
    appliance_key_id: keyId, organization: 'Org', result, failure_reasons: result === 'PASS' ? [] : ['confidentiality class 3A requires Purge'],
    asset_number: asset, confidentiality: { before: result === 'PASS' ? '1' : '3A', after: result === 'PASS' ? 'none (sanitized)' : '3A' },
    destination: 'recycling', media: { serial: 'SER|' + seq },
    sanitization: { method: 'zero', required_level: result === 'PASS' ? 'Clear' : 'Purge', achieved_level: 'Clear' },
    times: { ended_utc: '2026-11-23T10:0' + (seq % 10) + ':00Z', ended_jst: '2026-11-23T19:0' + (seq % 10) + ':00+09:00' },
    people: { operator: 'op', witness: 'wit' },
  };
  const text = canon(rec);
  const hash = sha256(utf8(text));
  const tc = comment || `kesu certificate serial=${serial} sequence=${seq} result=${result} disk_serial=SER|${seq} hash=${hash}`;
  return { serial, text, hash, sig: minisig(k, utf8(text), tc) };
}
/** A chain of n from sequence `from`, each naming the one before. */
function chain(k, n, from = 1, prev = '') {
  const out = [];
  for (let s = from; s < from + n; s++) {
    const c = cert(k, s, prev);
    out.push(c);
    prev = c.hash;
  }
  return out;
}
const filesOf = (certs, dir = 'certs', { pdf = true } = {}) => certs.flatMap((c) => [
  { path: `${dir}/${c.serial}.json`, text: c.text },
  { path: `${dir}/${c.serial}.json.minisig`, text: c.sig },
  ...(pdf ? [{ path: `${dir}/${c.serial}.pdf`, text: '%PDF-1.5\n' }] : []),
]);
const three = chain(K1, 3);
const four = chain(K1, 4);
const chains = [];
const add = (name, files, expect, { keys = ['k1'], paths = ['certs'] } = {}) => chains.push({ name, keys, paths, files, expect });

add('three, clean', filesOf(three), { certificates: 3, valid: 3, problems: 0, warnings: 0, pass: 3, fail: 0, kinds: {} });
add('without PDFs: warnings only', filesOf(three, 'certs', { pdf: false }), { problems: 0, warnings: 3, kinds: { 'missing-pdf': 3 } });
add('a FAIL is valid, and no problem', filesOf([...three, cert(K1, 4, three[2].hash, { result: 'FAIL' })]),
  { certificates: 4, valid: 4, problems: 0, pass: 3, fail: 1, kinds: { 'failed-disposal': 1 } });
add('a partial set: 4 to 6, what came before is outside it', filesOf(chain(K1, 3, 4, sha256(utf8('3')))),
  { certificates: 3, valid: 3, problems: 0, kinds: {} });
add('a certificate removed', filesOf([four[0], four[1], four[3]]), { certificates: 3, valid: 3, problems: 1, kinds: { gap: 1 } });
add('two removed', filesOf([four[0], four[3]]), { problems: 1, kinds: { gap: 1 } });
{
  const f = filesOf(three);
  f.push({ path: 'certs/copy-of-2.json', text: three[1].text }, { path: 'certs/copy-of-2.json.minisig', text: three[1].sig });
  add('a certificate duplicated', f, { certificates: 4, valid: 4, problems: 1, kinds: { duplicate: 1, 'missing-pdf': 1 } });
}
{
  const f = filesOf(four);
  f[3].text = f[3].text.replace('"A-2"', '"A-9"'); // a byte of record 2
  add('a byte changed', f, { certificates: 4, valid: 3, problems: 2, kinds: { 'bad-signature': 1, gap: 1 } });
}
{
  const relinked = cert(K1, 3, three[0].hash);
  // 3 does not follow 2, and 2 and 3 now both follow 1: a fork too
  add('re-linked: 3 names 1 as its predecessor', filesOf([three[0], three[1], relinked]),
    { certificates: 3, valid: 3, problems: 2, kinds: { 'broken-chain': 1, fork: 1 } });
}
{
  const fork = cert(K1, 4, three[1].hash, { asset: 'F-4' }); // 4 also follows 2
  add('forked: 3 and 4 both follow 2', filesOf([...three, fork]),
    { certificates: 4, valid: 4, problems: 2, kinds: { 'broken-chain': 1, fork: 1 } });
}
add('an unknown key', filesOf(three), { certificates: 3, valid: 0, problems: 3, kinds: { 'unknown-key': 3 } }, { keys: ['k2'] });
{
  const other = chain(K2, 2, 1, '').map((c) => c); // key 2's own chain, with key 2's serials
  const claimed = cert(K2, 3, three[1].hash, { keyId: K1.idHex, serialKey: K1.idHex });
  add('re-signed by another known key', filesOf([three[0], three[1], claimed]),
    { valid: 2, problems: 1, kinds: { 'wrong-key': 1 } }, { keys: ['k1', 'k2'] });
  add('two keys, two chains', [...filesOf(three), ...filesOf(other)], { certificates: 5, valid: 5, problems: 0, kinds: {} },
    { keys: ['k1', 'k2'] });
}
{
  const c = cert(K1, 2, three[0].hash, { comment: `kesu certificate serial=${three[1].serial} sequence=2 result=FAIL disk_serial=SER|2 hash=${three[1].hash}` });
  add('the trusted comment does not match', filesOf([three[0], c, three[2]]),
    { valid: 2, problems: 2, kinds: { 'comment-mismatch': 1, gap: 1 } });
}
{
  const f = filesOf(three);
  f[0].text = f[0].text.replace('{"appliance_key_id"', '{ "appliance_key_id"');
  add('not canonical (a space)', f, { valid: 2, problems: 1, kinds: { malformed: 1 } });
  const g = filesOf(three);
  g[0].text = g[0].text.slice(0, 100);
  add('truncated', g, { valid: 2, problems: 1, kinds: { malformed: 1 } });
  const h = filesOf(three);
  delete h[0].text;
  h[0].hex = 'ff' + hex(utf8(three[0].text));
  add('not UTF-8', h, { valid: 2, problems: 1, kinds: { malformed: 1 } });
}
{
  const f = filesOf(three).filter((x) => x.path !== `certs/${three[2].serial}.json`);
  add('a record removed: its signature and PDF are orphans', f, { certificates: 2, valid: 2, problems: 2, kinds: { orphan: 2 } });
  const g = filesOf(three).filter((x) => x.path !== `certs/${three[2].serial}.json.minisig`);
  add('a signature removed: the record is half-filed', g, { certificates: 3, valid: 2, problems: 1, kinds: { orphan: 1 } });
}
{
  const f = filesOf(three);
  f.push({ path: `certs/${three[0].serial}.json.bak`, text: 'x' }, { path: `certs/${three[1].serial}.json.minisig.tmp`, text: 'x' },
    { path: 'certs/README.txt', text: 'x' }, { path: 'certs/KESU-0807060504030201-000009.json', text: three[1].text },
    { path: 'certs/KESU-0807060504030201-000009.json.minisig', text: three[1].sig });
  add('stray and temporary files; other names are not ours', f,
    { certificates: 4, valid: 4, problems: 4, warnings: 1, kinds: { stray: 2, 'leftover-temp': 1, duplicate: 1, 'missing-pdf': 1 } });
}
{
  const f = filesOf(three);
  f.push({ path: `certs/set-aside/${three[0].serial}.json.minisig`, text: three[0].sig },
    { path: `certs/quarantine/2026/${three[1].serial}.json`, text: three[1].text });
  add('what the issuer set aside is listed, not checked', f, { certificates: 3, problems: 0, warnings: 2, kinds: { 'set-aside': 2 } });
}
add('the cert folder and its copy on the stick: copies, not duplicates', [...filesOf(three), ...filesOf(three, 'stick')],
  { certificates: 6, valid: 6, problems: 0, kinds: { copy: 3 } }, { paths: ['certs', 'stick'] });
{
  let prev = '';
  const again = [1, 2, 3].map((s) => {
    const c = cert(K1, s, prev, { asset: 'B-' + s });
    prev = c.hash;
    return c;
  });
  add('a second ledger of the same key: serials issued twice', [...filesOf(three), ...filesOf(again, 'again')],
    { certificates: 6, valid: 6, problems: 3, kinds: { duplicate: 3 } }, { paths: ['certs', 'again'] });
}

const out = {
  format: 'kesu-test-vectors', version: 1,
  about: 'Shared by tests/unit/test-vectors.c (the C library) and the auditor\'s page (tests/browser). Made by make-vectors.mjs; chain cases list the folders (paths) to give `kesu cert verify`, and the files in them.',
  keys: { k1: { seed: hex(K1.seed), key_id: K1.idHex, public_key_file: K1.pub }, k2: { seed: hex(K2.seed), key_id: K2.idHex, public_key_file: K2.pub } },
  canonical, sha256: sha, blake2b512: blake, ed25519, public_keys, minisig: minisigs, qr: qrs, chain: chains,
};
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
