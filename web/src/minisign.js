// SPDX-License-Identifier: MIT
// minisign's formats as kesu writes and checks them (certificates/key.c, certificates/sign.c):
//   public key:  "untrusted comment: …" / base64("Ed" | key id (8) | Ed25519 public key (32))
//   signature:   "untrusted comment: …" / base64("ED" | key id | Ed25519(BLAKE2b-512(message)))
//                "trusted comment: …"   / base64(Ed25519(signature | trusted comment))
// ("Ed" signatures, over the message itself, are accepted too, as minisign and kesu do.)
import { base64Decode, concat, keyIdHex, text, toHex } from './bytes.js';
import { blake2b512, ed25519Verify, sha256 } from './crypto.js';

const UNTRUSTED = Array.from('untrusted comment:', (c) => c.charCodeAt(0));
const TRUSTED = Array.from('trusted comment: ', (c) => c.charCodeAt(0));

function startsWith(bytes, prefix, at = 0) {
  if (bytes.length - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}

/** Line n (0-based) of bytes, without its ending ('\n' ends a line; '\r' ends its content). */
function nthLine(bytes, n) {
  let p = 0;
  for (let k = 0; k < n; k++) {
    const nl = bytes.indexOf(0x0a, p);
    if (nl < 0) return null;
    p = nl + 1;
  }
  let e = p;
  while (e < bytes.length && bytes[e] !== 0x0a && bytes[e] !== 0x0d) e++;
  return { start: p, bytes: bytes.subarray(p, e) };
}

/** Everything before the first NUL: the C code reads these files as C strings. */
const cString = (b) => {
  const z = b.indexOf(0);
  return z < 0 ? b : b.subarray(0, z);
};

/**
 * A public key from a minisign .pub file's bytes or its base64 line; null when malformed.
 * Returns {keyId (8 bytes), pk (32 bytes), id (hex as minisign prints it), fingerprint}.
 */
export async function parsePublicKey(bytes) {
  bytes = cString(bytes);
  let line = bytes;
  if (startsWith(bytes, UNTRUSTED)) {
    const l = nthLine(bytes, 1);
    if (!l) return null;
    line = l.bytes;
  } else line = nthLine(bytes, 0).bytes;
  const raw = base64Decode(line, 42, 'original');
  if (!raw || raw[0] !== 0x45 || raw[1] !== 0x64) return null; // "Ed"
  const keyId = raw.slice(2, 10), pk = raw.slice(10, 42);
  return { keyId, pk, id: keyIdHex(keyId), fingerprint: await fingerprint(pk) };
}

/** SHA-256 of the public key in groups of four hex digits, as `kesu key show` prints it. */
export async function fingerprint(pk) {
  return toHex(await sha256(pk)).match(/..../g).join(' ');
}

/** The key id a .minisig names (the key that really signed), or null. */
export function signatureKeyId(sig) {
  const l = nthLine(cString(sig), 1);
  const bin = l && base64Decode(l.bytes, 74, 'original');
  return bin ? keyIdHex(bin.subarray(2, 10)) : null;
}

/**
 * Checks a .minisig (bytes) against msg (bytes) with whichever key has its key id.
 * Returns {status: 'ok', comment, keyIndex} or {status: 'malformed' | 'unknown-key' | 'bad-signature'}
 * (cert_verify_signature's -EBADMSG, -ENOKEY, -EKEYREJECTED).
 */
export async function verifySignature(keys, msg, sig, backend) {
  sig = cString(sig);
  const lines = [0, 1, 2, 3].map((n) => nthLine(sig, n));
  if (lines.includes(null)) return { status: 'malformed' };
  if (!startsWith(sig, UNTRUSTED) || lines[2].bytes.length < TRUSTED.length ||
    !startsWith(lines[2].bytes, TRUSTED))
    return { status: 'malformed' };
  const line = base64Decode(lines[1].bytes, 74, 'original');
  const global = base64Decode(lines[3].bytes, 64, 'original');
  if (!line || !global) return { status: 'malformed' };
  const isPrehashed = line[0] === 0x45 && line[1] === 0x44; // "ED"
  if (!isPrehashed && !(line[0] === 0x45 && line[1] === 0x64)) return { status: 'malformed' };
  const keyIndex = keys.findIndex((k) => k.keyId.every((b, i) => b === line[2 + i]));
  if (keyIndex < 0) return { status: 'unknown-key' };
  const pk = keys[keyIndex].pk;
  const signature = line.subarray(10, 74);
  if (!(await ed25519Verify(signature, isPrehashed ? blake2b512(msg) : msg, pk, backend)))
    return { status: 'bad-signature' };
  const comment = lines[2].bytes.subarray(TRUSTED.length);
  if (!(await ed25519Verify(global, concat(signature, comment), pk, backend)))
    return { status: 'bad-signature' };
  return { status: 'ok', comment: text(comment), keyIndex };
}
