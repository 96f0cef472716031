// SPDX-License-Identifier: MIT
// Hashes and Ed25519: the browser's own WebCrypto where it has the algorithm (SHA-256, Ed25519),
// @noble/hashes for BLAKE2b-512 (no browser has it) and @noble/ed25519 where WebCrypto lacks
// Ed25519. Verification accepts exactly what libsodium's crypto_sign_verify_detached accepts: S
// below the group order, a canonical public key, neither the key nor R of small order — checked
// here before either implementation is asked, so both backends give libsodium's answer.
import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import * as ed from '@noble/ed25519';

ed.hashes.sha512 = sha512;

const subtle = globalThis.crypto && globalThis.crypto.subtle;

/** BLAKE2b-512: minisign's prehash ("ED" signatures). */
export const blake2b512 = (bytes) => blake2b(bytes, { dkLen: 64 });

/** SHA-256 (WebCrypto, else noble). */
export async function sha256(bytes) {
  if (subtle) {
    try {
      return new Uint8Array(await subtle.digest('SHA-256', bytes));
    } catch {
      /* an unusual browser: noble below */
    }
  }
  return nobleSha256(bytes);
}

// libsodium's ge25519_has_small_order blocklist (the sign bit of the last byte is ignored).
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16)));

function hasSmallOrder(p) {
  return SMALL_ORDER.some((b) => {
    for (let k = 0; k < 31; k++) if (p[k] !== b[k]) return false;
    return (p[31] & 0x7f) === b[31];
  });
}

/** A point encoding whose y is not below p = 2^255 - 19 (ge25519_is_canonical). */
function isCanonicalPoint(p) {
  if ((p[31] & 0x7f) !== 0x7f) return true;
  for (let k = 30; k > 0; k--) if (p[k] !== 0xff) return true;
  return p[0] < 0xed;
}

const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];

/** S < L (sc25519_is_canonical). */
function isCanonicalScalar(s) {
  for (let k = 31; k >= 0; k--) {
    if (s[k] < L[k]) return true;
    if (s[k] > L[k]) return false;
  }
  return false;
}

/** What libsodium refuses before it computes anything. */
function isAcceptable(sig, pk) {
  return sig.length === 64 && pk.length === 32 && isCanonicalScalar(sig.subarray(32)) &&
    !hasSmallOrder(sig.subarray(0, 32)) && isCanonicalPoint(pk) && !hasSmallOrder(pk);
}

// RFC 8032 §7.1 TEST 1, to check the browser's Ed25519 before trusting it.
const PROBE_PK = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PROBE_SIG = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
const unhex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));

const webKeys = new Map(); // hex of the public key → CryptoKey

async function webVerify(sig, msg, pk) {
  const id = pk.join(',');
  let key = webKeys.get(id);
  if (!key) {
    key = await subtle.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
    webKeys.set(id, key);
  }
  return subtle.verify({ name: 'Ed25519' }, key, sig, msg);
}

let backend = null; // 'webcrypto' or 'noble', once probed

/** Which Ed25519 this browser uses: WebCrypto when it has Ed25519 and it answers RFC 8032 right. */
export async function ed25519Backend() {
  if (backend) return backend;
  backend = 'noble';
  if (subtle) {
    try {
      const pk = unhex(PROBE_PK), sig = unhex(PROBE_SIG), bad = sig.slice();
      bad[0] ^= 1;
      if ((await webVerify(sig, new Uint8Array(0), pk)) && !(await webVerify(bad, new Uint8Array(0), pk)))
        backend = 'webcrypto';
    } catch {
      /* no Ed25519 in this browser's WebCrypto */
    }
  }
  return backend;
}

/** Ed25519 (no prehash) with libsodium's rules. which: force 'noble' or 'webcrypto' (tests). */
export async function ed25519Verify(sig, msg, pk, which) {
  if (!isAcceptable(sig, pk)) return false;
  const use = which || (await ed25519Backend());
  if (use === 'webcrypto') {
    try {
      return await webVerify(sig, msg, pk);
    } catch {
      return false;
    }
  }
  try {
    return ed.verify(sig, msg, pk, { zip215: false });
  } catch {
    return false;
  }
}
