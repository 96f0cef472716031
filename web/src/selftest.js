// SPDX-License-Identifier: MIT
// The shared vectors (tests/vectors/certificates.json), run in the page: the C library is held to
// the same file by tests/unit/test-vectors.c. Returns {passed, failed, failures: [text]}.
import { auditFiles, checkQr } from './audit.js';
import { fromHex, toHex, utf8 } from './bytes.js';
import { blake2b512, ed25519Verify, sha256 } from './crypto.js';
import { canonical, JsonError, parse } from './json.js';
import { parsePublicKey, verifySignature } from './minisign.js';

export async function selfTest(vectors, { backend } = {}) {
  const failures = [];
  let passed = 0;
  const sortedJson = (v) => JSON.stringify(v, (k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x);
  const expect = (name, got, want) => {
    const g = sortedJson(got), w = sortedJson(want);
    if (g === w) passed++;
    else failures.push(`${name}: expected ${w}, got ${g}`);
  };
  const keys = {};
  for (const [name, k] of Object.entries(vectors.keys)) keys[name] = await parsePublicKey(utf8(k.public_key_file));
  const keyList = (names) => names.map((n) => keys[n]);

  for (const v of vectors.canonical) {
    let got;
    try {
      got = canonical(parse(v.input));
    } catch (e) {
      if (!(e instanceof JsonError)) throw e;
      got = null;
    }
    expect('canonical ' + v.name, got, v.canonical);
    if (v.canonical !== null && v.sha256)
      expect('canonical hash ' + v.name, 'sha256:' + toHex(await sha256(utf8(got))), v.sha256);
  }
  for (const v of vectors.sha256) expect('sha256 ' + v.name, 'sha256:' + toHex(await sha256(utf8(v.input))), v.sha256);
  for (const v of vectors.blake2b512) expect('blake2b ' + v.name, toHex(blake2b512(utf8(v.input))), v.hex);
  for (const v of vectors.ed25519)
    expect('ed25519 ' + v.name, await ed25519Verify(fromHex(v.signature), fromHex(v.message), fromHex(v.public_key), backend), v.valid);
  for (const v of vectors.public_keys) {
    const k = await parsePublicKey(utf8(v.text));
    expect('public key ' + v.name, k ? k.id : null, v.key_id);
  }
  for (const v of vectors.minisig) {
    const r = await verifySignature(keyList(v.keys), utf8(v.message), utf8(v.minisig), backend);
    expect('minisig ' + v.name, r.status, v.status);
    if (v.status === 'ok') expect('minisig comment ' + v.name, r.comment, v.trusted_comment);
  }
  for (const v of vectors.qr) {
    const r = await checkQr(v.payload, keyList(v.keys), null, backend);
    expect('qr ' + v.name, r.status, v.status);
    if (v.fields) {
      const got = {};
      for (const k of Object.keys(v.fields)) got[k] = r.fields ? r.fields[k] : undefined;
      expect('qr fields ' + v.name, got, v.fields);
    }
  }
  for (const v of vectors.chain) {
    const files = v.files.map((f) => ({ path: f.path, bytes: f.hex !== undefined ? fromHex(f.hex) : utf8(f.text) }));
    const a = await auditFiles(files, keyList(v.keys), { backend });
    const count = {};
    for (const f of a.findings) if (f.kind !== 'ok') count[f.kind] = (count[f.kind] || 0) + 1;
    const got = { ...a.counts, kinds: count };
    const want = v.expect;
    for (const k of Object.keys(got)) if (!(k in want)) delete got[k];
    expect('chain ' + v.name, got, want);
  }
  return { passed, failed: failures.length, failures };
}
