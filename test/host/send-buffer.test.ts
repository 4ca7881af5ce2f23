// SPDX-License-Identifier: MIT
// The send ring: a chunk handed out is never overwritten while its write is
// in flight, whatever the sizes and however completions lag behind.
import { describe, expect, it } from 'vitest';
import { SendBuffer } from '../../ts/host/send-buffer.js';

const pattern = (len: number, seed: number) => Buffer.from(Uint8Array.from({ length: len }, (_, i) => (i * 13 + seed) & 0xff));

describe('SendBuffer', () => {
  it('keeps every in-flight chunk intact while later sends wrap and grow the ring', () => {
    const ring = new SendBuffer();
    const inFlight: { chunk: Buffer; want: Buffer; done: () => void }[] = [];
    let seed = 1;
    for (let i = 0; i < 2000; i++) {
      const len = ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % (96 << 10)) + 1;
      const want = pattern(len, i);
      const { chunk, done } = ring.copy(want);
      expect(chunk.equals(want)).toBe(true);
      inFlight.push({ chunk, want, done });
      // complete, in order, a varying number of the oldest writes
      for (let k = seed % 4; k > 0 && inFlight.length; k--) {
        const w = inFlight.shift()!;
        expect(w.chunk.equals(w.want)).toBe(true);
        w.done();
      }
      if (inFlight.length > 40) while (inFlight.length) inFlight.shift()!.done();
    }
    for (const w of inFlight) expect(w.chunk.equals(w.want)).toBe(true);
  });

  it('a send larger than the ring may grow to gets a copy of its own', () => {
    const ring = new SendBuffer();
    const big = pattern(3 << 20, 7);
    const { chunk } = ring.copy(big);
    expect(chunk.equals(big)).toBe(true);
  });
});
