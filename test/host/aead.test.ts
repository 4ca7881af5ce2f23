// SPDX-License-Identifier: MIT
// ts/host/aead.ts against node:crypto directly, on a bare wasm memory: what
// it writes, in place, a wrong tag (nothing written), what it declines.
import { createCipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LibcurlExports } from '../../ts/host/abi.js';
import { AEAD, AEAD_BAD_TAG, AEAD_NOT_TAKEN, aeadOpen, aeadSeal } from '../../ts/host/aead.js';
import { ERRNO } from '../../ts/host/errno.js';
import { Heap } from '../../ts/host/memory.js';

const memory = new WebAssembly.Memory({ initial: 1 });
const heap = new Heap({ memory } as unknown as LibcurlExports);
// a layout in the 64 KiB page
const KEY = 0x100,
  IV = 0x200,
  AD = 0x300,
  DATA = 0x1000,
  OUT = 0x5000,
  TAG = 0x400;

function reference(name: string, key: Buffer, iv: Buffer, ad: Buffer, data: Buffer) {
  const c = createCipheriv(name as CipherGCMTypes, key, iv, { authTagLength: 16 });
  c.setAAD(ad);
  const sealed = Buffer.concat([c.update(data), c.final()]);
  return { sealed, tag: c.getAuthTag() };
}

const cases = [
  ['aes-128-gcm', AEAD.AES_GCM, 16],
  ['aes-256-gcm', AEAD.AES_GCM, 32],
  ['chacha20-poly1305', AEAD.CHACHA20_POLY1305, 32],
] as const;

describe('host AEAD', () => {
  it.each(cases)('%s: seals as node:crypto does, in place too, and opens it again', (name, alg, keyLen) => {
    const key = randomBytes(keyLen),
      iv = randomBytes(12),
      ad = randomBytes(13),
      data = randomBytes(3000);
    const want = reference(name, key, iv, ad, data);
    const u8 = heap.u8;
    u8.set(key, KEY);
    u8.set(iv, IV);
    u8.set(ad, AD);
    u8.set(data, DATA);

    expect(aeadSeal(heap, alg, KEY, keyLen, IV, 12, AD, 13, DATA, data.length, OUT, TAG, 16)).toBe(0);
    expect(Buffer.from(heap.view(OUT, data.length))).toEqual(want.sealed);
    expect(Buffer.from(heap.view(TAG, 16))).toEqual(want.tag);

    // in place, as mbedTLS seals and opens records
    expect(aeadSeal(heap, alg, KEY, keyLen, IV, 12, AD, 13, DATA, data.length, DATA, TAG, 16)).toBe(0);
    expect(Buffer.from(heap.view(DATA, data.length))).toEqual(want.sealed);
    expect(aeadOpen(heap, alg, KEY, keyLen, IV, 12, AD, 13, DATA, data.length, DATA, TAG, 16)).toBe(0);
    expect(Buffer.from(heap.view(DATA, data.length))).toEqual(data);
  });

  it.each(cases)('%s: a wrong tag, nonce or associated data answers AEAD_BAD_TAG and writes nothing', (name, alg, keyLen) => {
    const key = randomBytes(keyLen),
      iv = randomBytes(12),
      ad = randomBytes(13),
      data = randomBytes(500);
    const want = reference(name, key, iv, ad, data);
    const u8 = heap.u8;
    u8.set(key, KEY);
    u8.set(iv, IV);
    u8.set(ad, AD);
    u8.set(want.sealed, DATA);
    const out = () => Buffer.from(heap.view(OUT, data.length));
    u8.fill(0xaa, OUT, OUT + data.length);
    const tampered = [
      () =>
        u8.set(
          Buffer.from(want.tag).map((b, i) => (i === 5 ? b ^ 0x80 : b)),
          TAG,
        ),
      () => {
        u8.set(want.tag, TAG);
        u8[IV] = u8[IV]! ^ 1;
      },
      () => {
        u8.set(iv, IV);
        u8[AD + 12] = u8[AD + 12]! ^ 1;
      },
    ];
    for (const tamper of tampered) {
      tamper();
      expect(aeadOpen(heap, alg, KEY, keyLen, IV, 12, AD, 13, DATA, data.length, OUT, TAG, 16)).toBe(AEAD_BAD_TAG);
      expect(out()).toEqual(Buffer.alloc(data.length, 0xaa));
    }
    u8.set(ad, AD);
    expect(aeadOpen(heap, alg, KEY, keyLen, IV, 12, AD, 13, DATA, data.length, OUT, TAG, 16)).toBe(0);
    expect(out()).toEqual(data);
  });

  it('declines what it does not do, so that mbedTLS does it in wasm', () => {
    expect(AEAD_NOT_TAKEN).toBe(-ERRNO.NOSYS);
    expect(aeadSeal(heap, 99, KEY, 16, IV, 12, AD, 0, DATA, 16, OUT, TAG, 16)).toBe(AEAD_NOT_TAKEN); // unknown algorithm
    expect(aeadSeal(heap, AEAD.AES_GCM, KEY, 20, IV, 12, AD, 0, DATA, 16, OUT, TAG, 16)).toBe(AEAD_NOT_TAKEN); // key length
    expect(aeadSeal(heap, AEAD.AES_GCM, KEY, 16, IV, 12, AD, 0, DATA, 16, OUT, TAG, 3)).toBe(AEAD_NOT_TAKEN); // tag length
    expect(aeadOpen(heap, AEAD.CHACHA20_POLY1305, KEY, 32, IV, 8, AD, 0, DATA, 16, OUT, TAG, 16)).toBe(AEAD_NOT_TAKEN); // nonce length
    // pointers outside memory are refused, not clamped
    expect(aeadSeal(heap, AEAD.AES_GCM, KEY, 16, IV, 12, AD, 0, 0xfff0, 64, OUT, TAG, 16)).toBe(-ERRNO.INVAL);
  });
});
