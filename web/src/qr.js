// SPDX-License-Identifier: MIT
// The QR payload (certificates/qr.c), checked as cert_qr_verify checks it:
//   KESU1|serial|sequence|result|asset|disk serial|ended UTC|record hash|key id|signature
// fields percent-escaped, hash and signature unpadded base64url, the Ed25519 signature over every
// byte before the last '|'.
import { base64Decode, text, toHex, utf8 } from './bytes.js';
import { ed25519Verify } from './crypto.js';

// The most bytes each field may have once unescaped (struct cert_qr_fields, less the NUL).
const FIELD_BYTES = [63, 23, 7, 127, 127, 39];
const NAMES = ['serial', 'sequence', 'result', 'asset', 'disk_serial', 'ended_utc'];

const isSpace = (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const hexValue = (c) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1;

/** Two characters as strtol(…, 16) takes them whole, or null. */
function escapeValue(a, b) {
  if (hexValue(a) >= 0 && hexValue(b) >= 0) return hexValue(a) * 16 + hexValue(b);
  if ((isSpace(a) || a === 0x2b) && hexValue(b) >= 0) return hexValue(b);
  if (a === 0x2d && hexValue(b) >= 0) return (256 - hexValue(b)) & 0xff;
  return null;
}

function unescape(bytes, max) {
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    if (out.length + 1 > max) return null;
    if (bytes[i] === 0x25) {
      if (i + 2 >= bytes.length) return null;
      const v = escapeValue(bytes[i + 1], bytes[i + 2]);
      if (v === null) return null;
      out.push(v);
      i += 2;
    } else out.push(bytes[i]);
  }
  const z = out.indexOf(0); // read as a C string from here on
  return text(Uint8Array.from(z < 0 ? out : out.slice(0, z)));
}

/**
 * Checks a payload (a string as typed or scanned) with the keys. Returns {status: 'ok', fields} or
 * {status: 'malformed' | 'unknown-key' | 'bad-signature'}.
 */
export async function verifyQr(payload, keys, backend) {
  let bytes = utf8(payload);
  let end = bytes.findIndex((c) => c === 0x0a || c === 0x0d);
  if (end >= 0) bytes = bytes.subarray(0, end);
  const fields = [];
  let p = 0;
  for (;;) {
    const bar = bytes.indexOf(0x7c, p);
    fields.push({ start: p, bytes: bytes.subarray(p, bar < 0 ? bytes.length : bar) });
    if (bar < 0) break;
    p = bar + 1;
  }
  if (fields.length !== 10 || text(fields[0].bytes) !== 'KESU1') return { status: 'malformed' };
  const f = {};
  for (let k = 0; k < 6; k++) {
    const v = unescape(fields[k + 1].bytes, FIELD_BYTES[k]);
    if (v === null) return { status: 'malformed' };
    f[NAMES[k]] = v;
  }
  const hash = base64Decode(fields[7].bytes, 32, 'urlsafe');
  const sig = base64Decode(fields[9].bytes, 64, 'urlsafe');
  const keyId = text(fields[8].bytes);
  if (!hash || !sig || !/^[0-9A-F]{16}$/.test(keyId)) return { status: 'malformed' };
  f.record_hash = 'sha256:' + toHex(hash);
  f.key_id = keyId;
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { status: 'unknown-key', fields: f };
  if (!(await ed25519Verify(sig, bytes.subarray(0, fields[9].start - 1), key.pk, backend)))
    return { status: 'bad-signature', fields: f };
  return { status: 'ok', fields: f };
}
