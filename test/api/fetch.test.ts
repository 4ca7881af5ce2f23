// SPDX-License-Identifier: MIT
// fetch() through libcurl.wasm against Node's servers on loopback.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurlEasyError, Sandbox, Session, type CurlRequestInit } from '../../ts/index.js';
import { certs, compressiblePayload, patternBytes, startHttp2Server, startHttpServer, type TestServer } from '../fixtures/servers.js';
import { until } from '../fixtures/wait.js';

let server: TestServer;
let session: Session;
const fetch = (input: string | URL | Request, init?: CurlRequestInit) => session.fetch(input, init);

beforeAll(async () => {
  server = await startHttpServer();
  session = new Session({
    ca: certs.ca,
    runtimeOptions: {
      lookup: (host, _o, cb) =>
        host.endsWith('.test') ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []),
    },
  });
});
afterAll(async () => {
  await session.close();
  await server.close();
});

describe('fetch()', () => {
  it('returns a real Response with status, headers and a streamed body', async () => {
    const res = await fetch(`${server.url}/hello`);
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.url).toBe(`${server.url}/hello`);
    expect(res.redirected).toBe(false);
    expect(await res.text()).toBe('hello world');
  });

  it('a bodiless request sends what a Request would, and fails where a Request would', async () => {
    const seen = async (input: string | URL | Request, init?: RequestInit) =>
      (await (await fetch(input, init)).json()) as { method: string; headers: Record<string, string> };
    const plain = await seen(new URL(`${server.url}/inspect`), {
      method: 'delete',
      headers: [
        ['X-A', '1'],
        ['x-a', '2'],
        ['X-B', ' padded '],
      ],
    });
    const viaRequest = await seen(
      new Request(`${server.url}/inspect`, {
        method: 'delete',
        headers: [
          ['X-A', '1'],
          ['x-a', '2'],
          ['X-B', ' padded '],
        ],
      }),
    );
    expect(plain.method).toBe('DELETE');
    expect(plain.headers['x-a']).toBe('1, 2');
    expect(plain.headers['x-b']).toBe('padded');
    expect(plain).toEqual({ ...viaRequest, headers: { ...viaRequest.headers } });
    const errorOf = (input: string, init?: RequestInit) =>
      fetch(input, init).then(
        () => undefined,
        (e: Error) => e,
      );
    const requestError = (input: string, init?: RequestInit) => {
      try {
        new Request(input, init);
      } catch (e) {
        return e as Error;
      }
    };
    for (const [input, init] of [
      [`${server.url.replace('://', '://u:p@')}/hello`, undefined],
      ['/relative', undefined],
      [`${server.url}/hello`, { method: 'CONNECT' }],
      [`${server.url}/hello`, { redirect: 'sideways' as RequestRedirect }],
      [`${server.url}/hello`, { headers: { 'bad name': 'x' } }],
    ] as const) {
      const ours = await errorOf(input, init);
      expect(ours).toBeInstanceOf(TypeError);
      expect(ours!.message).toBe(requestError(input, init)!.message);
    }
    const aborted = AbortSignal.abort(new Error('stop'));
    await expect(fetch(`${server.url}/hello`, { signal: aborted })).rejects.toThrow('stop');
  });

  it('streams a large download without buffering it whole', async () => {
    const res = await fetch(`${server.url}/bytes/${8 << 20}`);
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of res.body!) {
      hash.update(chunk);
      n += chunk.length;
    }
    expect(n).toBe(8 << 20);
    expect(hash.digest('hex')).toBe(
      createHash('sha256')
        .update(patternBytes(8 << 20))
        .digest('hex'),
    );
  });

  it('sends a string body, JSON and URLSearchParams with the content types fetch sets', async () => {
    const a = await (await fetch(`${server.url}/inspect`, { method: 'POST', body: 'plain' })).json();
    expect(a).toMatchObject({ method: 'POST', body: 'plain' });
    expect(a.headers['content-type']).toBe('text/plain;charset=UTF-8');
    const b = await (await fetch(`${server.url}/inspect`, { method: 'PATCH', body: new URLSearchParams({ x: '1' }) })).json();
    expect(b).toMatchObject({ method: 'PATCH', body: 'x=1' });
    expect(b.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const c = await (await fetch(`${server.url}/inspect`, { method: 'DELETE' })).json();
    expect(c.method).toBe('DELETE');
  });

  it('streams an upload (duplex: half) chunked, never holding it whole', async () => {
    let pulled = 0;
    const total = 4 << 20;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= total) return c.close();
        c.enqueue(patternBytes(total).subarray(pulled, pulled + 65536));
        pulled += 65536;
      },
    });
    const res = await fetch(`${server.url}/upload-sha256`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(await res.json()).toEqual({ length: total, sha256: createHash('sha256').update(patternBytes(total)).digest('hex'), chunked: true });
  });

  it('follows redirects across hosts, with url and redirected', async () => {
    const to = `http://b.test:${server.port}/hello`;
    const res = await fetch(`http://a.test:${server.port}/redirect?to=${encodeURIComponent(to)}&status=301`);
    expect(res.status).toBe(200);
    expect(res.url).toBe(to);
    expect(res.redirected).toBe(true);
    expect(await res.text()).toBe('hello world');
  });

  it("redirect 'manual' returns the 3xx; 'error' rejects", async () => {
    const url = `${server.url}/redirect?to=/hello&status=302`;
    const manual = await fetch(url, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/hello');
    await expect(fetch(url, { redirect: 'error' })).rejects.toThrow(TypeError);
  });

  it('getSetCookie() lists each Set-Cookie', async () => {
    const res = await fetch(`${server.url}/set-cookie`);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
  });

  it('decodes gzip, br and zstd', async () => {
    for (const enc of ['gzip', 'br', 'zstd']) expect(await (await fetch(`${server.url}/${enc}`)).text()).toBe(compressiblePayload);
  });

  it('aborts mid-transfer: rejects or errors the body with the signal reason, nothing leaks', async () => {
    const ac = new AbortController();
    const before = server.requests;
    const pending = fetch(`${server.url}/slow?ms=5000`, { signal: ac.signal });
    void until(() => server.requests > before).then(() => ac.abort()); // once the server has it
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const ac2 = new AbortController();
    const res = await fetch(`${server.url}/bytes/${64 << 20}`, { signal: ac2.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac2.abort();
    await expect(async () => {
      for (;;) if ((await reader.read()).done) break;
    }).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects with the TypeError fetch specifies, the curl error as cause', async () => {
    const err = await fetch('http://nowhere.invalid/').catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('fetch failed');
    expect(err.cause).toBeInstanceOf(CurlEasyError);
    expect(err.cause.code).toBe('CURLE_COULDNT_RESOLVE_HOST');
  });

  it('speaks HTTP/2 over TLS when the server offers it', async () => {
    const h2 = await startHttp2Server();
    try {
      const res = await fetch(`${h2.url}/hello`);
      expect(await res.text()).toBe('hello world');
      expect(h2.sessions).toBe(1);
    } finally {
      await h2.close();
    }
  });

  it('takes curl options through init.curl', async () => {
    const res = await fetch(`${server.url}/inspect`, { curl: { USERAGENT: 'curl-option/1' } });
    expect((await res.json()).headers['user-agent']).toBe('curl-option/1');
  });

  // regression: a stream body fetch() rejected before any transfer was left
  // uncancelled, its producer waiting for a reader that never came
  it('a stream body is cancelled with the error when fetch() rejects before a transfer reads it', async () => {
    const sandbox = await Sandbox.create({ policy: { preset: 'none' }, limits: { maxRequestHeaders: 1 } });
    try {
      const url = `${server.url}/upload-sha256`;
      const cases: [string, (body: ReadableStream<Uint8Array>) => Promise<Response>][] = [
        ['an unsupported scheme', (body) => fetch(`ftp://127.0.0.1:${server.port}/`, { method: 'POST', body, duplex: 'half' } as RequestInit)],
        ['an aborted signal', (body) => fetch(url, { method: 'POST', body, duplex: 'half', signal: AbortSignal.abort(new Error('gone')) } as RequestInit)],
        ['CR/LF in a header', (body) => fetch(url, { method: 'POST', body, duplex: 'half', curl: { USERAGENT: 'a\r\nb: 1' } } as RequestInit)],
        [
          'a Request input, aborted',
          (body) => fetch(new Request(url, { method: 'POST', body, duplex: 'half', signal: AbortSignal.abort(new Error('gone')) } as RequestInit)),
        ],
        [
          'a Sandbox: a refused option',
          (body) => sandbox.fetch(url, { method: 'POST', body, duplex: 'half', curl: { PROXY: 'http://127.0.0.1:1' } } as RequestInit),
        ],
        [
          'a Sandbox: past maxRequestHeaders',
          (body) => sandbox.fetch(url, { method: 'POST', body, duplex: 'half', headers: { a: '1', b: '2' } } as RequestInit),
        ],
        [
          'a Sandbox: an aborted signal',
          (body) => sandbox.fetch(url, { method: 'POST', body, duplex: 'half', signal: AbortSignal.abort(new Error('gone')) } as RequestInit),
        ],
      ];
      const before = server.connections;
      for (const [name, attempt] of cases) {
        let cancelled: unknown = 'not cancelled';
        const body = new ReadableStream<Uint8Array>({
          pull: () => {}, // never ends: only a cancel lets its producer go
          cancel: (reason) => void (cancelled = reason),
        });
        const err = await attempt(body).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, name).toBeDefined();
        // a Request's copy of the body passes the cancel on to it in microtasks
        await new Promise((r) => setImmediate(r));
        expect(cancelled, name).toBe(err);
      }
      expect(server.connections).toBe(before);
      // a body a transfer takes is read, not cancelled
      const ok = await fetch(url, { method: 'POST', body: new Blob(['abc']).stream(), duplex: 'half' } as RequestInit);
      expect((await ok.json()).length).toBe(3);
    } finally {
      await sandbox.destroy();
    }
  });
});
