// SPDX-License-Identifier: MIT
// An upload source is closed when its transfer ends before the source did
// (the server answered early, the transfer failed or was aborted), as
// undici's fetch does: an async iterator's return(), a ReadableStream's
// cancel(), a Node Readable's destroy(), even while a read of it waits.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurlError, Session } from '../../ts/index.js';
import { startRawServer, type TestServer } from '../fixtures/servers.js';
import { until } from '../fixtures/wait.js';

let early: http.Server;
let earlyUrl: string;
let session: Session;

beforeAll(async () => {
  // answers 413 before reading any of the body (curl then stops sending, as
  // it does for any status from 300 up; a 2xx it goes on sending to)
  early = http.createServer((_req, res) => {
    res.writeHead(413, { 'content-type': 'text/plain' });
    res.end('early');
  });
  await new Promise<void>((r) => early.listen(0, '127.0.0.1', r));
  earlyUrl = `http://127.0.0.1:${(early.address() as { port: number }).port}`;
  session = new Session();
});
afterAll(async () => {
  await session.close();
  early.closeAllConnections();
  await new Promise((r) => early.close(r));
});

const block = new Uint8Array(64 << 10);

/** An endless async generator that notes when it was closed. */
function endless(): { body: AsyncGenerator<Uint8Array>; closed: () => boolean } {
  let closed = false;
  async function* gen(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) yield block;
    } finally {
      closed = true;
    }
  }
  return { body: gen(), closed: () => closed };
}

/** A stream that gives `n` chunks and then never answers a read. */
function stalling(n: number): { body: ReadableStream<Uint8Array>; reason: () => unknown; cancelled: () => boolean } {
  let given = 0;
  let cancelled = false;
  let reason: unknown;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (given++ < n) c.enqueue(block.slice());
      else return new Promise(() => {}); // a read that waits for ever
    },
    cancel(r) {
      cancelled = true;
      reason = r;
    },
  });
  return { body, reason: () => reason, cancelled: () => cancelled };
}

/** A Node Readable that gives one chunk and then nothing. */
function stallingReadable(): Readable {
  let given = false;
  return new Readable({
    read() {
      if (!given) this.push(block);
      given = true;
    },
  });
}

describe('an upload the server answers before reading', () => {
  it('request(): closes an endless async generator', async () => {
    const src = endless();
    const res = await session.request(`${earlyUrl}/413`, { method: 'POST', body: src.body });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe('early');
    await until(src.closed);
  });

  it('request(): cancels a ReadableStream whose read waits', async () => {
    const src = stalling(2);
    const res = await session.request(`${earlyUrl}/413`, { method: 'PUT', body: src.body });
    expect(res.status).toBe(413);
    await res.text();
    await until(src.cancelled);
  });

  it('request(): destroys a Node Readable that has nothing more to give', async () => {
    const body = stallingReadable();
    const res = await session.request(`${earlyUrl}/413`, { method: 'PUT', body });
    expect(res.status).toBe(413);
    await res.text();
    await until(() => body.destroyed);
  });

  it('fetch(): cancels the ReadableStream body (a Blob stream too)', async () => {
    const src = stalling(1);
    const res = await session.fetch(`${earlyUrl}/413`, { method: 'POST', body: src.body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    await res.text();
    await until(src.cancelled);
    // a Blob's stream is left cancelled and unlocked, not locked mid-read
    const blob = new Blob([new Uint8Array(64 << 20)]).stream();
    const res2 = await session.fetch(`${earlyUrl}/413`, { method: 'POST', body: blob, duplex: 'half' } as RequestInit);
    expect(res2.status).toBe(413);
    await res2.text();
    await until(() => !blob.locked);
    expect(await blob.getReader().read()).toEqual({ done: true, value: undefined });
  });
});

describe('an upload whose request is refused before it starts', () => {
  it('cancels the stream with the error (a bad header name, an unknown curl option)', async () => {
    const a = stalling(1);
    const err = await session.request(`${earlyUrl}/`, { method: 'PUT', body: a.body, headers: { 'bad name': 'x' } }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    await until(a.cancelled);
    expect(a.reason()).toBe(err);
    const b = stallingReadable();
    await expect(session.request(`${earlyUrl}/`, { method: 'PUT', body: b, curl: { NO_SUCH_OPTION: 1 } as never })).rejects.toThrow();
    await until(() => b.destroyed);
  });
});

describe('an upload whose transfer fails or is aborted', () => {
  let raw: TestServer;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    raw = await startRawServer((s) => {
      sockets.add(s);
      s.once('data', () => s.resetAndDestroy());
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await raw.close();
  });

  it('a connection reset mid-upload cancels the stream with the error', async () => {
    const src = stalling(1);
    const err = await session.request(`${raw.url}/`, { method: 'PUT', body: src.body }).catch((e) => e);
    expect(err).toBeInstanceOf(CurlError);
    await until(src.cancelled);
    expect(src.reason()).toBe(err);
  });

  it('an abort while a read of the source waits cancels it with the abort reason', async () => {
    const paused = await startRawServer((s) => s.pause());
    try {
      const src = stalling(1);
      const ac = new AbortController();
      const pending = session.request(`${paused.url}/`, { method: 'PUT', body: src.body, signal: ac.signal });
      await new Promise((r) => setTimeout(r, 50));
      const why = new Error('stop');
      ac.abort(why);
      await expect(pending).rejects.toBe(why);
      await until(src.cancelled);
      expect(src.reason()).toBe(why);
    } finally {
      await paused.close();
    }
  });

  it('an abort closes an endless generator and destroys a Node Readable', async () => {
    const paused = await startRawServer((s) => s.pause());
    try {
      const src = endless();
      const node = stallingReadable();
      const ac = new AbortController();
      const a = session.request(`${paused.url}/`, { method: 'PUT', body: src.body, signal: ac.signal });
      const b = session.request(`${paused.url}/`, { method: 'PUT', body: node, signal: ac.signal });
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      await expect(a).rejects.toThrow();
      await expect(b).rejects.toThrow();
      await until(src.closed);
      await until(() => node.destroyed);
    } finally {
      await paused.close();
    }
  });
});
