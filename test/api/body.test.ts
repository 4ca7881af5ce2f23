// SPDX-License-Identifier: MIT
// Big bodies through request() and fetch() on a Session, against servers on
// loopback: every chunk a reader gets stays its own (never reused or
// overwritten by later bytes), a reader that stops reading stops the server
// (curl pauses, nothing is queued without bound), bodies arrive byte-exact in
// every framing, and a streamed upload is read only a bounded way ahead of
// what the server took.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../ts/index.js';
import { patternBytes, sha256, startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';
import { until } from '../fixtures/wait.js';

const MiB = 1 << 20;
let server: TestServer;
let session: Session;

beforeAll(async () => {
  server = await startHttpServer();
  session = new Session();
});
afterAll(async () => {
  await session.close();
  await server.close();
});

/** The chunks of a body as the reader got them, none copied. */
async function chunksOf(body: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

/** Fails unless no two chunks share a byte of memory. */
function expectDisjoint(chunks: Uint8Array[]): void {
  const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
  for (const c of chunks) {
    const ranges = byBuffer.get(c.buffer) ?? [];
    ranges.push([c.byteOffset, c.byteOffset + c.byteLength]);
    byBuffer.set(c.buffer, ranges);
  }
  for (const ranges of byBuffer.values()) {
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  }
}

describe('chunk ownership', () => {
  const N = 6 * MiB + 4321;
  const body = patternBytes(N);

  it.each(['bytes', 'chunked'])('request(): every chunk of a /%s body is kept intact after the whole body was read', async (route) => {
    const res = await session.request(`${server.url}/${route}/${N}`);
    const chunks = await chunksOf(res.body);
    expect(chunks.length).toBeGreaterThan(1);
    // held without copies until the end: a buffer reused for later bytes would show here
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    expectDisjoint(chunks);
  });

  it('fetch(): the reader keeps every chunk, and writing into one leaves the others as they were', async () => {
    const res = await session.fetch(`${server.url}/chunked/${N}`);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      expect(Buffer.from(value).equals(body.subarray(at, at + value.length))).toBe(true);
      at += value.length;
      value.fill(0); // the chunk is the reader's to overwrite
      chunks.push(value);
    }
    expect(at).toBe(N);
    expect(chunks.every((c) => c.every((b) => b === 0))).toBe(true);
    expectDisjoint(chunks);
  });
});

describe('byte-exact big bodies', () => {
  it.each([
    ['bytes', 3 * MiB + 4097],
    ['chunked', 5 * MiB + 1],
  ])('/%s of %i bytes through request() (for await) and fetch() (arrayBuffer)', async (route, n) => {
    const want = sha256(patternBytes(n));
    const res = await session.request(`${server.url}/${route}/${n}`);
    const hash = (await import('node:crypto')).createHash('sha256');
    let got = 0;
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(c);
      got += c.length;
    }
    expect(got).toBe(n);
    expect(hash.digest('hex')).toBe(want);
    const f = await session.fetch(`${server.url}/${route}/${n}`);
    expect(sha256(new Uint8Array(await f.arrayBuffer()))).toBe(want);
  });
});

/** A server that writes `size` bytes of patternBytes as fast as the client takes them, and counts what its socket accepted. */
async function countingServer(size: number): Promise<{ url: string; written: () => number; close: () => Promise<void> }> {
  const data = patternBytes(4 * MiB);
  let written = 0;
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': size });
    let off = 0;
    const pump = (): void => {
      while (off < size) {
        const k = Math.min(64 << 10, size - off);
        const at = off % data.length;
        const piece = data.subarray(at, Math.min(at + k, data.length));
        off += piece.length;
        written = off;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    written: () => written,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

/** Resolves once `value()` has not changed for 20 checks in a row (the writer has stopped). */
async function settled(value: () => number): Promise<number> {
  let last = -1;
  let same = 0;
  await until(() => {
    const v = value();
    same = v === last ? same + 1 : 0;
    last = v;
    return same >= 20;
  }, 20_000);
  return last;
}

describe('backpressure', () => {
  const SIZE = 256 * MiB;
  /** Far below SIZE: the reader's queue, curl's buffer, the bridge's and the kernel's socket buffers. */
  const BOUND = 48 * MiB;

  it.each(['request', 'fetch'] as const)('%s(): a reader that stops after one chunk stops the server; then the rest arrives exact', async (api) => {
    const srv = await countingServer(SIZE);
    try {
      const body = api === 'request' ? (await session.request(srv.url)).body : (await session.fetch(srv.url)).body!;
      const reader = body.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      const stalled = await settled(srv.written);
      expect(stalled).toBeLessThan(BOUND);
      // reading again unpauses curl: every byte comes, in order
      const data = patternBytes(4 * MiB);
      let at = 0;
      const check = (c: Uint8Array): void => {
        const from = at % data.length;
        if (from + c.length <= data.length) expect(Buffer.from(c).equals(data.subarray(from, from + c.length))).toBe(true);
        at += c.length;
      };
      check(first.value!);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        check(value);
      }
      expect(at).toBe(SIZE);
    } finally {
      await srv.close();
    }
  });
});

describe('streamed uploads', () => {
  it('mixes small and large chunks of every size, and the server gets them exact', async () => {
    const sizes = [1, 7, 16384, 300000, MiB, 3, 2 * MiB + 5, 65536, 1];
    for (let i = 0; i < 500; i++) sizes.push(1 + ((i * 7919) % 3000));
    const total = sizes.reduce((a, b) => a + b, 0);
    const all = patternBytes(total);
    async function* gen(): AsyncGenerator<Uint8Array> {
      let off = 0;
      for (const s of sizes) {
        yield new Uint8Array(all.subarray(off, off + s));
        off += s;
      }
    }
    const res = await session.request(`${server.url}/upload-sha256`, { method: 'PUT', body: gen() });
    expect(await res.json()).toEqual({ length: total, sha256: sha256(all), chunked: true });
  });

  // a chunk that was not bytes used to end the body there (the server got a truncated upload and
  // answered 200) and left an unhandled rejection
  it('a source that throws, or yields something that is not bytes, fails the request with that error', async () => {
    async function* throws(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000);
      throw new RangeError('source broke');
    }
    await expect(session.request(`${server.url}/upload-sha256`, { method: 'PUT', body: throws() })).rejects.toThrow('source broke');
    async function* notBytes(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000);
      yield 42 as unknown as Uint8Array;
    }
    await expect(session.request(`${server.url}/upload-sha256`, { method: 'PUT', body: notBytes() })).rejects.toThrow(TypeError);
    // the session is fine afterwards
    expect(await (await session.request(`${server.url}/hello`)).text()).toBe('hello world');
  });

  it('reads the source only a bounded way ahead of a server that stopped reading', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const raw = await startRawServer((socket) => {
      sockets.add(socket);
      socket.pause(); // takes nothing: kernel buffers fill, then curl must wait
    });
    let pulled = 0;
    const block = new Uint8Array(MiB);
    const ac = new AbortController();
    // 512 MiB of one block: a reader with no bound takes it all
    async function* big(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 512; i++) {
        pulled += block.length;
        yield block;
      }
    }
    const pending = session.request(`${raw.url}/`, { method: 'PUT', body: big(), signal: ac.signal });
    pending.catch(() => {});
    try {
      const stalled = await settled(() => pulled);
      expect(stalled).toBeLessThan(48 * MiB);
    } finally {
      ac.abort();
      await pending.catch(() => {});
      for (const s of sockets) s.destroy();
      await raw.close();
    }
  });
});
