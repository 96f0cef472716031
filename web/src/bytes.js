// SPDX-License-Identifier: MIT
// Bytes: strict base64 as libsodium's sodium_base642bin decodes it (no white space, padding exactly
// as the variant wants, unused bits zero, the exact length asked for), hex, UTF-8.

const ALPHABETS = {
  original: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  urlsafe: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
};
const TABLES = {};
for (const [name, a] of Object.entries(ALPHABETS)) {
  const t = new Int16Array(256).fill(-1);
  for (let k = 0; k < 64; k++) t[a.charCodeAt(k)] = k;
  TABLES[name] = t;
}

/**
 * Decodes b64 (bytes or a string of code units < 256) to exactly `length` bytes, or returns null.
 * variant: 'original' (padded, minisign's files) or 'urlsafe' (unpadded, the QR payload).
 */
export function base64Decode(b64, length, variant) {
  const t = TABLES[variant];
  const padded = variant === 'original';
  const at = typeof b64 === 'string' ? (k) => b64.charCodeAt(k) : (k) => b64[k];
  const n = b64.length;
  const out = new Uint8Array(length);
  let acc = 0, accLen = 0, pos = 0, o = 0;
  for (; pos < n; pos++) {
    const c = at(pos);
    const d = c < 256 ? t[c] : -1;
    if (d < 0) break;
    acc = ((acc << 6) | d) & 0xfff;
    accLen += 6;
    if (accLen >= 8) {
      accLen -= 8;
      if (o >= length) return null;
      out[o++] = (acc >> accLen) & 0xff;
    }
  }
  if (accLen > 4 || (acc & ((1 << accLen) - 1)) !== 0) return null;
  if (padded) {
    for (let p = accLen / 2; p > 0; p--, pos++) if (pos >= n || at(pos) !== 0x3d) return null;
  }
  if (pos !== n || o !== length) return null;
  return out;
}

export function base64Encode(bytes, variant) {
  const a = ALPHABETS[variant];
  let s = '';
  let k = 0;
  for (; k + 3 <= bytes.length; k += 3) {
    const v = (bytes[k] << 16) | (bytes[k + 1] << 8) | bytes[k + 2];
    s += a[v >> 18] + a[(v >> 12) & 63] + a[(v >> 6) & 63] + a[v & 63];
  }
  const rest = bytes.length - k;
  if (rest) {
    const v = (bytes[k] << 16) | (rest === 2 ? bytes[k + 1] << 8 : 0);
    s += a[v >> 18] + a[(v >> 12) & 63] + (rest === 2 ? a[(v >> 6) & 63] : '');
    if (variant === 'original') s += rest === 2 ? '=' : '==';
  }
  return s;
}

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(h) {
  if (h.length % 2 || !/^[0-9a-fA-F]*$/.test(h)) throw new Error('not hex: ' + h.slice(0, 20));
  const out = new Uint8Array(h.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(h.substr(2 * k, 2), 16);
  return out;
}

const encoder = new TextEncoder();
const lenient = new TextDecoder('utf-8');
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const utf8 = (s) => encoder.encode(s);
/** Text of bytes that may not be UTF-8 (for showing them). */
export const text = (b) => lenient.decode(b);
/** Text of bytes that must be UTF-8, or null. */
export function strictText(b) {
  try {
    return strict.decode(b);
  } catch {
    return null;
  }
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** The key id as minisign prints it: the little-endian 64-bit number in 16 upper-case hex digits. */
export function keyIdHex(id) {
  let s = '';
  for (let k = id.length - 1; k >= 0; k--) s += id[k].toString(16).padStart(2, '0');
  return s.toUpperCase();
}
