// SPDX-License-Identifier: MIT
// request() through the real wasm against loopback servers: the response
// (status, version, headers, redirect heads), its body in every form, what
// curl measured (timings, addresses, TLS), progress, the trace, uploads from
// Node streams and async generators, JSON bodies and typed errors.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CurlEasyError, CurlResponse, Runtime, Session, type Progress, type RequestOptions } from '../../ts/index.js';
import { certs, closedPort, patternBytes, sha256, startHttp2Server, startHttpServer, startHttpsServer, type TestServer } from '../fixtures/servers.js';
import { until } from '../fixtures/wait.js';

let rt: Runtime;
let server: TestServer;
let https: TestServer;
let session: Session;
const request = (url: string, opts?: RequestOptions) => session.request(url, opts);

beforeAll(async () => {
  rt = await Runtime.create({
    lookup: (host, _o, cb) =>
      host === 'localhost' || host.endsWith('.test')
        ? cb(null, [{ address: '127.0.0.1', family: 4 }])
        : cb(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []),
  });
  server = await startHttpServer();
  https = await startHttpsServer();
  session = new Session({ runtime: rt, ca: certs.ca });
});
afterAll(async () => {
  await session.close();
  await Promise.all([server.close(), https.close()]);
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('the response', () => {
  it('has status, statusText, httpVersion, headers, rawHeaders and url', async () => {
    const res = await request(`${server.url}/headers`);
    expect(res).toBeInstanceOf(CurlResponse);
    expect(res.status).toBe(200);
    expect(res.statusText).toBe('OK');
    expect(res.httpVersion).toBe('1.1');
    expect(res.url).toBe(`${server.url}/headers`);
    expect(res.headers).toBeInstanceOf(Headers);
    expect(res.headers.get('x-one')).toBe('1');
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(res.rawHeaders.filter(([k]) => k.toLowerCase() === 'x-multi')).toEqual([
      ['x-multi', 'a'],
      ['x-multi', 'b'],
    ]);
    expect(res.previous).toEqual([]);
    expect(await res.text()).toBe('ok');
  });

  it('headers is one Headers, made from rawHeaders when first read, also after the body was read', async () => {
    // made on first use (Node loads its fetch implementation for the first Headers of a process)
    const res = await request(`${server.url}/headers`);
    expect(await res.text()).toBe('ok');
    const headers = res.headers;
    expect(res.headers).toBe(headers);
    expect([...headers.keys()]).toEqual([...new Set(res.rawHeaders.map(([k]) => k.toLowerCase()))].sort());
  });

  it('answers error statuses as responses, not errors', async () => {
    const res = await request(`${server.url}/status/404`);
    expect(res.status).toBe(404);
    expect(res.statusText).toBe('Not Found');
    expect(await res.text()).toBe('status 404');
  });

  it('previous holds each redirect head of the chain', async () => {
    const res = await request(`${server.url}/redirect-chain/3`);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${server.url}/redirect-chain/0`);
    expect(await res.text()).toBe('done');
    expect(res.previous).toHaveLength(3);
    expect(res.previous.map((h) => h.status)).toEqual([302, 302, 302]);
    expect(res.previous.map((h) => h.httpVersion)).toEqual(['1.1', '1.1', '1.1']);
    expect(res.previous.map((h) => h.headers.find(([k]) => k.toLowerCase() === 'location')?.[1])).toEqual([
      '/redirect-chain/2',
      '/redirect-chain/1',
      '/redirect-chain/0',
    ]);
    // each head carries the URL it answered
    expect(res.previous.map((h) => h.url)).toEqual([3, 2, 1].map((n) => `${server.url}/redirect-chain/${n}`));
    await res.done;
    expect(res.info().redirectCount).toBe(3);
  });

  it("redirect: 'manual' answers the 302 itself", async () => {
    const res = await request(`${server.url}/redirect-chain/3`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/redirect-chain/2');
    expect(res.previous).toEqual([]);
    expect(await res.text()).toBe('redirect');
  });

  it('maxRedirects stops following: curl fails with TOO_MANY_REDIRECTS', async () => {
    const err = await request(`${server.url}/redirect-chain/3`, { maxRedirects: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_TOO_MANY_REDIRECTS' });
  });

  it('a HEAD has headers and an empty body', async () => {
    const res = await request(`${server.url}/bytes/1000`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('1000');
    expect((await res.bytes()).length).toBe(0);
  });
});

describe('the body', () => {
  it('as text()', async () => {
    expect(await (await request(`${server.url}/hello`)).text()).toBe('hello world');
  });

  it('as json()', async () => {
    const body = await (await request(`${server.url}/inspect?q=1`)).json();
    expect(body).toMatchObject({ method: 'GET', url: '/inspect?q=1' });
  });

  it('as bytes()', async () => {
    const bytes = await (await request(`${server.url}/bytes/100000`)).bytes();
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes).equals(patternBytes(100000))).toBe(true);
  });

  it('as a web ReadableStream (body)', async () => {
    const res = await request(`${server.url}/chunked/${3 << 20}`);
    expect(res.body).toBeInstanceOf(ReadableStream);
    const reader = res.body.getReader();
    const hash = createHash('sha256');
    let n = 0;
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      n += value.length;
      chunks++;
    }
    expect(n).toBe(3 << 20);
    expect(chunks).toBeGreaterThan(1);
    expect(hash.digest('hex')).toBe(sha256(patternBytes(3 << 20)));
  });

  it('as a Node Readable (nodeStream())', async () => {
    const res = await request(`${server.url}/bytes/${2 << 20}`);
    const stream = res.nodeStream();
    expect(stream).toBeInstanceOf(Readable);
    const body = await collect(stream);
    expect(body.length).toBe(2 << 20);
    expect(sha256(body)).toBe(sha256(patternBytes(2 << 20)));
  });
});

describe('info()', () => {
  it('has ordered timings, addresses, sizes and the URL', async () => {
    const res = await request(`${server.url}/bytes/5000`);
    await res.bytes();
    await res.done;
    const info = res.info();
    const t = info.timings;
    expect(t.nameLookup).toBeGreaterThanOrEqual(0);
    expect(t.nameLookup).toBeLessThanOrEqual(t.connect);
    expect(t.connect).toBeLessThanOrEqual(t.pretransfer);
    expect(t.pretransfer).toBeLessThanOrEqual(t.firstByte);
    expect(t.firstByte).toBeLessThanOrEqual(t.total);
    expect(t.total).toBeGreaterThan(0);
    expect(t.tls).toBe(0);
    expect(info).toMatchObject({
      url: `${server.url}/bytes/5000`,
      status: 200,
      httpVersion: '1.1',
      primaryIp: '127.0.0.1',
      primaryPort: server.port,
      localIp: '127.0.0.1',
      redirectCount: 0,
      tls: undefined,
    });
    expect(info.localPort).toBeGreaterThan(0);
    expect(info.bytes.downloaded).toBe(5000);
    expect(info.bytes.headers).toBeGreaterThan(0);
  });

  it('measures a slow server: firstByte after the wait', async () => {
    const res = await request(`${server.url}/slow?ms=150`);
    await res.text();
    await res.done;
    const t = res.info().timings;
    expect(t.firstByte).toBeGreaterThanOrEqual(140);
    expect(t.total).toBeGreaterThanOrEqual(t.firstByte);
  });

  it('over https: TLS version, cipher and the handshake time', async () => {
    const res = await request(`${https.url}/hello`);
    expect(await res.text()).toBe('hello world');
    await res.done;
    const info = res.info();
    expect(info.tls).toBeDefined();
    expect(info.tls!.version).toMatch(/^TLSv1\.[23]$/);
    expect(info.tls!.cipher).toMatch(/\S/);
    expect(info.tls!.verifyResult).toBe(0);
    expect(info.timings.connect).toBeLessThanOrEqual(info.timings.tls);
    expect(info.timings.tls).toBeLessThanOrEqual(info.timings.pretransfer);
    expect(info.primaryIp).toBe('127.0.0.1');
    expect(info.primaryPort).toBe(https.port);
  });

  it('reports the TLS version that was negotiated (1.2 and 1.3)', async () => {
    for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
      const srv = await startHttpsServer({ minVersion: v, maxVersion: v });
      onTestFinished(() => srv.close());
      const res = await request(`${srv.url}/hello`);
      await res.text();
      await res.done;
      expect(res.info().tls?.version).toBe(v);
    }
  });

  it('reports TLS for a request that reused the connection', async () => {
    const srv = await startHttpsServer();
    onTestFinished(() => srv.close());
    const first = await request(`${srv.url}/hello`);
    await first.text();
    await first.done;
    const second = await request(`${srv.url}/hello`);
    await second.text();
    await second.done;
    expect(srv.connections).toBe(1); // the same connection
    expect(second.info().tls).toEqual(first.info().tls);
    expect(second.info().tls).toBeDefined();
  });

  it('reports TLS after an http:// to https:// redirect', async () => {
    const to = `${https.url}/hello`;
    const res = await request(`${server.url}/redirect?to=${encodeURIComponent(to)}`);
    expect(await res.text()).toBe('hello world');
    await res.done;
    expect(res.info().url).toBe(to);
    expect(res.info().tls?.version).toMatch(/^TLSv1\.[23]$/);
  });

  it('httpVersion is 2 against an h2 server, in the response and in info()', async () => {
    const h2 = await startHttp2Server();
    onTestFinished(() => h2.close());
    const res = await request(`${h2.url}/hello`);
    expect(res.httpVersion).toBe('2');
    expect(await res.text()).toBe('hello world');
    await res.done;
    expect(res.info().httpVersion).toBe('2');
  });
});

describe('progress and trace', () => {
  it('download progress reaches the total for /bytes/N', async () => {
    const N = 3 << 20;
    const seen: Progress[] = [];
    const res = await request(`${server.url}/bytes/${N}`, { onProgress: (p) => void seen.push(structuredClone(p)) });
    expect((await res.bytes()).length).toBe(N);
    await res.done;
    expect(seen.length).toBeGreaterThan(1);
    const loaded = seen.map((p) => p.download.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b)); // never goes back
    expect(seen.at(-1)!.download).toEqual({ loaded: N, total: N });
    expect(seen.some((p) => p.download.loaded > 0 && p.download.loaded < N)).toBe(true);
  });

  it('upload progress reaches the total for a 2 MiB body', async () => {
    const N = 2 << 20;
    const seen: Progress[] = [];
    const res = await request(`${server.url}/upload-sha256`, { body: patternBytes(N), onProgress: (p) => void seen.push(structuredClone(p)) });
    expect(await res.json()).toEqual({ length: N, sha256: sha256(patternBytes(N)), chunked: false });
    await res.done;
    const uploaded = seen.map((p) => p.upload.loaded);
    expect(uploaded).toEqual([...uploaded].sort((a, b) => a - b));
    expect(seen.at(-1)!.upload).toEqual({ loaded: N, total: N });
    expect(seen.some((p) => p.upload.loaded > 0 && p.upload.loaded < N)).toBe(true);
  });

  it("onDebug gets curl's trace: the request head as header-out", async () => {
    const trace: { type: number; text: string }[] = [];
    const res = await request(`${server.url}/hello`, {
      onDebug: (type, data) => void trace.push({ type, text: Buffer.from(data).toString('latin1') }),
    });
    expect(await res.text()).toBe('hello world');
    await res.done;
    const HEADER_OUT = 2;
    const HEADER_IN = 1;
    const TEXT = 0;
    const out = trace
      .filter((t) => t.type === HEADER_OUT)
      .map((t) => t.text)
      .join('');
    expect(out).toContain('GET /hello HTTP/1.1\r\n');
    expect(out).toContain(`Host: 127.0.0.1:${server.port}\r\n`);
    expect(
      trace
        .filter((t) => t.type === HEADER_IN)
        .map((t) => t.text)
        .join(''),
    ).toContain('HTTP/1.1 200 OK');
    expect(trace.some((t) => t.type === TEXT)).toBe(true);
  });
});

describe('request bodies', () => {
  const N = (1 << 20) + 12345;
  const expected = { length: N, sha256: sha256(patternBytes(N)), chunked: true };
  function* pieces(): Generator<Buffer> {
    const all = patternBytes(N);
    for (let off = 0; off < N; off += 40000) yield all.subarray(off, off + 40000);
  }

  it('uploads from a Node Readable (stream.Readable.from(generator)), chunked', async () => {
    const res = await request(`${server.url}/upload-sha256`, { body: Readable.from(pieces()) });
    expect(await res.json()).toEqual(expected);
  });

  it('uploads from an async generator, chunked', async () => {
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (const p of pieces()) {
        await new Promise((r) => setImmediate(r));
        yield new Uint8Array(p);
      }
    }
    const res = await request(`${server.url}/upload-sha256`, { method: 'PUT', body: gen() });
    expect(await res.json()).toEqual(expected);
  });

  it('uploads from a web ReadableStream', async () => {
    const res = await request(`${server.url}/upload-sha256`, { body: Readable.toWeb(Readable.from(pieces())) as ReadableStream<Uint8Array> });
    expect(await res.json()).toEqual(expected);
  });

  it('a failing upload source fails the request with its error', async () => {
    const boom = new Error('source broke');
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      throw boom;
    }
    const err = await request(`${server.url}/upload-sha256`, { body: gen() }).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });

  it('json: sends JSON with content-type application/json (method POST)', async () => {
    const body = (await (await request(`${server.url}/inspect`, { json: { a: 1, b: ['x', null] } })).json()) as {
      method: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(body.method).toBe('POST');
    expect(body.headers['content-type']).toBe('application/json');
    expect(body.headers['content-length']).toBe(String(JSON.stringify({ a: 1, b: ['x', null] }).length));
    expect(JSON.parse(body.body)).toEqual({ a: 1, b: ['x', null] });
    // an explicit content type wins, and the method can be any
    const put = (await (
      await request(`${server.url}/inspect`, { method: 'PUT', json: [1], headers: { 'Content-Type': 'application/vnd.x+json' } })
    ).json()) as typeof body;
    expect(put.method).toBe('PUT');
    expect(put.headers['content-type']).toBe('application/vnd.x+json');
    expect(put.body).toBe('[1]');
  });

  it("does not modify the caller's header array", async () => {
    const headers: [string, string][] = [['x-a', '1']];
    await (await request(`${server.url}/inspect`, { json: { a: 1 }, headers })).json();
    expect(headers).toEqual([['x-a', '1']]);
  });

  it('string and URLSearchParams bodies', async () => {
    const a = (await (await request(`${server.url}/inspect`, { body: 'plain text' })).json()) as {
      method: string;
      body: string;
      headers: Record<string, string>;
    };
    expect(a).toMatchObject({ method: 'POST', body: 'plain text' });
    expect(a.headers['content-type']).toBeUndefined(); // curl's default form type is not sent
    const b = (await (await request(`${server.url}/inspect`, { body: new URLSearchParams({ k: 'v w' }) })).json()) as typeof a;
    expect(b.body).toBe('k=v+w');
    expect(b.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  });
});

describe('errors', () => {
  it('a refused connection is a CurlEasyError CURLE_COULDNT_CONNECT', async () => {
    const port = await closedPort();
    const err = await request(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_COULDNT_CONNECT', curlCode: 7, name: 'CurlEasyError' });
  });

  it('an unknown host is CURLE_COULDNT_RESOLVE_HOST', async () => {
    const err = await request('http://nowhere.invalid/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_COULDNT_RESOLVE_HOST', curlCode: 6 });
  });

  it('an aborted signal rejects with its reason', async () => {
    const ac = new AbortController();
    const before = server.requests;
    const pending = request(`${server.url}/slow?ms=5000`, { signal: ac.signal });
    void until(() => server.requests > before).then(() => ac.abort()); // once the server has it
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
