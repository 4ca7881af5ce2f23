// SPDX-License-Identifier: MIT
// The receive buffer: bytes come out in the order they went in, whether they
// were read into its regions or pushed, across compaction and growth.
import { describe, expect, it } from 'vitest';
import { RecvBuffer } from '../../ts/host/recv-buffer.js';

/** Simulates a runtime read of `bytes` into the offered region. */
function read(b: RecvBuffer, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    const region = b.region();
    expect(region.length).toBeGreaterThan(0);
    const n = Math.min(region.length, bytes.length - off);
    region.set(bytes.subarray(off, off + n));
    b.complete(n);
    off += n;
  }
}

const pattern = (len: number, seed: number) => Uint8Array.from({ length: len }, (_, i) => (i * 7 + seed) & 0xff);

describe('RecvBuffer', () => {
  it('keeps order across reads, pushes, partial takes, compaction and growth', () => {
    const b = new RecvBuffer();
    const sent: Uint8Array[] = [];
    const got: Uint8Array[] = [];
    const len = (a: Uint8Array[]) => a.reduce((n, c) => n + c.length, 0);
    for (let round = 0; round < 50; round++) {
      const chunk = pattern(((round * 9973) % (300 << 10)) + 1, round);
      if (round % 3 === 0) b.push(chunk);
      else read(b, chunk);
      sent.push(chunk);
      const out = new Uint8Array(((round * 7919) % (200 << 10)) + 1);
      const n = b.take(out, false);
      got.push(out.slice(0, n));
      expect(b.size).toBe(len(sent) - len(got));
    }
    const rest = new Uint8Array(b.size);
    b.take(rest, false);
    got.push(rest);
    expect(Buffer.concat(got).equals(Buffer.concat(sent))).toBe(true);
  });

  it('peeks without consuming; clear drops the unread bytes', () => {
    const b = new RecvBuffer();
    read(b, pattern(100, 1));
    const peeked = new Uint8Array(10);
    expect(b.take(peeked, true)).toBe(10);
    const taken = new Uint8Array(10);
    expect(b.take(taken, false)).toBe(10);
    expect(taken).toEqual(peeked);
    expect(b.size).toBe(90);
    b.clear();
    expect(b.size).toBe(0);
    expect(b.take(taken, false)).toBe(0);
  });

  it('offers a region that never overlaps unread bytes', () => {
    const b = new RecvBuffer();
    const kept = pattern(40 << 10, 3);
    read(b, kept); // unread, forcing compaction or growth on the next regions
    for (let i = 0; i < 20; i++) {
      const region = b.region();
      region.fill(0xee);
      b.complete(0);
    }
    const out = new Uint8Array(kept.length);
    b.take(out, false);
    expect(Buffer.from(out).equals(kept)).toBe(true);
  });
});

describe('RecvBuffer, wrapped', () => {
  it('keeps a deep queue in order while reads wrap to the front; peeks and takes across the seam', () => {
    const b = new RecvBuffer();
    const source = pattern(8 << 20, 5);
    let sent = 0;
    let got = 0;
    const out: Uint8Array[] = [];
    const capacities = new Set<ArrayBufferLike>();
    // fill to ~600 KiB, then hold that depth: 16 KiB in, as much out in odd sizes
    for (let round = 0; sent < source.length; round++) {
      const region = b.region();
      capacities.add(region.buffer);
      const n = Math.min(region.length, 16 << 10, source.length - sent);
      region.set(source.subarray(sent, sent + n));
      b.complete(n);
      sent += n;
      if (b.size < 600 << 10) continue;
      const want = round % 5 === 0 ? 3 : (20 << 10) + (round % 7);
      const peeked = new Uint8Array(want);
      const p = b.take(peeked, true);
      const taken = new Uint8Array(want);
      expect(b.take(taken, false)).toBe(p);
      if (!Buffer.from(taken).equals(peeked)) expect.fail(`peek and take differ at round ${round}`);
      out.push(taken.subarray(0, p));
      got += p;
      if (b.size !== sent - got) expect.fail(`size ${b.size}, expected ${sent - got} at round ${round}`);
    }
    const rest = new Uint8Array(b.size);
    b.take(rest, false);
    out.push(rest);
    expect(Buffer.concat(out).equals(Buffer.from(source))).toBe(true);
    // the queue wrapped instead of growing past twice its depth
    expect(Math.max(...[...capacities].map((c) => c.byteLength))).toBeLessThanOrEqual(2 << 20);
  });

  it('clear while wrapped drops both runs, and the next read lands where the last region was offered', () => {
    const b = new RecvBuffer();
    read(b, pattern(60 << 10, 1));
    b.take(new Uint8Array(50 << 10), false);
    // the end is near and the front is free: the next region wraps to it, the unread bytes stay put
    const front = b.region();
    expect(front.byteOffset).toBe(0);
    front.set(pattern(100, 2));
    b.complete(100);
    expect(b.size).toBe((10 << 10) + 100);
    const region = b.region();
    expect(region.byteOffset).toBe(100);
    region.set(pattern(100, 9));
    b.clear();
    expect(b.size).toBe(0);
    b.complete(100);
    const out = new Uint8Array(200);
    expect(b.take(out, false)).toBe(100);
    expect(Buffer.from(out.subarray(0, 100)).equals(Buffer.from(pattern(100, 9)))).toBe(true);
  });
});
