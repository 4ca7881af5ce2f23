// SPDX-License-Identifier: MIT
// The WASI clock writes u64 nanoseconds as two 32-bit halves: the halves
// must say exactly what a BigInt would.
import { describe, expect, it } from 'vitest';
import { writeEpochNs, writeU64 } from '../../ts/host/wasi.js';

describe('WASI clock encoding', () => {
  const dv = new DataView(new ArrayBuffer(8));
  it('writes epoch milliseconds as exact nanoseconds', () => {
    for (const ms of [0, 1, 999, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Date.now(), 4102444800000, 2 ** 44 + 12345]) {
      writeEpochNs(dv, 0, ms);
      expect(dv.getBigUint64(0, true)).toBe(BigInt(ms) * 1_000_000n);
    }
  });
  it('writes integers below 2^53 as u64', () => {
    for (const v of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      writeU64(dv, 0, v);
      expect(dv.getBigUint64(0, true)).toBe(BigInt(v));
    }
  });
});
