// SPDX-License-Identifier: MIT
// WorkerPool through the real wasm in real worker threads, against Node's
// servers on loopback: requests spread over workers, bodies both ways, HTTPS,
// typed errors rebuilt on this thread, aborts, close(), a worker that dies,
// and what cannot cross threads.
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurlEasyError, CurlResponse, LibcurlWasmError, LimitExceeded, WorkerPool, WorkerPoolError } from '../../ts/index.js';
import { kPoolWorkers } from '../../ts/curl/symbols.js';
import { certs, closedPort, patternBytes, sha256, startHttpServer, startHttpsServer, type TestServer } from '../fixtures/servers.js';
import { until } from '../fixtures/wait.js';

let server: TestServer;
let https: TestServer;
let pool: WorkerPool;

beforeAll(async () => {
  [server, https] = await Promise.all([startHttpServer(), startHttpsServer()]);
  // the certificate names localhost: RESOLVE pins it, so no lookup leaves the machine
  pool = await WorkerPool.create({ workers: 2, session: { ca: certs.ca, curl: { RESOLVE: [`localhost:${https.port}:127.0.0.1`] } } });
});
afterAll(async () => {
  await pool?.close();
  await Promise.all([server.close(), https.close()]);
});

describe('WorkerPool', () => {
  it('spreads concurrent requests over both workers, each with its own connection', async () => {
    const srv = await startHttpServer();
    try {
      const rs = await Promise.all([1, 2].map(() => pool.request(`${srv.url}/slow?ms=200`)));
      expect(await Promise.all(rs.map(async (r) => [r.status, await r.text()]))).toEqual([
        [200, 'slow'],
        [200, 'slow'],
      ]);
      const threads = new Set(rs.map((r) => r.threadId));
      expect(threads.size).toBe(2);
      expect([...threads].sort()).toEqual(pool.workers.map((w) => w.threadId).sort());
      expect(srv.connections).toBe(2); // two wasm instances, two connection pools
    } finally {
      await srv.close();
    }
  });

  it('sends a request to the worker with the fewest in flight', async () => {
    const slow = pool.request(`${server.url}/slow?ms=1000`);
    await until(() => pool.workers.some((w) => w.inFlight === 1));
    const busy = pool.workers.find((w) => w.inFlight === 1)!.threadId;
    for (let i = 0; i < 3; i++) expect((await pool.request(`${server.url}/hello`)).threadId).not.toBe(busy);
    expect((await slow).threadId).toBe(busy);
  });

  it('answers a CurlResponse: status, heads, redirect hops, info and the whole body, its ArrayBuffer its own', async () => {
    const r = await pool.request(`${server.url}/redirect-chain/2`);
    expect(r).toBeInstanceOf(CurlResponse);
    expect(r).toMatchObject({ status: 200, statusText: 'OK', httpVersion: '1.1', url: `${server.url}/redirect-chain/0` });
    expect(r.previous.map((h) => h.status)).toEqual([302, 302]);
    expect(r.headers.get('content-type')).toBe('text/plain');
    expect(r.rawHeaders).toContainEqual(['content-type', 'text/plain']);
    await r.done;
    const body = await r.bytes();
    expect(new TextDecoder().decode(body)).toBe('done');
    expect(body.byteOffset).toBe(0);
    expect(body.buffer.byteLength).toBe(body.byteLength);
    expect(r.body.locked).toBe(true); // read once, as a Response's body
    expect(r.info()).toMatchObject({ status: 200, httpVersion: r.httpVersion, primaryIp: '127.0.0.1', redirectCount: 2 });
    expect(r.info().timings.total).toBeGreaterThan(0);
    // the body as a stream, as request() on this thread gives it
    const streamed = await pool.request(`${server.url}/hello`);
    expect(await new Response(streamed.body).text()).toBe('hello world');
  });

  it('moves a multi-MiB body byte-exact both ways, and JSON, text and form bodies', async () => {
    const big = patternBytes(12 << 20);
    const down = await pool.request(`${server.url}/bytes/${big.length}`);
    const downBody = await down.bytes();
    expect(downBody.length).toBe(big.length);
    expect(sha256(downBody)).toBe(sha256(big));
    const up = await pool.request(`${server.url}/upload-sha256`, { method: 'POST', body: big });
    expect(await up.json()).toEqual({ length: big.length, sha256: sha256(big), chunked: false });
    // a view sends its own bytes, not its whole buffer
    const view = big.subarray(1000, 1000 + 5000);
    const echoed = await pool.request(`${server.url}/echo`, { method: 'PUT', body: view });
    expect(Buffer.from(await echoed.bytes()).equals(view)).toBe(true);
    const j = (await (await pool.request(`${server.url}/inspect`, { json: { a: [1, 'x'] } })).json()) as { headers: Record<string, string> };
    expect(j).toMatchObject({ method: 'POST', body: '{"a":[1,"x"]}' });
    expect(j.headers['content-type']).toBe('application/json');
    const form = (await (
      await pool.request(`${server.url}/inspect`, { body: new URLSearchParams({ q: 'a b' }), headers: new Headers({ 'x-h': '1' }) })
    ).json()) as { headers: Record<string, string> };
    expect(form).toMatchObject({ body: 'q=a+b' });
    expect(form.headers).toMatchObject({ 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', 'x-h': '1' });
  });

  it("fetch() answers a real Response; errors are fetch's TypeError with the CurlEasyError as cause", async () => {
    const res = await pool.fetch(`${server.url}/redirect?status=301&to=/hello`);
    expect(res).toBeInstanceOf(Response);
    expect([res.status, res.url, res.redirected, await res.text()]).toEqual([200, `${server.url}/hello`, true, 'hello world']);
    const posted = await pool.fetch(new Request(`${server.url}/upload-sha256`, { method: 'POST', body: new Uint8Array(patternBytes(100_000)) }));
    expect(await posted.json()).toMatchObject({ length: 100_000, sha256: sha256(patternBytes(100_000)) });
    expect((await pool.fetch(`${server.url}/status/204`)).body).toBeNull();
    const err = await pool.fetch(`http://127.0.0.1:${await closedPort()}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('fetch failed');
    expect((err as Error).cause).toBeInstanceOf(CurlEasyError);
    expect((err as Error).cause).toMatchObject({ code: 'CURLE_COULDNT_CONNECT', curlCode: 7 });
    await expect(pool.fetch(`${server.url}/redirect?to=/hello`, { redirect: 'error' })).rejects.toThrow(/unexpected redirect/);
  });

  it("HTTPS with the session's CA: TLS 1.3, verified; another CA is CURLE_PEER_FAILED_VERIFICATION", async () => {
    const r = await pool.request(`${https.url}/hello`);
    expect(await r.text()).toBe('hello world');
    expect(r.info().tls).toMatchObject({ version: 'TLSv1.3', verifyResult: 0 });
    const err = await pool.request(`${https.url}/hello`, { curl: { CAINFO_BLOB: certs.otherCa } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_PEER_FAILED_VERIFICATION', curlCode: 60, name: 'CurlEasyError' });
  });

  it("a refused connection is a CurlEasyError with curl's code and text, rebuilt on this thread", async () => {
    const port = await closedPort();
    const err = await pool.request(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_COULDNT_CONNECT', curlCode: 7, kind: 'easy', name: 'CurlEasyError' });
    expect((err as Error).message).toMatch(new RegExp(`Failed to connect to 127\\.0\\.0\\.1 port ${port}`));
    expect((err as Error).stack).toMatch(/multi\.ts/); // the worker's stack: where curl reported it
  });

  it('a limit crossed in the worker keeps its cause chain: CurlEasyError → LimitExceeded', async () => {
    const err = await pool.request(`${server.url}/bytes/100000`, { limits: { maxBodyBytes: 1000 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect((err as CurlEasyError).code).toBe('CURLE_WRITE_ERROR');
    expect((err as Error).cause).toBeInstanceOf(LimitExceeded);
    expect((err as Error).cause).toMatchObject({ limit: 'maxBodyBytes', value: 1000 });
  });

  it("abort mid-transfer rejects with the signal's reason and the worker drops the transfer", async () => {
    const srv = await startHttpServer();
    try {
      const ac = new AbortController();
      const pending = pool.request(`${srv.url}/slow-body?ms=10000`, { signal: ac.signal }); // head now, body in 10 s
      await until(() => srv.requests === 1);
      ac.abort();
      await expect(pending).rejects.toBe(ac.signal.reason); // not the body, 10 s away
      await until(() => srv.openSockets === 0); // the worker's curl closed the connection mid-body
      await until(() => pool.workers.every((w) => w.inFlight === 0));
      // fetch(): the same, and an already-aborted signal never reaches a worker
      const ac2 = new AbortController();
      const f = pool.fetch(`${srv.url}/slow?ms=10000`, { signal: ac2.signal });
      void until(() => srv.requests === 2).then(() => ac2.abort()); // once the server has it
      await expect(f).rejects.toMatchObject({ name: 'AbortError' });
      const before = srv.requests;
      await expect(pool.request(`${srv.url}/hello`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
      expect(srv.requests).toBe(before + 0);
    } finally {
      await srv.close();
    }
  });

  it('refuses what cannot cross threads with a TypeError: streams, callbacks, handles', async () => {
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => c.close() });
    await expect(pool.request(server.url, { method: 'POST', body: stream as never })).rejects.toThrow(TypeError);
    await expect(pool.request(server.url, { method: 'POST', body: stream as never })).rejects.toThrow(/stream body cannot be sent to a worker thread/);
    await expect(pool.request(server.url, { method: 'POST', body: Readable.from([Buffer.from('x')]) as never })).rejects.toThrow(/stream body/);
    await expect(
      pool.request(server.url, {
        method: 'POST',
        body: (async function* () {
          yield new Uint8Array(1);
        })() as never,
      }),
    ).rejects.toThrow(/stream body/);
    await expect(pool.fetch(server.url, { method: 'POST', body: stream as never, duplex: 'half' } as never)).rejects.toThrow(/stream body/);
    await expect(pool.request(server.url, { onProgress: () => {} } as never)).rejects.toThrow(/onProgress cannot be sent/);
    await expect(pool.request(server.url, { curl: { WRITEFUNCTION: () => 0 } as never })).rejects.toThrow(/curl option WRITEFUNCTION cannot be sent/);
    await expect(WorkerPool.create({ workers: 1, session: { curl: { XFERINFOFUNCTION: () => 0 } as never } })).rejects.toThrow(TypeError);
  });

  it('has the same three methods as a Session: ws() is refused with a typed error (a WebSocket cannot cross threads)', async () => {
    const err = await pool.ws('ws://127.0.0.1:1/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerPoolError);
    expect(err).toBeInstanceOf(LibcurlWasmError);
    expect(err).toMatchObject({ code: 'ERR_POOL_WS_UNSUPPORTED', name: 'WorkerPoolError' });
  });

  it('checks options on this thread, with TypeErrors that name the option', async () => {
    await expect(pool.request(server.url, { timeoutMs: '5' as never })).rejects.toThrow(
      /WorkerPool\.request: options\.timeoutMs must be a number ≥ 0, not the string "5"/,
    );
    await expect(pool.request(server.url, { method: 42 as never })).rejects.toThrow(/options\.method must be a string/);
    await expect(pool.fetch(server.url, { timeoutMs: '5' as never })).rejects.toThrow(/WorkerPool\.fetch: init\.timeoutMs/);
    await expect(WorkerPool.create({ workers: 0 })).rejects.toThrow(/WorkerPool\.create: options\.workers must be an integer ≥ 1/);
    await expect(WorkerPool.create({ workers: '2' as never })).rejects.toThrow(TypeError);
    await expect(WorkerPool.create({ session: { cookies: 'no' as never } })).rejects.toThrow(/options\.session\.cookies must be true or false/);
    await expect(WorkerPool.create({ session: { runtime: {} } as never })).rejects.toThrow(/options\.session\.runtime must be one of the known options/);
  });

  it('a worker that dies fails its requests with ERR_POOL_WORKER_EXITED and is replaced', async () => {
    const p = await WorkerPool.create({ workers: 2 });
    try {
      const pending = p.request(`${server.url}/slow?ms=5000`);
      await until(() => p.workers.some((w) => w.inFlight === 1));
      const victim = p[kPoolWorkers].find((w) => w.threadId === p.workers.find((x) => x.inFlight === 1)!.threadId)!;
      const dead = victim.threadId;
      void victim.terminate();
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerPoolError);
      expect(err).toMatchObject({ code: 'ERR_POOL_WORKER_EXITED' });
      await until(() => p.workers.length === 2, 15_000);
      expect(p.workers.map((w) => w.threadId)).not.toContain(dead);
      const rs = await Promise.all([1, 2].map(() => p.request(`${server.url}/slow?ms=100`)));
      expect(new Set(rs.map((r) => r.threadId)).size).toBe(2);
    } finally {
      await p.close();
    }
  });

  it('close() rejects pending requests with ERR_POOL_CLOSED, terminates every worker, refuses new requests', async () => {
    const p = await WorkerPool.create({ workers: 2 });
    const workers = p[kPoolWorkers];
    const pending = [1, 2, 3].map(() => p.request(`${server.url}/slow?ms=5000`).catch((e: unknown) => e));
    await until(() => p.workers.reduce((n, w) => n + w.inFlight, 0) === 3);
    await p.close();
    for (const err of await Promise.all(pending)) {
      // not the bodies, 5 s away
      expect(err).toBeInstanceOf(WorkerPoolError);
      expect(err).toMatchObject({ code: 'ERR_POOL_CLOSED' });
    }
    expect(workers.map((w) => w.threadId)).toEqual([-1, -1]); // terminated
    expect(p.workers).toEqual([]);
    await expect(p.request(`${server.url}/hello`)).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
    await p.close(); // idempotent
  });

  const child = fileURLToPath(new URL('./pool-child.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const runChild = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(tsx, [child, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
      );
    });

  it('a process with an open, idle pool exits by itself (idle workers do not hold it)', async () => {
    expect((await runChild([`${server.url}/hello`])).trim()).toBe('200 200 threads 2');
  });

  it('after close() nothing is left: no worker, no handle, and the process exits by itself', async () => {
    expect((await runChild([`${server.url}/hello`, 'close'])).trim().split('\n')).toEqual(['200 200 threads 2', 'closed, resources: []']);
  });
});
