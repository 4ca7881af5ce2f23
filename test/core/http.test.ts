// SPDX-License-Identifier: MIT
// HTTP/1.1 through the real wasm build against Node's own server on loopback.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CurlEasyError, Easy, type LookupFunction } from '../../ts/index.js';
import { compressiblePayload, patternBytes, startHttpServer } from '../fixtures/servers.js';
import { sortedCookies, transfer } from './transfer.js';
import { multiAndServer } from '../fixtures/per-file.js';

// a.test and b.test are names only this lookup knows: no query leaves the machine
const lookup: LookupFunction = (hostname, _opts, cb) => {
  if (hostname === 'a.test' || hostname === 'b.test') cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else if (hostname === 'slow.test') setTimeout(() => cb(null, [{ address: '127.0.0.1', family: 4 }]), 1500);
  else cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
};

const { rt, multi, server } = await multiAndServer(() => startHttpServer(), { lookup });

describe('HTTP/1.1', () => {
  it('GETs a body and reports status, headers and infos', async () => {
    const r = await transfer(rt, multi, `${server.url}/hello`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello world');
    expect(r.headers[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(r.easy.getInfo('CONTENT_TYPE')).toBe('text/plain');
    expect(r.easy.getInfo('PRIMARY_IP')).toBe('127.0.0.1');
    expect(r.easy.getInfo('PRIMARY_PORT')).toBe(server.port);
    expect(r.easy.getInfo('SIZE_DOWNLOAD_T')).toBe(11);
    r.easy.close();
  });

  it('HEAD has headers and no body', async () => {
    const r = await transfer(rt, multi, `${server.url}/bytes/1000`, { NOBODY: 1 });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(r.headers.some((h) => /^content-length: 1000/i.test(h))).toBe(true);
    r.easy.close();
  });

  it('POSTs fields', async () => {
    const r = await transfer(rt, multi, `${server.url}/inspect`, { POSTFIELDS: 'a=1&b=two' });
    const seen = JSON.parse(r.body.toString());
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('a=1&b=two');
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    r.easy.close();
  });

  it('streams a PUT upload from a read callback with a known size', async () => {
    const data = patternBytes(3 << 20);
    let offset = 0;
    let calls = 0;
    const r = await transfer(rt, multi, `${server.url}/upload-sha256`, {
      UPLOAD: 1,
      INFILESIZE_LARGE: data.length,
      READFUNCTION: (buf: Uint8Array) => {
        calls++;
        const n = Math.min(buf.length, data.length - offset);
        buf.set(data.subarray(offset, offset + n));
        offset += n;
        return n;
      },
    });
    const seen = JSON.parse(r.body.toString());
    expect(seen).toEqual({ length: data.length, sha256: createHash('sha256').update(data).digest('hex'), chunked: false });
    expect(calls).toBeGreaterThan(1); // streamed in pieces, never buffered whole
    r.easy.close();
  });

  it('uploads chunked when the size is unknown, and downloads chunked', async () => {
    const data = patternBytes(200_000);
    let offset = 0;
    const up = await transfer(rt, multi, `${server.url}/upload-sha256`, {
      POST: 1,
      HTTPHEADER: ['Transfer-Encoding: chunked'],
      READFUNCTION: (buf: Uint8Array) => {
        const n = Math.min(buf.length, 7000, data.length - offset);
        buf.set(data.subarray(offset, offset + n));
        offset += n;
        return n;
      },
    });
    expect(JSON.parse(up.body.toString())).toMatchObject({ length: data.length, chunked: true });
    up.easy.close();
    const down = await transfer(rt, multi, `${server.url}/chunked/500000`);
    expect(down.headers.some((h) => /^transfer-encoding: chunked/i.test(h))).toBe(true);
    expect(down.body.equals(patternBytes(500_000))).toBe(true);
    down.easy.close();
  });

  it('downloads a large body intact', async () => {
    const r = await transfer(rt, multi, `${server.url}/bytes/${20 << 20}`);
    expect(r.body.length).toBe(20 << 20);
    expect(r.body.equals(patternBytes(20 << 20))).toBe(true);
    r.easy.close();
  });

  it('reuses a keep-alive connection, as the server counts it', async () => {
    const local = await startHttpServer();
    try {
      for (let i = 0; i < 5; i++) (await transfer(rt, multi, `${local.url}/hello`)).easy.close();
      expect(local.requests).toBe(5);
      expect(local.connections).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('follows redirects across host names, and PRIMARY_IP is the real peer', async () => {
    const target = `http://b.test:${server.port}/hello`;
    const r = await transfer(rt, multi, `http://a.test:${server.port}/redirect?to=${encodeURIComponent(target)}&status=302`, {
      FOLLOWLOCATION: 1,
    });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello world');
    expect(r.easy.getInfo('EFFECTIVE_URL')).toBe(target);
    expect(r.easy.getInfo('REDIRECT_COUNT')).toBe(1);
    expect(r.easy.getInfo('PRIMARY_IP')).toBe('127.0.0.1');
    r.easy.close();
  });

  it.each(['gzip', 'deflate', 'br', 'zstd'])('decodes %s', async (enc) => {
    const r = await transfer(rt, multi, `${server.url}/${enc}`, { ACCEPT_ENCODING: '' });
    expect(r.headers.some((h) => h.toLowerCase().startsWith(`content-encoding: ${enc}`))).toBe(true);
    expect(r.body.toString()).toBe(compressiblePayload);
    r.easy.close();
  });

  it('keeps cookies in memory and sends them back', async () => {
    const easy = new Easy(rt);
    const bodies: string[] = [];
    easy.setOpt('COOKIEFILE', '');
    easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => void bodies.push(Buffer.from(d).toString()));
    easy.setOpt('URL', `${server.url}/set-cookie`);
    await multi.run(easy);
    easy.setOpt('URL', `${server.url}/cookies`);
    await multi.run(easy);
    expect(sortedCookies(JSON.parse(bodies.at(-1)!).cookie)).toBe('a=1; b=2');
    expect((easy.getInfo('COOKIELIST') as string[]).length).toBe(2);
    easy.close();
  });

  it('times out with CURLE_OPERATION_TIMEDOUT', async () => {
    const err = await transfer(rt, multi, `${server.url}/slow?ms=3000`, { TIMEOUT_MS: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
    expect(err.message).toMatch(/timed out/i);
  });

  it("measures with the host's monotonic clock (clock_gettime wrapped to clock_ms): a 300 ms wait counts, the phases in order", async () => {
    const before = performance.now();
    const r = await transfer(rt, multi, `${server.url}/slow?ms=300`);
    const elapsedUs = (performance.now() - before) * 1000;
    expect(r.body.toString()).toBe('slow');
    const t = (name: string) => r.easy.getInfo(name as never) as number;
    const phases = ['NAMELOOKUP_TIME_T', 'CONNECT_TIME_T', 'PRETRANSFER_TIME_T', 'STARTTRANSFER_TIME_T', 'TOTAL_TIME_T'].map(t);
    expect([...phases].sort((a, b) => a - b)).toEqual(phases);
    // the server answered after 300 ms: curl's clock saw at least that, and no more than this test did
    expect(t('STARTTRANSFER_TIME_T')).toBeGreaterThanOrEqual(300_000);
    expect(t('TOTAL_TIME_T')).toBeLessThanOrEqual(elapsedUs);
    r.easy.close();
  });

  it('fails a refused connection with CURLE_COULDNT_CONNECT', async () => {
    const closed = await startHttpServer();
    const port = closed.port;
    await closed.close();
    const err = await transfer(rt, multi, `http://127.0.0.1:${port}/`).catch((e) => e);
    expect(err.code).toBe('CURLE_COULDNT_CONNECT');
    expect(err.curlCode).toBe(7);
    expect(err.message).toMatch(/Failed to connect/);
  });

  it('fails an unresolvable name with CURLE_COULDNT_RESOLVE_HOST', async () => {
    const err = await transfer(rt, multi, `http://nowhere.test:${server.port}/`).catch((e) => e);
    expect(err.code).toBe('CURLE_COULDNT_RESOLVE_HOST');
    expect(err.message).toMatch(/nowhere\.test/);
  });

  it('a slow lookup does not delay a parallel transfer', async () => {
    const order: string[] = [];
    const slow = transfer(rt, multi, `http://slow.test:${server.port}/hello`).then((r) => (order.push('slow'), r));
    const fast = transfer(rt, multi, `${server.url}/hello`).then((r) => (order.push('fast'), r));
    const [s, f] = await Promise.all([slow, fast]);
    expect(order).toEqual(['fast', 'slow']);
    expect((f.easy.getInfo('TOTAL_TIME_T') as number) / 1000).toBeLessThan(1000);
    expect((s.easy.getInfo('NAMELOOKUP_TIME_T') as number) / 1000).toBeGreaterThanOrEqual(1000);
    s.easy.close();
    f.easy.close();
  });

  it('runs 1,000 transfers at once in one Multi', async () => {
    const local = await startHttpServer();
    try {
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => transfer(rt, multi, `${local.url}/bytes/${i}`)));
      results.forEach((r, i) => {
        expect(r.status).toBe(200);
        expect(r.body.length).toBe(i);
        r.easy.close();
      });
      expect(local.requests).toBe(1000);
    } finally {
      await local.close();
    }
  });
});
