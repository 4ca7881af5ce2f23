// SPDX-License-Identifier: MIT
// The `aead_seal`/`aead_open` imports: the TLS record layer's AES-GCM and
// ChaCha20-Poly1305 done by the runtime's native crypto (node:crypto, which
// Node, Deno and Bun provide) instead of mbedTLS in wasm, where GHASH alone
// took two thirds of an HTTPS download. mbedTLS passes the key with every
// record (wasm/glue/aead.c); nothing here keeps it: the cipher reads it from
// a view of wasm memory, and OpenSSL clears its copy when the cipher is
// collected. Any case this does not take (an unknown algorithm, a nonce or
// tag length outside what the runtime accepts, a runtime without the cipher)
// answers -ENOSYS, and mbedTLS then does the work in wasm as before.
import type { CipherGCMTypes } from 'node:crypto';
import { nodeCrypto } from './builtins.js';
import { ERRNO } from './errno.js';
import type { AeadArgs } from './abi.js';
import type { Heap } from './memory.js';

/** `alg` values of the imports (wasm/glue/host.h LCW_AEAD_*). */
export const AEAD = { AES_GCM: 1, CHACHA20_POLY1305: 2 } as const;

/** What `aead_seal`/`aead_open` answer besides 0. */
export const AEAD_NOT_TAKEN = -ERRNO.NOSYS;
export const AEAD_BAD_TAG = -ERRNO.BADMSG;

/** Records sealed and opened here, and tags that did not verify (for tests and profiling). */
export const aeadStats = { sealed: 0, opened: 0, badTag: 0 };

type CipherName = CipherGCMTypes | 'chacha20-poly1305';

/** Ciphers the runtime turned down once: not offered again. */
const unavailable = new Set<CipherName>();

function cipherName(alg: number, keyLen: number, ivLen: number, tagLen: number): CipherName | undefined {
  if (alg === AEAD.AES_GCM) {
    // GCM tags node:crypto accepts; TLS uses 16 and a 12-byte nonce
    if (ivLen < 1 || !(tagLen === 4 || tagLen === 8 || (tagLen >= 12 && tagLen <= 16))) return undefined;
    return keyLen === 16 ? 'aes-128-gcm' : keyLen === 24 ? 'aes-192-gcm' : keyLen === 32 ? 'aes-256-gcm' : undefined;
  }
  if (alg === AEAD.CHACHA20_POLY1305) return keyLen === 32 && ivLen === 12 && tagLen === 16 ? 'chacha20-poly1305' : undefined;
  return undefined;
}

function inBounds(heap: Heap, ...spans: number[]): boolean {
  const size = heap.u8.length;
  for (let i = 0; i < spans.length; i += 2) {
    const ptr = spans[i]!;
    const len = spans[i + 1]!;
    if (ptr < 0 || len < 0 || ptr + len > size) return false;
  }
  return true;
}

/** The cipher for a call, or what the call answers: AEAD_NOT_TAKEN, or -EINVAL for a span outside wasm memory. */
function usable(heap: Heap, [alg, key, keyLen, iv, ivLen, ad, adLen, input, len, out, tag, tagLen]: AeadArgs): CipherName | number {
  const name = cipherName(alg, keyLen, ivLen, tagLen);
  if (!name || unavailable.has(name)) return AEAD_NOT_TAKEN;
  if (!inBounds(heap, key, keyLen, iv, ivLen, ad, adLen, input, len, out, len, tag, tagLen)) return -ERRNO.INVAL;
  return name;
}

/** Encrypts `len` bytes at `input` into `out` and writes the tag: 0, or AEAD_NOT_TAKEN. */
export function aeadSeal(heap: Heap, ...args: AeadArgs): number {
  const name = usable(heap, args);
  if (typeof name === 'number') return name;
  const [, key, keyLen, iv, ivLen, ad, adLen, input, len, out, tag, tagLen] = args;
  let sealed: Buffer;
  let mac: Buffer;
  try {
    const c = nodeCrypto().createCipheriv(name as CipherGCMTypes, heap.view(key, keyLen), heap.view(iv, ivLen), { authTagLength: tagLen });
    c.setAAD(heap.view(ad, adLen));
    sealed = c.update(heap.view(input, len));
    c.final();
    mac = c.getAuthTag();
  } catch {
    // the runtime has no such cipher (or refuses these lengths): wasm does it
    unavailable.add(name);
    return AEAD_NOT_TAKEN;
  }
  const u8 = heap.u8;
  u8.set(sealed, out);
  u8.set(mac, tag);
  aeadStats.sealed++;
  return 0;
}

/** Decrypts and verifies; writes `out` only when the tag verifies: 0, AEAD_BAD_TAG or AEAD_NOT_TAKEN. */
export function aeadOpen(heap: Heap, ...args: AeadArgs): number {
  const name = usable(heap, args);
  if (typeof name === 'number') return name;
  const [, key, keyLen, iv, ivLen, ad, adLen, input, len, out, tag, tagLen] = args;
  let d;
  try {
    d = nodeCrypto().createDecipheriv(name as CipherGCMTypes, heap.view(key, keyLen), heap.view(iv, ivLen), { authTagLength: tagLen });
    d.setAuthTag(heap.view(tag, tagLen));
    d.setAAD(heap.view(ad, adLen));
  } catch {
    unavailable.add(name);
    return AEAD_NOT_TAKEN;
  }
  // update() returns the plaintext in a buffer of its own, written back only
  // once the tag verifies, so `input` and `out` may overlap (mbedTLS decrypts
  // records in place)
  let opened: Buffer;
  try {
    opened = d.update(heap.view(input, len));
  } catch {
    return AEAD_NOT_TAKEN;
  }
  try {
    d.final();
  } catch {
    opened.fill(0);
    aeadStats.badTag++;
    return AEAD_BAD_TAG;
  }
  heap.u8.set(opened, out);
  aeadStats.opened++;
  return 0;
}
