// SPDX-License-Identifier: MIT
// Interop with a server nobody here wrote: Debian's nginx (see ./nginx.ts),
// through the real wasm via session.fetch() and session.request(). HTTP/1.1, HTTP/2,
// TLS 1.2 and 1.3, gzip, keep-alive, large downloads and uploads.
// Without nginx the suite fails: run `bash scripts/nginx.sh install`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, type CurlResponse } from '../../ts/index.js';
import { certs, compressiblePayload, patternBytes, sha256 } from '../fixtures/servers.js';
import { files, startNginx, type AccessEntry, type Nginx } from './nginx.js';

let nginx: Nginx;
const sessions: Session[] = [];

/** A session that trusts the test CA; names resolve to 127.0.0.1 without DNS. */
function newSession(opts: { http2?: boolean } = {}): Session {
  const s = new Session({
    ca: certs.ca,
    ...opts,
    runtimeOptions: {
      lookup: (_host, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]),
    },
  });
  sessions.push(s);
  return s;
}

beforeAll(async () => {
  nginx = await startNginx();
});
afterAll(async () => {
  try {
    await Promise.allSettled(sessions.map((s) => s.close()));
  } finally {
    await nginx?.stop();
  }
});

/** The body, then info() once the transfer is over. */
async function whole(res: CurlResponse): Promise<Buffer> {
  const body = Buffer.from(await res.bytes());
  await res.done;
  return body;
}

/** Access-log entries for a path (with its query), in order, once nginx has logged `count`. */
const logged = (uri: string, count = 1): Promise<AccessEntry[]> => nginx.waitForLog((e) => e.uri === uri, count);

describe('nginx over HTTP/1.1', () => {
  it('serves index.html', async () => {
    const session = newSession();
    const res = await session.request(`${nginx.httpUrl}/index.html?h1`);
    const body = await whole(res);
    expect(res.status).toBe(200);
    expect(res.httpVersion).toBe('1.1');
    expect(res.headers.get('server')).toBe(nginx.version);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(body.equals(files['/index.html'])).toBe(true);
    const info = res.info();
    expect(info.httpVersion).toBe('1.1');
    expect(info.primaryIp).toBe('127.0.0.1');
    expect(info.primaryPort).toBe(nginx.ports.http);
    expect(info.tls).toBeUndefined();
    expect(await logged('/index.html?h1')).toMatchObject([{ protocol: 'HTTP/1.1', tls: '', status: 200 }]);
  });

  it('downloads the 4 MiB file byte for byte', async () => {
    const session = newSession();
    const res = await session.request(`${nginx.httpUrl}/big.bin`);
    expect(res.headers.get('content-length')).toBe(String(4 << 20));
    const body = await whole(res);
    expect(body.length).toBe(4 << 20);
    expect(body.equals(patternBytes(4 << 20))).toBe(true);
    expect(res.info().bytes.downloaded).toBe(4 << 20);
  });

  it('decodes a gzip response (Accept-Encoding sent by the library)', async () => {
    const session = newSession();
    const res = await session.request(`${nginx.httpUrl}/text.txt?gzip`);
    const text = await res.text();
    const [entry] = await logged('/text.txt?gzip');
    // nginx compresses only what the client says it accepts
    expect(entry!.acceptEncoding, 'the library should advertise gzip (is zlib in libcurl.wasm?)').toMatch(/\bgzip\b/);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(text).toBe(compressiblePayload);
    expect(entry!.bodyBytesSent).toBeLessThan(compressiblePayload.length / 10); // it really was compressed
    // and through fetch()
    const f = await session.fetch(`${nginx.httpUrl}/text.txt?fetch`);
    expect(f.headers.get('content-encoding')).toBe('gzip');
    expect(await f.text()).toBe(compressiblePayload);
  });

  it('reuses the keep-alive connection for a second request', async () => {
    const session = newSession();
    const a = await session.request(`${nginx.httpUrl}/index.html?ka=1`);
    await whole(a);
    const b = await session.request(`${nginx.httpUrl}/index.html?ka=2`);
    await whole(b);
    expect(a.info().timings.connect).toBeGreaterThan(0);
    expect(b.info().timings.connect).toBe(0);
    const [first] = await logged('/index.html?ka=1');
    const [second] = await logged('/index.html?ka=2');
    expect(second!.connection).toBe(first!.connection);
    expect([first!.connectionRequests, second!.connectionRequests]).toEqual([1, 2]);
  });
});

describe('nginx over HTTPS and HTTP/2', () => {
  it('negotiates h2 (ALPN) and TLS 1.3 when both versions are offered', async () => {
    const session = newSession();
    const res = await session.request(`${nginx.httpsUrl}/index.html?h2`);
    const body = await whole(res);
    expect(res.status).toBe(200);
    expect(res.httpVersion).toBe('2');
    expect(body.equals(files['/index.html'])).toBe(true);
    const info = res.info();
    expect(info.httpVersion).toBe('2');
    expect(info.tls?.version).toBe('TLSv1.3');
    expect(info.tls?.verifyResult).toBe(0);
    expect(await logged('/index.html?h2')).toMatchObject([{ protocol: 'HTTP/2.0', tls: 'TLSv1.3', status: 200 }]);
  });

  it('runs 50 concurrent requests as streams of one HTTP/2 connection', async () => {
    const session = newSession();
    const n = 50;
    const paths = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? `/big.bin?c=${i}` : `/index.html?c=${i}`));
    const results = await Promise.all(
      paths.map(async (p) => {
        const res = await session.request(`${nginx.httpsUrl}${p}`);
        return { p, res, body: await whole(res) };
      }),
    );
    for (const { p, res, body } of results) {
      expect(res.status).toBe(200);
      expect(res.info().httpVersion).toBe('2');
      const want = p.startsWith('/big.bin') ? files['/big.bin'] : files['/index.html'];
      expect(sha256(body)).toBe(sha256(want));
    }
    const entries = await nginx.waitForLog((e) => /[?&]c=\d+$/.test(e.uri), n);
    expect(entries).toHaveLength(n);
    expect(entries.every((e) => e.protocol === 'HTTP/2.0' && e.status === 200)).toBe(true);
    expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
  });

  it('gzip over HTTP/2 too', async () => {
    const session = newSession();
    const res = await session.fetch(`${nginx.httpsUrl}/text.txt?h2gzip`);
    const text = await res.text();
    const [entry] = await logged('/text.txt?h2gzip');
    expect(entry).toMatchObject({ protocol: 'HTTP/2.0' });
    expect(entry!.acceptEncoding, 'the library should advertise gzip (is zlib in libcurl.wasm?)').toMatch(/\bgzip\b/);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(text).toBe(compressiblePayload);
  });

  it.each([
    ['tls12Url', 'TLSv1.2'],
    ['tls13Url', 'TLSv1.3'],
  ] as const)('works with the %s listener and reports %s', async (which, version) => {
    const session = newSession();
    const url = `${nginx[which]}/index.html?only=${version}`;
    const res = await session.request(url);
    const body = await whole(res);
    expect(body.equals(files['/index.html'])).toBe(true);
    const info = res.info();
    expect(info.httpVersion).toBe('2');
    expect(info.tls?.version).toBe(version);
    expect(info.tls?.cipher).toMatch(/\S/);
    expect(await logged(`/index.html?only=${version}`)).toMatchObject([{ tls: version, protocol: 'HTTP/2.0' }]);
  });

  it('reuses the TLS connection: one handshake for two sequential requests', async () => {
    const session = newSession();
    const a = await session.request(`${nginx.httpsUrl}/index.html?tka=1`);
    await whole(a);
    const b = await session.request(`${nginx.httpsUrl}/index.html?tka=2`);
    await whole(b);
    expect(a.info().timings.tls).toBeGreaterThan(0);
    expect(b.info().timings.connect).toBe(0);
    expect(b.info().timings.tls).toBe(0);
    expect((await logged('/index.html?tka=2'))[0]!.connection).toBe((await logged('/index.html?tka=1'))[0]!.connection);
  });

  // Known library bug: info().tls is read from the handshake line of curl's
  // trace ('TLSv1.3 Handshake complete, cipher is …'), which only the transfer
  // that made the connection sees; a transfer on a reused (or multiplexed)
  // TLS connection reports tls: undefined. Flip to it() once fixed.
  it('reports the TLS version for a transfer on a reused connection', async () => {
    const session = newSession();
    const a = await session.request(`${nginx.httpsUrl}/index.html?treuse=1`);
    await whole(a);
    const b = await session.request(`${nginx.httpsUrl}/index.html?treuse=2`);
    await whole(b);
    expect((await logged('/index.html?treuse=2'))[0]!.connection).toBe((await logged('/index.html?treuse=1'))[0]!.connection);
    expect(a.info().tls?.version).toBe('TLSv1.3');
    expect(b.info().tls?.version).toBe('TLSv1.3');
  });
});

describe('uploads to nginx (the body is read before the answer)', () => {
  const size = 16 << 20;
  const payload = patternBytes(size);

  it.each([
    ['HTTP/1.1', 'http', true],
    ['HTTP/1.1 over TLS', 'https', false],
    ['HTTP/2', 'https', true],
  ] as const)('POSTs 16 MiB over %s; nginx answers the length', async (label, scheme, http2) => {
    const session = newSession({ http2 });
    const base = scheme === 'http' ? nginx.httpUrl : nginx.httpsUrl;
    const uri = `/upload?${encodeURIComponent(label)}`;
    const res = await session.request(`${base}${uri}`, { method: 'POST', body: payload });
    expect(res.status).toBe(200);
    expect((await whole(res)).toString()).toBe(String(size));
    const info = res.info();
    expect(info.httpVersion).toBe(label === 'HTTP/2' ? '2' : '1.1');
    expect(info.bytes.uploaded).toBe(size);
    const [entry] = await logged(uri);
    expect(entry!.requestLength).toBeGreaterThan(size);
  });

  it.each([
    ['HTTP/1.1 (chunked)', 'http'],
    ['HTTP/2', 'https'],
  ] as const)('streams 16 MiB of unknown length over %s; nginx echoes it back intact', async (label, scheme) => {
    const session = newSession();
    const base = scheme === 'http' ? nginx.httpUrl : nginx.httpsUrl;
    let off = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (off >= size) return c.close();
        c.enqueue(payload.subarray(off, off + 65536));
        off += 65536;
      },
    });
    const res = await session.request(`${base}/echo?${encodeURIComponent(label)}`, { method: 'POST', body });
    expect(res.status).toBe(200);
    const echoed = await whole(res);
    expect(echoed.length).toBe(size);
    expect(sha256(echoed)).toBe(sha256(payload));
    expect(res.info().httpVersion).toBe(scheme === 'http' ? '1.1' : '2');
  });
});
