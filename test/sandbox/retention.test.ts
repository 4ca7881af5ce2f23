// SPDX-License-Identifier: MIT
// Regression: a Sandbox kept each transfer's AbortController, its deadline
// timer and a listener on the caller's signal until the deadline (timeoutMs
// and a grace), not until the transfer ended: a crawler sharing one signal
// across thousands of requests held one listener per request. Each is now
// let go as the transfer ends: fetch() once curl has written the whole body
// (read or not), failed, or the body was cancelled; request() the same after
// its retries; ws() once the handshake is over.
import { getEventListeners, setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kInflight } from '../../ts/curl/symbols.js';
import { type Sandbox, Session } from '../../ts/index.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { until } from '../fixtures/wait.js';
import { startWsServer } from '../fixtures/ws-server.js';
import { expectClean, sandbox } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

/** A long deadline: anything still held at the end was held for want of a release, not a timer. */
const LONG = { limits: { timeoutMs: 600_000 } };
const held = (sb: Sandbox) => sb[kInflight];
const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;
/** A body the server holds open for a minute. */
const open = () => `${server.url}/slow-body?ms=60000`;

describe('a transfer lets go of its abort, deadline and caller listener as it ends', () => {
  it('fetch(): 300 requests on one caller signal, bodies read, unread, failed or refused', async () => {
    const sb = await sandbox(LONG);
    const { signal } = new AbortController();
    setMaxListeners(100, signal); // 50 in flight at once
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const res = await sb.fetch(`${server.url}/hello?r=${round}&i=${i}`, { signal });
          expect(await res.text()).toBe('hello world');
        }),
      );
    }
    // not read: the transfer still ends once curl has queued the whole body
    const unread = await Promise.all(Array.from({ length: 50 }, () => sb.fetch(`${server.url}/bytes/1000`, { signal })));
    await until(() => held(sb) === 0);
    // refused by the policy (a denied address), before any response
    const denied = await Promise.allSettled(Array.from({ length: 50 }, () => sb.fetch('http://127.0.0.2:9/', { signal })));
    expect(denied.every((r) => r.status === 'rejected')).toBe(true);
    // refused before anything is sent (CR/LF in a header)
    await Promise.all(
      Array.from({ length: 50 }, () => expect(sb.fetch(`${server.url}/hello`, { signal, headers: { a: 'b\r\nc: d' } })).rejects.toThrow(TypeError)),
    );
    expect(held(sb)).toBe(0);
    expect(listeners(signal)).toBe(0);
    for (const res of unread) expect((await res.bytes()).length).toBe(1000);
    await expectClean(sb);
  });

  it('fetch(): a streamed body is held while curl writes it, let go when the reader cancels it', async () => {
    const sb = await sandbox(LONG);
    const { signal } = new AbortController();
    const res = await sb.fetch(open(), { signal });
    expect(held(sb)).toBe(1);
    expect(listeners(signal)).toBe(1);
    await res.body!.cancel();
    await until(() => held(sb) === 0);
    expect(listeners(signal)).toBe(0);
    await expectClean(sb);
  });

  it("fetch() and request(): the caller's abort ends the transfer and lets go", async () => {
    const sb = await sandbox(LONG);
    const caller = new AbortController();
    const res = await sb.fetch(open(), { signal: caller.signal });
    const req = await sb.request(open(), { signal: caller.signal });
    expect(held(sb)).toBe(2);
    caller.abort(new Error('stop'));
    await expect(res.text()).rejects.toThrow();
    await expect(req.text()).rejects.toThrow();
    await until(() => held(sb) === 0);
    expect(listeners(caller.signal)).toBe(0);
    await expectClean(sb);
  });

  it('request(): read, cancelled and refused transfers all let go', async () => {
    const sb = await sandbox(LONG);
    const { signal } = new AbortController();
    await Promise.all(Array.from({ length: 100 }, async () => expect(await (await sb.request(`${server.url}/hello`, { signal })).text()).toBe('hello world')));
    const streaming = await sb.request(open(), { signal });
    expect(held(sb)).toBe(1);
    await streaming.body.cancel();
    await until(() => held(sb) === 0);
    await Promise.allSettled(Array.from({ length: 20 }, () => sb.request('http://127.0.0.2:9/', { signal })));
    expect(held(sb)).toBe(0);
    expect(listeners(signal)).toBe(0);
    await expectClean(sb);
  });

  // regression: fetch() took its signal from the Request it built, which
  // follows the caller's through a controller only that Request holds, by
  // WeakRef: after a GC the caller's abort (and a sandbox's deadline and
  // destroy(), which abort through the same signal) no longer reached the
  // transfer. Every sandbox.fetch() built such a Request.
  it("fetch(): the caller's abort reaches the transfer after a garbage collection", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sb = await sandbox(LONG);
    const session = new Session();
    try {
      // the body ends by itself after 3 s: an abort that never arrived reads it whole
      const slow = `${server.url}/slow-body?ms=3000`;
      const callers = [new AbortController(), new AbortController(), new AbortController(), new AbortController()];
      const responses = [
        await sb.fetch(slow, { signal: callers[0]!.signal }),
        await sb.fetch(new Request(slow, { signal: callers[3]!.signal })),
        await session.fetch(slow, { signal: callers[1]!.signal, cache: 'no-store' }), // a field that builds a Request
        await session.fetch(new Request(slow, { signal: callers[2]!.signal })),
      ];
      await new Promise((r) => setImmediate(r)); // a WeakRef's target lives to the end of the job that made it
      gc();
      await new Promise((r) => setImmediate(r));
      gc();
      for (const c of callers) c.abort(new Error('stop'));
      for (const res of responses) await expect(res.text()).rejects.toThrow('stop');
      await until(() => held(sb) === 0);
      await expectClean(sb);
    } finally {
      await session.close();
    }
  });

  it('ws(): the handshake holds it; an open connection does not', async () => {
    const ws = await startWsServer();
    try {
      const sb = await sandbox(LONG);
      const { signal } = new AbortController();
      const conns = await Promise.all(Array.from({ length: 20 }, () => sb.ws(ws.url, { signal })));
      expect(held(sb)).toBe(0);
      expect(listeners(signal)).toBe(0);
      await Promise.allSettled(Array.from({ length: 20 }, () => sb.ws(ws.url.replace('127.0.0.1', '127.0.0.2'), { signal })));
      expect(held(sb)).toBe(0);
      expect(listeners(signal)).toBe(0);
      for (const c of conns) c.close();
      await Promise.all(conns.map((c) => c.closed));
      await expectClean(sb);
    } finally {
      await ws.close();
    }
  });
});
