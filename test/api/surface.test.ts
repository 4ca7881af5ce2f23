// SPDX-License-Identifier: MIT
// The public surface as one shape (issue 13), through the real wasm against
// loopback servers: fetch/request/ws as Session methods and as top-level
// functions taking { session }; a stateless default fetch; a connection pool
// that follows the load (Session and Multi); one branded error base with a
// stable code; TypeErrors that name the option.
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, onTestFinished, vi } from 'vitest';
import {
  compileLibcurl,
  CurlEasyError,
  CurlError,
  CurlResponse,
  Easy,
  fetch,
  fetchOn,
  LibcurlWasmError,
  LimitExceeded,
  Multi,
  PolicyDenied,
  ProcessExit,
  request,
  requestOn,
  Runtime,
  Sandbox,
  Session,
  WasmLoadError,
  WebSocket,
  WorkerPool,
  ws,
  wsConnect,
  type WsConnection,
} from '../../ts/index.js';
import { validateSandboxOptions } from '../../ts/api/validate.js';
import { certs, closedPort, startHttpServer, startHttpsServer, type TestServer } from '../fixtures/servers.js';

let server: TestServer;
let wss: WebSocketServer;
let wsUrl: string;

beforeAll(async () => {
  server = await startHttpServer();
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  wss.on('connection', (sock) => sock.on('message', (data, binary) => sock.send(data, { binary })));
});
afterAll(async () => {
  await server.close();
  for (const c of wss.clients) c.terminate();
  await new Promise((r) => wss.close(r));
});

function open(options: ConstructorParameters<typeof Session>[0] = {}): Session {
  const s = new Session(options);
  onTestFinished(() => s.close());
  return s;
}

async function cookieSent(res: Response | CurlResponse): Promise<string | null> {
  return ((await res.json()) as { cookie: string | null }).cookie;
}

async function echo(conn: WsConnection, text: string): Promise<string> {
  conn.send(text);
  for await (const m of conn) if (m.type === 'text') return m.text ?? '';
  throw new Error('closed before the echo');
}

describe('one shape: methods on Session, { session } on the top-level functions', () => {
  it("session.fetch(), session.request() and fetch/request(…, { session }) share the session's jar", async () => {
    const s = open();
    expect((await s.fetch(`${server.url}/set-cookie`)).status).toBe(200);
    expect(await cookieSent(await s.request(`${server.url}/cookies`))).toMatch(/a=1/);
    expect(await cookieSent(await fetch(`${server.url}/cookies`, { session: s }))).toMatch(/a=1/);
    expect(await cookieSent(await request(`${server.url}/cookies`, { session: s }))).toMatch(/a=1/);
  });

  it('session.ws() and ws(url, { session }) open on that session; a closed session refuses', async () => {
    const s = open();
    const a = await s.ws(wsUrl);
    const b = await ws(wsUrl, { session: s });
    expect([await echo(a, 'one'), await echo(b, 'two')]).toEqual(['one', 'two']);
    await Promise.all([a.close(), b.close()]);
    await s.close();
    await expect(s.ws(wsUrl)).rejects.toThrow(/closed/);
  });

  it('a method refuses options.session naming another session', async () => {
    const s = open();
    const other = open();
    await expect(s.request(server.url, { session: other } as never)).rejects.toThrow(TypeError);
    await expect(s.fetch(server.url, { session: other } as never)).rejects.toThrow(/another Session/);
    // its own session is fine
    expect((await s.request(`${server.url}/hello`, { session: s } as never)).status).toBe(200);
  });

  it('the deprecated fetchOn, requestOn and wsConnect still work, as thin wrappers', async () => {
    const s = open();
    await fetchOn(s, `${server.url}/set-cookie`);
    expect(await cookieSent(await requestOn(s, `${server.url}/cookies`))).toMatch(/a=1/);
    const conn = await wsConnect(wsUrl, { session: s });
    expect(await echo(conn, 'old')).toBe('old');
    await conn.close();
  });

  it('Session, Sandbox and WorkerPool have the same three methods and the same response types (compile time)', () => {
    for (const host of [Session, Sandbox, WorkerPool]) {
      expect(typeof host.prototype.fetch).toBe('function');
      expect(typeof host.prototype.request).toBe('function');
      expect(typeof host.prototype.ws).toBe('function');
    }
    expectTypeOf<Awaited<ReturnType<Session['request']>>>().toEqualTypeOf<CurlResponse>();
    expectTypeOf<Awaited<ReturnType<Sandbox['request']>>>().toEqualTypeOf<CurlResponse>();
    expectTypeOf<Awaited<ReturnType<WorkerPool['request']>>>().toEqualTypeOf<CurlResponse>();
    expectTypeOf<Awaited<ReturnType<typeof request>>>().toEqualTypeOf<CurlResponse>();
    expectTypeOf<Awaited<ReturnType<Session['fetch']>>>().toEqualTypeOf<Response>();
    expectTypeOf<Awaited<ReturnType<Sandbox['fetch']>>>().toEqualTypeOf<Response>();
    expectTypeOf<Awaited<ReturnType<WorkerPool['fetch']>>>().toEqualTypeOf<Response>();
    expectTypeOf<Awaited<ReturnType<Session['ws']>>>().toEqualTypeOf<WsConnection>();
    expectTypeOf<Awaited<ReturnType<Sandbox['ws']>>>().toEqualTypeOf<WsConnection>();
    expectTypeOf<Awaited<ReturnType<WorkerPool['ws']>>>().toEqualTypeOf<WsConnection>();
    expectTypeOf<Awaited<ReturnType<typeof ws>>>().toEqualTypeOf<WsConnection>();
  });

  it("request() answers a CurlResponse whose httpVersion is info()'s format", async () => {
    const r = await request(`${server.url}/hello`);
    expect(r).toBeInstanceOf(CurlResponse);
    expect(r.threadId).toBeUndefined();
    await r.text();
    await r.done;
    expect(r.httpVersion).toBe('1.1');
    expect(r.info().httpVersion).toBe(r.httpVersion);
    expect(r.previous).toEqual([]);
  });
});

describe('the default fetch() and request() are stateless between calls', () => {
  it('a cookie set by one call is never sent by the next (fetch, request, either order)', async () => {
    await fetch(`${server.url}/set-cookie`).then((r) => r.text());
    expect(await cookieSent(await fetch(`${server.url}/cookies`))).toBeNull();
    await (await request(`${server.url}/set-cookie`)).text();
    expect(await cookieSent(await request(`${server.url}/cookies`))).toBeNull();
    expect(await cookieSent(await fetch(`${server.url}/cookies`))).toBeNull();
  });

  it('credentials of one call are not sent by the next', async () => {
    const auth = async (r: Response | CurlResponse) => ((await r.json()) as { headers: Record<string, string | undefined> }).headers.authorization;
    const withUser = new URL(`${server.url}/inspect`);
    withUser.username = 'user';
    withUser.password = 'secret';
    expect(await auth(await request(withUser))).toBe(`Basic ${btoa('user:secret')}`);
    expect(await auth(await request(`${server.url}/inspect`, { curl: { USERPWD: 'other:pw' } }))).toBe(`Basic ${btoa('other:pw')}`);
    expect(await auth(await request(`${server.url}/inspect`))).toBeUndefined();
    expect(await auth(await fetch(`${server.url}/inspect`))).toBeUndefined();
  });

  it('still reuses the connection between calls', async () => {
    const srv = await startHttpServer();
    onTestFinished(() => srv.close());
    for (let i = 0; i < 3; i++) expect(await (await fetch(`${srv.url}/hello`)).text()).toBe('hello world');
    expect(srv.connections).toBe(1);
  });

  it('a Session keeps its cookies by default, and not with cookies: false', async () => {
    const keeps = open();
    await keeps.fetch(`${server.url}/set-cookie`);
    expect(await cookieSent(await keeps.fetch(`${server.url}/cookies`))).toMatch(/a=1/);
    const forgets = open({ cookies: false });
    await forgets.fetch(`${server.url}/set-cookie`);
    expect(await cookieSent(await forgets.fetch(`${server.url}/cookies`))).toBeNull();
  });
});

/**
 * An HTTP/1.1 server that answers nothing until `n` requests wait at once:
 * every burst of `n` needs `n` connections at the same time.
 */
async function barrierServer(n: number): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let waiting: http.ServerResponse[] = [];
  let connections = 0;
  const srv = http.createServer((_req, res) => {
    waiting.push(res);
    if (waiting.length < n) return;
    for (const r of waiting) r.end('ok');
    waiting = [];
  });
  srv.keepAliveTimeout = 60_000;
  srv.on('connection', () => connections++);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`,
    connections: () => connections,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

describe('the connection pool follows the load', () => {
  it('Session: bursts of 100 requests in flight reuse 100 connections, burst after burst', async () => {
    const n = 100;
    const srv = await barrierServer(n);
    onTestFinished(() => srv.close());
    const s = open({ http2: false });
    for (let burst = 0; burst < 3; burst++) {
      const bodies = await Promise.all(Array.from({ length: n }, () => s.request(srv.url).then((r) => r.text())));
      expect(bodies.every((b) => b === 'ok')).toBe(true);
      expect(srv.connections()).toBe(n); // the pool kept every one: no churn
    }
  });

  it('Multi: without MAXCONNECTS the pool keeps as many connections as transfers ran at once', async () => {
    const n = 40;
    const srv = await barrierServer(n);
    onTestFinished(() => srv.close());
    const rt = await Runtime.create();
    const multi = new Multi(rt);
    onTestFinished(() => multi.close());
    const burst = () =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const easy = new Easy(rt).setOpt('URL', srv.url).setOpt('WRITEFUNCTION', (d: Uint8Array) => d.length);
          try {
            await multi.run(easy);
          } finally {
            easy.close();
          }
        }),
      );
    await burst();
    await burst();
    expect(srv.connections()).toBe(n);
  });

  it('Multi: MAXCONNECTS set by the caller is kept (curl closes what is over it)', async () => {
    const n = 10;
    const srv = await barrierServer(n);
    onTestFinished(() => srv.close());
    const rt = await Runtime.create();
    const multi = new Multi(rt).setOpt('MAXCONNECTS', 2);
    onTestFinished(() => multi.close());
    const burst = () =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const easy = new Easy(rt).setOpt('URL', srv.url).setOpt('WRITEFUNCTION', (d: Uint8Array) => d.length);
          try {
            await multi.run(easy);
          } finally {
            easy.close();
          }
        }),
      );
    await burst();
    await burst();
    expect(srv.connections()).toBeGreaterThan(n);
  });
});

describe('one error base with a stable code', () => {
  it("a failed transfer is a CurlEasyError, a CurlError and a LibcurlWasmError with curl's C name as code", async () => {
    const err = await request(`http://127.0.0.1:${await closedPort()}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toBeInstanceOf(CurlError);
    expect(err).toBeInstanceOf(LibcurlWasmError);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(LimitExceeded);
    expect(err).toMatchObject({ code: 'CURLE_COULDNT_CONNECT', curlCode: 7, name: 'CurlEasyError' });
  });

  it('LimitExceeded, PolicyDenied, ProcessExit and WasmLoadError share the base, each with its code', async () => {
    const limit = await request(`${server.url}/bytes/100000`, { limits: { maxBodyBytes: 10 } })
      .then((r) => r.bytes())
      .catch((e: unknown) => (e as Error).cause);
    expect(limit).toBeInstanceOf(LimitExceeded);
    expect(limit).toBeInstanceOf(LibcurlWasmError);
    expect(limit).toMatchObject({ code: 'ERR_SANDBOX_LIMIT', limit: 'maxBodyBytes', value: 10, name: 'LimitExceeded' });
    const denied = new PolicyDenied('not in allowHosts', 'example.org');
    expect(denied).toBeInstanceOf(LibcurlWasmError);
    expect(denied).toMatchObject({ code: 'ERR_SANDBOX_POLICY', rule: 'not in allowHosts', target: 'example.org', name: 'PolicyDenied' });
    expect(denied).not.toBeInstanceOf(CurlError);
    const exit = new ProcessExit(3);
    expect(exit).toBeInstanceOf(LibcurlWasmError);
    expect(exit).toMatchObject({ code: 'ERR_PROCESS_EXIT', exitCode: 3, name: 'ProcessExit' });
    const bad = await compileLibcurl(new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9])).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(WasmLoadError);
    expect(bad).toMatchObject({ code: 'ERR_WASM_COMPILE', name: 'WasmLoadError' });
    expect((bad as Error).cause).toBeInstanceOf(WebAssembly.CompileError);
    const missing = await compileLibcurl('/nonexistent/libcurl.wasm').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(LibcurlWasmError);
    expect(missing).toMatchObject({ code: 'ERR_WASM_NOT_FOUND' });
  });

  it('instanceof holds for an error made by another copy of the package (the brand, not the prototype)', async () => {
    // a second evaluation of the modules, as the CJS build beside the ESM one
    vi.resetModules();
    const copy = await import('../../ts/index.js');
    expect(copy.CurlEasyError).not.toBe(CurlEasyError);
    const foreign = new copy.LimitExceeded('maxBodyBytes', 1);
    expect(foreign).toBeInstanceOf(LimitExceeded);
    expect(foreign).toBeInstanceOf(LibcurlWasmError);
    expect(foreign).not.toBeInstanceOf(PolicyDenied);
    expect(new PolicyDenied('r', 't')).toBeInstanceOf(copy.LibcurlWasmError);
    const err = await copy.request(`http://127.0.0.1:${await closedPort()}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toBeInstanceOf(CurlError);
    expect(err).not.toBeInstanceOf(WasmLoadError);
    // a caller's own subclass keeps ordinary instanceof
    class Mine extends LibcurlWasmError {}
    expect(new Mine('ERR_MINE', 'mine')).toBeInstanceOf(Mine);
    expect(foreign).not.toBeInstanceOf(Mine);
  });

  it("curl's TLS failures have messages without a trailing newline", async () => {
    const servers = await Promise.all([
      startHttpsServer({ cert: 'untrusted' }),
      startHttpsServer({ cert: 'expired' }),
      startHttpsServer({ cert: 'wronghost' }),
    ]);
    onTestFinished(() => Promise.all(servers.map((s) => s.close())).then(() => {}));
    const s = open({ ca: certs.ca, curl: { RESOLVE: servers.map((x) => `localhost:${x.port}:127.0.0.1`) } });
    for (const srv of servers) {
      const err = await s.request(`${srv.url}/hello`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CurlEasyError);
      expect((err as Error).message).not.toBe('');
      expect((err as Error).message).toBe((err as Error).message.trimEnd());
    }
  });
});

/** Expects `fn` to throw (or reject with) a TypeError whose message matches `message`. */
async function typeError(fn: () => unknown, message: RegExp): Promise<TypeError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TypeError);
  expect((err as Error).message).toMatch(message);
  expect((err as { code?: string }).code).toMatch(/^ERR_INVALID_ARG_(TYPE|VALUE)$/);
  return err as TypeError;
}

describe('options are checked up front, with TypeErrors that name the option', () => {
  const url = () => `${server.url}/hello`;

  it('request()', async () => {
    await typeError(() => request(url(), { timeoutMs: '5' as never }), /request: options\.timeoutMs must be a number ≥ 0, not the string "5"/);
    await typeError(() => request(url(), { method: 42 as never }), /options\.method must be a string, not number 42/);
    await typeError(() => request(url(), { timeoutMs: -1 }), /options\.timeoutMs/);
    await typeError(() => request(url(), { redirect: 'never' as never }), /options\.redirect must be one of 'follow', 'manual', 'error'/);
    await typeError(() => request(url(), { maxRedirects: 1.5 }), /options\.maxRedirects must be an integer/);
    await typeError(() => request(url(), { headers: { a: 1 } as never }), /options\.headers\.a must be a string/);
    await typeError(() => request(url(), { retry: { retries: '2' } as never }), /options\.retry\.retries/);
    await typeError(() => request(url(), { curl: 'VERBOSE' as never }), /options\.curl must be a plain object/);
    await typeError(() => request(url(), { onProgress: 1 as never }), /options\.onProgress must be a function/);
    await typeError(() => request(url(), { method: 'POST', body: 42 as never }), /options\.body must be a string, a Uint8Array/);
    await typeError(() => request(url(), { method: 'POST', body: { a: 1 } as never }), /options\.body must be/);
    const unknown = await typeError(
      () => request(url(), { timeout: 5000 } as never),
      /options\.timeout must be one of the known options \(method, headers, body,.*timeoutMs/,
    );
    expect(unknown.message).not.toMatch(/enforced/); // the Sandbox's internal channel is not offered
    await typeError(() => request(url(), { session: {} as never }), /options\.session must be a Session/);
    await typeError(() => request(42 as never), /request: url must be a string or a URL/);
    await typeError(() => open().request(url(), { timeoutMs: '5' as never }), /Session\.request: options\.timeoutMs/);
  });

  it('fetch()', async () => {
    await typeError(() => fetch(url(), { timeoutMs: '5' as never }), /fetch: init\.timeoutMs must be a number/);
    await typeError(() => fetch(url(), { method: 42 as never }), /fetch: init\.method must be a string/);
    await typeError(() => fetch(url(), { maxRedirects: -2 }), /init\.maxRedirects/);
    await typeError(() => fetch(url(), { limits: { maxBodyBytes: '1' } as never }), /init\.limits\.maxBodyBytes/);
    await typeError(() => open().fetch(url(), { curl: [] as never }), /Session\.fetch: init\.curl must be a plain object/);
    // RequestInit's own fields stay the platform's: unknown ones are ignored, as fetch does; null is an empty init
    expect((await fetch(url(), null)).status).toBe(200);
    expect((await fetch(url(), { cache: 'no-store', whatever: 1 } as never)).status).toBe(200);
  });

  it('Session', async () => {
    await typeError(() => new Session({ timeoutMs: '5' as never }), /Session: options\.timeoutMs must be a number/);
    await typeError(() => new Session({ maxConnections: -1 }), /options\.maxConnections must be an integer ≥ 0/);
    await typeError(() => new Session({ cookies: 'yes' as never }), /options\.cookies must be true or false/);
    await typeError(() => new Session({ proxy: 8080 as never }), /options\.proxy/);
    await typeError(() => new Session({ ca: [1] as never }), /options\.ca\[0\] must be a string/);
    await typeError(() => new Session({ verfy: false } as never), /options\.verfy must be one of the known options/);
    await typeError(() => new Session('x' as never), /Session: options must be an object/);
  });

  it('ws() and WebSocket', async () => {
    await typeError(() => ws(wsUrl, { timeoutMs: '5' as never }), /ws: options\.timeoutMs must be a number/);
    await typeError(() => open().ws(wsUrl, { protocols: 5 as never }), /Session\.ws: options\.protocols/);
    await typeError(() => new WebSocket(wsUrl, [], { maxMessageSize: 'big' as never }), /WebSocket: options\.maxMessageSize/);
  });

  it('SandboxOptions, through the shared validator', async () => {
    await typeError(() => validateSandboxOptions({ limits: { timeoutMs: '5' } }), /Sandbox: options\.limits\.timeoutMs must be a number/);
    await typeError(() => validateSandboxOptions({ policy: { allowHosts: 'example.org' } }), /options\.policy\.allowHosts must be an array of strings/);
    await typeError(() => validateSandboxOptions({ policy: { preset: 'private' } }), /options\.policy\.preset must be one of 'public', 'none'/);
    await typeError(() => validateSandboxOptions({ protocols: ['http', 1] }), /options\.protocols\[1\] must be a string/);
    expect(() => validateSandboxOptions({ policy: { preset: 'public', allowPorts: [443] }, limits: { maxSandboxBytesIn: Infinity } })).not.toThrow();
  });
});
