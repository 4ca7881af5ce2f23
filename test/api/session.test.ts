// SPDX-License-Identifier: MIT
// Session through the real wasm against loopback servers and proxies:
// connection limits, the cookie jar and its export/import, default headers,
// HTTP/HTTPS-CONNECT/SOCKS4/4a/5/5h proxies (with and without credentials,
// and from the environment), retries and timeouts.
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CurlEasyError, Runtime, Session, type LookupFunction, type RequestOptions, type SessionOptions } from '../../ts/index.js';
import { startHttpProxy, startSocksProxy } from '../fixtures/proxies.js';
import { certs, startHttpServer, startHttpsServer, startRawServer, type TestServer } from '../fixtures/servers.js';

/** Names the wasm may resolve; everything else (a.test in particular) fails. */
const KNOWN: Record<string, string> = {
  localhost: '127.0.0.1',
  'b.test': '127.0.0.1',
  // two sites under the public suffix co.uk, and a second name in one of them
  'x.example.co.uk': '127.0.0.1',
  'www.example.co.uk': '127.0.0.1',
  'y.other.co.uk': '127.0.0.1',
};
/** Every name the session's resolver was asked for. */
const asked: string[] = [];
const lookup: LookupFunction = (host, _o, cb) => {
  asked.push(host);
  const address = KNOWN[host];
  if (address) cb(null, [{ address, family: 4 }]);
  else cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
};
/** What only the proxies know. */
const PROXY_HOSTS = { 'a.test': '127.0.0.1' };

let rt: Runtime;
let server: TestServer;

beforeAll(async () => {
  rt = await Runtime.create({ lookup });
  server = await startHttpServer();
});
afterAll(async () => {
  await server.close();
});

/** A session on the shared runtime (unless options say otherwise), closed after the test. */
function open(options: SessionOptions = {}): Session {
  const s = new Session({ runtime: options.runtimeOptions ? undefined : rt, ...options });
  onTestFinished(() => s.close());
  return s;
}

async function started<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const x = await p;
  onTestFinished(() => x.close());
  return x;
}

async function text(s: Session, url: string, opts?: RequestOptions): Promise<string> {
  return (await s.request(url, opts)).text();
}

async function inspect(
  s: Session,
  url: string,
  opts?: RequestOptions,
): Promise<{ method: string; url: string; headers: Record<string, string>; body: string }> {
  return (await s.request(url, opts)).json() as never;
}

async function sentCookie(s: Session, host?: string): Promise<string | null> {
  const base = host ? `http://${host}:${server.port}` : server.url;
  return ((await (await s.request(`${base}/cookies`)).json()) as { cookie: string | null }).cookie;
}

/** A Cookie header's pairs in a stable order (curl orders same-path cookies by its own rules). */
function sorted(cookie: string | null): string[] | null {
  return cookie === null ? null : cookie.split('; ').sort();
}

/** The CurlEasyError a request fails with. */
async function failure(p: Promise<unknown>): Promise<CurlEasyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CurlEasyError);
  return err as CurlEasyError;
}

describe('connection limits', () => {
  it('maxConnectionsPerHost: 2 runs 10 parallel requests over at most 2 connections', async () => {
    const srv = await started(startHttpServer());
    const s = open({ maxConnectionsPerHost: 2 });
    const bodies = await Promise.all(Array.from({ length: 10 }, () => text(s, `${srv.url}/slow?ms=200`)));
    expect(bodies).toEqual(Array(10).fill('slow'));
    expect(srv.requests).toBe(10);
    expect(srv.connections).toBeGreaterThanOrEqual(1);
    expect(srv.connections).toBeLessThanOrEqual(2);
    expect(srv.peakInFlight).toBe(2); // two at a time, as the server saw them
  });

  it('without a limit the same 10 requests open many more connections (the control)', async () => {
    const srv = await started(startHttpServer());
    const s = open();
    const bodies = await Promise.all(Array.from({ length: 10 }, () => text(s, `${srv.url}/slow?ms=200`)));
    expect(bodies).toEqual(Array(10).fill('slow'));
    expect(srv.peakInFlight).toBeGreaterThan(4);
    // (not always 10: with PIPEWAIT a transfer may wait for a connection that
    // might multiplex, then reuse one that has finished)
    expect(srv.connections).toBeGreaterThan(4);
  });

  it('keeps idle connections for the next wave of requests (no reconnects)', async () => {
    const srv = await started(startHttpServer());
    const s = open({ maxConnectionsPerHost: 20 });
    for (let wave = 0; wave < 3; wave++) {
      const bodies = await Promise.all(Array.from({ length: 20 }, () => text(s, `${srv.url}/slow?ms=50`)));
      expect(bodies).toEqual(Array(20).fill('slow'));
    }
    expect(srv.requests).toBe(60);
    expect(srv.connections).toBeLessThanOrEqual(20);
  });

  it('maxConnections: 2 caps connections across hosts', async () => {
    const srv = await started(startHttpServer()); // one server under two host names, so it sees every request
    const resolve = ['one.test', 'two.test'].map((h) => `${h}:${srv.port}:127.0.0.1`);
    const s = open({ maxConnections: 2, curl: { RESOLVE: resolve } });
    const urls = Array.from({ length: 8 }, (_, i) => `http://${i % 2 ? 'one' : 'two'}.test:${srv.port}/slow?ms=200`);
    const bodies = await Promise.all(urls.map((u) => text(s, u)));
    expect(bodies).toEqual(Array(8).fill('slow'));
    expect(srv.requests).toBe(8);
    expect(srv.peakInFlight).toBe(2); // at most two in flight across both hosts
  });
});

describe('reused handles', () => {
  interface Seen {
    method: string;
    headers: Record<string, string>;
    body: string;
  }
  const inspect = async (s: Session, opts?: RequestOptions): Promise<Seen> => JSON.parse(await text(s, `${server.url}/inspect`, opts)) as Seen;

  it('a handle that keeps its options between requests carries nothing of one request into the next', async () => {
    const s = open({ cookies: false });
    // one at a time: every request runs on the handle the one before gave back
    const a = await inspect(s, { headers: { 'x-first': '1' } });
    expect([a.method, a.headers['x-first']]).toEqual(['GET', '1']);
    const b = await inspect(s, { method: 'POST', body: 'abc', headers: { 'content-type': 'x/y' } });
    expect([b.method, b.body, b.headers['content-type'], b.headers['x-first']]).toEqual(['POST', 'abc', 'x/y', undefined]);
    const c = await inspect(s);
    expect([c.method, c.body, c.headers['content-type'], c.headers['content-length'], c.headers['x-first']]).toEqual([
      'GET',
      '',
      undefined,
      undefined,
      undefined,
    ]);
    const head = await s.request(`${server.url}/inspect`, { method: 'HEAD' });
    expect([head.status, (await head.bytes()).length]).toEqual([200, 0]);
    const d = await inspect(s, { method: 'PUT', body: 'xyz' });
    expect([d.method, d.body]).toEqual(['PUT', 'xyz']);
    const e = await inspect(s, { method: 'DELETE' });
    expect([e.method, e.body]).toEqual(['DELETE', '']);
    const f = await inspect(s, { headers: { 'x-second': '2' } });
    expect([f.method, f.headers['x-second'], f.headers['x-first']]).toEqual(['GET', '2', undefined]);
    expect((await s.request(`${server.url}/redirect?to=/hello`, { redirect: 'manual' })).status).toBe(302);
    expect(await text(s, `${server.url}/redirect?to=/hello`)).toBe('hello world');
    expect((await s.request(`${server.url}/redirect?to=/hello`, { redirect: 'manual' })).status).toBe(302);
    let progress = 0;
    expect(await text(s, `${server.url}/hello`, { onProgress: () => void progress++ })).toBe('hello world');
    expect(progress).toBeGreaterThan(0);
    const g = await inspect(s);
    expect([g.method, g.body]).toEqual(['GET', '']);
  });
});

describe('the CA bundle', () => {
  it("connections point at the session's CA bundle instead of a copy each (curl-src/patches/0013)", async () => {
    const { rootCertificates } = await import('node:tls');
    const pem = rootCertificates.join('\n');
    expect(pem.length).toBeGreaterThan(100_000); // the runtime's roots: what curl copied per connection
    const own = await Runtime.create({ lookup });
    const s = open({ runtime: own, cookies: false }); // the default trust store
    const bodies = await Promise.all(Array.from({ length: 20 }, () => text(s, `${server.url}/slow?ms=100`)));
    expect(bodies).toEqual(Array(20).fill('slow'));
    // 20 connections kept open; a copy of the roots in each was 20 x ~210 KB
    expect(own.exports.lcw_heap_in_use()).toBeLessThan(2 << 20);
  });
});

describe('memory under many small requests', () => {
  it('100 small GETs at once, three times over, keep wasm memory at its first size (F is the JS heap, not curl)', async () => {
    const own = await Runtime.create({ lookup });
    const s = open({ runtime: own, cookies: false });
    const before = own.memory.size;
    for (let round = 0; round < 3; round++) {
      const bodies = await Promise.all(Array.from({ length: 100 }, () => text(s, `${server.url}/hello`)));
      expect(new Set(bodies).size).toBe(1);
    }
    // curl's download buffer (BUFFERSIZE 512 KiB) is one per multi handle, not
    // one per transfer: 100 handles and 100 connections fit in the first pages
    expect(before).toBeLessThanOrEqual(4 << 20);
    expect(own.memory.size).toBe(before);
    expect(own.memory.inUse).toBeLessThan(3 << 20);
  });
});

describe('cookie jar', () => {
  it('sends the cookies a response set with the next request', async () => {
    const s = open();
    expect(await sentCookie(s)).toBeNull();
    expect(await text(s, `${server.url}/set-cookie`)).toBe('ok');
    expect(sorted(await sentCookie(s))).toEqual(['a=1', 'b=2']);
  });

  it('a body cancelled after its transfer ended does not abort the next request on the reused handle', async () => {
    const s = open({ cookies: false });
    const first = await s.request(`${server.url}/cookies`);
    await first.done; // over: its handle is back in the pool
    const second = s.request(`${server.url}/cookies`); // runs on that handle
    await first.body.cancel(); // the unread body still has its chunk queued: the stream calls cancel
    expect((await second).status).toBe(200);
  });

  it('a handle reused for the next request keeps no cookie engine a request started with its own curl options', async () => {
    const s = open({ cookies: false });
    // one at a time, so that the second request runs on the first one's handle if it was pooled
    expect(await text(s, `${server.url}/set-cookie`, { curl: { COOKIEFILE: '' } })).toBe('ok');
    expect(await sentCookie(s)).toBeNull();
    expect(await sentCookie(s)).toBeNull();
  });

  it('session.fetch() shares the session jar with session.request()', async () => {
    const s = open();
    await (await s.fetch(`${server.url}/set-cookie`)).text();
    expect(sorted(await sentCookie(s))).toEqual(['a=1', 'b=2']);
  });

  it('exports the jar as Netscape text and as JSON', async () => {
    const s = open();
    await text(s, `${server.url}/set-cookie`);
    const jar = await s.cookies();
    const lines = jar.toNetscape().split('\n').filter(Boolean).sort();
    expect(lines).toEqual(['#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tb\t2', '127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1']);
    expect(jar.toNetscape().endsWith('\n')).toBe(true);
    const cookies = jar.toJSON().sort((x, y) => x.name.localeCompare(y.name));
    expect(cookies).toEqual([
      { name: 'a', value: '1', domain: '127.0.0.1', includeSubdomains: false, path: '/', secure: false, httpOnly: false, expires: 0 },
      { name: 'b', value: '2', domain: '127.0.0.1', includeSubdomains: false, path: '/', secure: false, httpOnly: true, expires: 0 },
    ]);
  });

  it('imports Netscape text into a new session, which then sends the cookies', async () => {
    const a = open();
    await text(a, `${server.url}/set-cookie`);
    const exported = (await a.cookies()).toNetscape();
    const b = open();
    expect(await sentCookie(b)).toBeNull();
    (await b.cookies()).fromNetscape(`# Netscape HTTP Cookie File\n\n${exported}`);
    expect(sorted(await sentCookie(b))).toEqual(['a=1', 'b=2']);
  });

  it('imports JSON into a new session, which then sends the cookies', async () => {
    const a = open();
    await text(a, `${server.url}/set-cookie`);
    const exported = JSON.parse(JSON.stringify((await a.cookies()).toJSON()));
    const b = open();
    (await b.cookies()).fromJSON(exported);
    expect(sorted(await sentCookie(b))).toEqual(['a=1', 'b=2']);
    // a cookie made up in JSON (with an expiry in the future) works the same way
    const c = open();
    const expires = Math.floor(Date.now() / 1000) + 3600;
    (await c.cookies()).fromJSON([
      { name: 'made', value: 'up', domain: '127.0.0.1', includeSubdomains: false, path: '/', secure: false, httpOnly: false, expires },
    ]);
    expect(await sentCookie(c)).toBe('made=up');
    expect((await c.cookies()).toJSON()).toEqual([expect.objectContaining({ name: 'made', expires })]);
  });

  it('set() adds a cookie as a server would', async () => {
    const s = open();
    (await s.cookies()).set('x=y; Domain=127.0.0.1; Path=/');
    expect(await sentCookie(s)).toBe('x=y');
  });

  it('clear() forgets every cookie', async () => {
    const s = open();
    await text(s, `${server.url}/set-cookie`);
    const jar = await s.cookies();
    expect(jar.toJSON()).toHaveLength(2);
    jar.clear();
    expect(jar.toJSON()).toEqual([]);
    expect(jar.toNetscape()).toBe('');
    expect(await sentCookie(s)).toBeNull();
  });

  it('cookies: false keeps no jar', async () => {
    const s = open({ cookies: false });
    await text(s, `${server.url}/set-cookie`);
    expect(await sentCookie(s)).toBeNull();
  });

  it('sessions do not share a jar', async () => {
    const a = open();
    const b = open();
    await text(a, `${server.url}/set-cookie`);
    expect(await sentCookie(b)).toBeNull();
  });

  it('refuses a cookie for a public suffix (Domain=co.uk): libpsl, as native curl', async () => {
    const s = open();
    const setCookie = (c: string): string => `http://x.example.co.uk:${server.port}/set-cookie?c=${encodeURIComponent(c)}`;
    expect(await text(s, setCookie('a=1; Domain=co.uk; Path=/'))).toBe('ok');
    expect(await text(s, setCookie('b=2; Domain=.Co.Uk; Path=/'))).toBe('ok');
    expect(await sentCookie(s, 'y.other.co.uk')).toBeNull();
    expect(await sentCookie(s, 'x.example.co.uk')).toBeNull();
    expect((await s.cookies()).toJSON()).toEqual([]);
  });

  it('keeps a Domain=example.co.uk cookie within that site', async () => {
    const s = open();
    const url = `http://x.example.co.uk:${server.port}/set-cookie?c=${encodeURIComponent('a=1; Domain=example.co.uk; Path=/')}`;
    expect(await text(s, url)).toBe('ok');
    expect(await sentCookie(s, 'x.example.co.uk')).toBe('a=1');
    expect(await sentCookie(s, 'www.example.co.uk')).toBe('a=1');
    expect(await sentCookie(s, 'y.other.co.uk')).toBeNull();
    expect((await s.cookies()).toJSON()).toEqual([expect.objectContaining({ name: 'a', domain: '.example.co.uk', includeSubdomains: true })]);
  });
});

describe('default headers', () => {
  it('sends the session headers; a request overrides them by name, in any case', async () => {
    const s = open({ headers: { 'X-Session': 'session', 'User-Agent': 'session-agent/1' } });
    const a = await inspect(s, `${server.url}/inspect`);
    expect(a.headers['x-session']).toBe('session');
    expect(a.headers['user-agent']).toBe('session-agent/1');

    const b = await inspect(s, `${server.url}/inspect`, { headers: { 'x-session': 'request' } });
    expect(b.headers['x-session']).toBe('request');
    expect(b.headers['user-agent']).toBe('session-agent/1');

    const c = (await (await s.fetch(`${server.url}/inspect`, { headers: { 'USER-AGENT': 'fetch-agent/2' } })).json()) as { headers: Record<string, string> };
    expect(c.headers['user-agent']).toBe('fetch-agent/2');
    expect(c.headers['x-session']).toBe('session');
  });
});

describe('proxies', () => {
  it('an HTTP proxy gets plain http:// requests as absolute URIs', async () => {
    const proxy = await started(startHttpProxy({ hosts: PROXY_HOSTS }));
    const s = open({ proxy: proxy.url });
    // a.test: only the proxy can resolve it
    const before = asked.length;
    expect(await text(s, `http://a.test:${server.port}/hello`)).toBe('hello world');
    expect(asked.slice(before)).not.toContain('a.test');
    expect(proxy.requests).toBe(1);
    expect(proxy.connects).toBe(0);
    expect(proxy.targets).toEqual([`http://a.test:${server.port}/hello`]);
  });

  it('an HTTP proxy tunnels https:// with CONNECT; TLS is end to end', async () => {
    const hs = await started(startHttpsServer());
    const proxy = await started(startHttpProxy());
    const s = open({ proxy: proxy.url, ca: certs.ca });
    const res = await s.request(`${hs.url}/hello`);
    expect(await res.text()).toBe('hello world');
    expect(res.status).toBe(200);
    expect(proxy.connects).toBe(1);
    expect(proxy.requests).toBe(0);
    expect(proxy.targets).toEqual([`localhost:${hs.port}`]);
    expect(hs.requests).toBe(1);
    // the CONNECT response is not one of the response's heads
    expect(res.previous).toEqual([]);
  });

  it('sends proxy credentials (options or userinfo) as Basic Proxy-Authorization', async () => {
    const proxy = await started(startHttpProxy({ auth: { user: 'puser', pass: 'p:ss' } }));
    const hs = await started(startHttpsServer());
    const basic = `Basic ${Buffer.from('puser:p:ss').toString('base64')}`;

    const a = open({ proxy: { url: proxy.url, username: 'puser', password: 'p:ss' }, ca: certs.ca });
    expect(await text(a, `${server.url}/hello`)).toBe('hello world');
    expect(await text(a, `${hs.url}/hello`)).toBe('hello world');

    const b = open({ proxy: `http://puser:p%3Ass@127.0.0.1:${proxy.port}`, ca: certs.ca });
    expect(await text(b, `${server.url}/hello`)).toBe('hello world');
    expect(await text(b, `${hs.url}/hello`)).toBe('hello world');

    expect(proxy.rejected).toBe(0);
    expect(proxy.authorizations).toEqual([basic, basic, basic, basic]);
    // the credentials are for the proxy: the origin never sees them
    const seen = await inspect(a, `${server.url}/inspect`);
    expect(seen.headers['proxy-authorization']).toBeUndefined();
  });

  it('without credentials: 407 for http://, a CURLE for a refused CONNECT', async () => {
    const proxy = await started(startHttpProxy({ auth: { user: 'puser', pass: 'secret' } }));
    const hs = await started(startHttpsServer());
    const s = open({ proxy: proxy.url, ca: certs.ca });

    // absolute-URI request: the proxy's answer is the response
    const res = await s.request(`${server.url}/hello`);
    expect(res.status).toBe(407);
    expect(res.headers.get('proxy-authenticate')).toBe('Basic realm="test proxy"');
    expect(await res.text()).toBe('proxy auth required\n');

    // CONNECT: curl fails the transfer ("CONNECT tunnel failed, response 407")
    const err = await failure(s.request(`${hs.url}/hello`));
    expect(err.code).toBe('CURLE_RECV_ERROR');
    expect(err.message).toMatch(/407/);
    expect(hs.requests).toBe(0);

    // wrong credentials: the same
    const wrong = open({ proxy: { url: proxy.url, username: 'puser', password: 'nope' }, ca: certs.ca });
    expect((await wrong.request(`${server.url}/hello`)).status).toBe(407);
    expect(proxy.rejected).toBe(3);
  });

  it('socks4: the session resolves the name, the proxy gets an IPv4 address', async () => {
    const proxy = await started(startSocksProxy({ version: 4 }));
    const s = open({ proxy: `socks4://127.0.0.1:${proxy.port}` });
    const before = asked.length;
    expect(await text(s, `http://b.test:${server.port}/hello`)).toBe('hello world');
    expect(asked.slice(before)).toContain('b.test');
    expect(proxy.targets).toEqual([expect.objectContaining({ version: 4, type: 'ipv4', host: '127.0.0.1', port: server.port, granted: true })]);
  });

  it('socks4a: the proxy gets the host name', async () => {
    const proxy = await started(startSocksProxy({ version: 4, hosts: PROXY_HOSTS }));
    const s = open({ proxy: `socks4a://127.0.0.1:${proxy.port}` });
    const before = asked.length;
    expect(await text(s, `http://a.test:${server.port}/hello`)).toBe('hello world');
    expect(asked.slice(before)).not.toContain('a.test');
    expect(proxy.targets).toEqual([expect.objectContaining({ version: 4, type: 'domain', host: 'a.test', port: server.port })]);
  });

  it('socks4 sends the proxy username as USERID', async () => {
    const proxy = await started(startSocksProxy({ version: 4, auth: { user: 'alice', pass: '' } }));
    const good = open({ proxy: { url: `socks4://127.0.0.1:${proxy.port}`, username: 'alice' } });
    expect(await text(good, `${server.url}/hello`)).toBe('hello world');
    expect(proxy.targets[0]).toMatchObject({ user: 'alice', granted: true });
    const bad = open({ proxy: `socks4://127.0.0.1:${proxy.port}` });
    const err = await failure(bad.request(`${server.url}/hello`));
    expect(err.code).toBe('CURLE_PROXY');
    expect(proxy.rejected).toBe(1);
  });

  it('socks5: the session resolves the name, the proxy gets an IP address', async () => {
    const proxy = await started(startSocksProxy({ version: 5 }));
    const s = open({ proxy: `socks5://127.0.0.1:${proxy.port}` });
    const before = asked.length;
    expect(await text(s, `http://b.test:${server.port}/hello`)).toBe('hello world');
    expect(asked.slice(before)).toContain('b.test');
    expect(proxy.targets).toEqual([expect.objectContaining({ version: 5, type: 'ipv4', host: '127.0.0.1', port: server.port })]);
  });

  it('socks5: an IPv6 literal goes to the proxy as ATYP 4', async () => {
    const v6 = http.createServer((_req, res) => res.end('over v6'));
    v6.listen(0, '::1');
    await new Promise((r) => v6.once('listening', r));
    onTestFinished(
      () =>
        new Promise<void>((r) => {
          v6.closeAllConnections();
          v6.close(() => r());
        }),
    );
    const port = (v6.address() as net.AddressInfo).port;
    const proxy = await started(startSocksProxy({ version: 5 }));
    const s = open({ proxy: `socks5://127.0.0.1:${proxy.port}` });
    expect(await text(s, `http://[::1]:${port}/`)).toBe('over v6');
    expect(proxy.targets).toEqual([expect.objectContaining({ type: 'ipv6', host: '::1', port })]);
  });

  it('socks5h: the proxy resolves the name; the session never does', async () => {
    const seen: string[] = [];
    const refuseA: LookupFunction = (host, o, cb) => {
      seen.push(host);
      if (host === 'a.test') return cb(Object.assign(new Error('ENOTFOUND a.test'), { code: 'ENOTFOUND' }), []);
      lookup(host, o, cb);
    };
    const proxy = await started(startSocksProxy({ version: 5, hosts: PROXY_HOSTS }));
    const s = open({ proxy: `socks5h://127.0.0.1:${proxy.port}`, runtimeOptions: { lookup: refuseA } });
    expect(await text(s, `http://a.test:${server.port}/hello`)).toBe('hello world');
    expect(proxy.targets).toEqual([expect.objectContaining({ version: 5, type: 'domain', host: 'a.test', port: server.port })]);
    expect(seen).not.toContain('a.test');
    // the control: without the proxy this session cannot reach a.test at all
    const err = await failure(s.request(`http://a.test:${server.port}/hello`, { curl: { PROXY: '' } }));
    expect(err.code).toBe('CURLE_COULDNT_RESOLVE_HOST');
    expect(seen).toContain('a.test');
  });

  it('socks5h carries https:// too (TLS to the origin through the tunnel)', async () => {
    const hs = await started(startHttpsServer());
    const proxy = await started(startSocksProxy({ version: 5 }));
    const s = open({ proxy: `socks5h://127.0.0.1:${proxy.port}`, ca: certs.ca });
    expect(await text(s, `${hs.url}/hello`)).toBe('hello world');
    expect(proxy.targets).toEqual([expect.objectContaining({ type: 'domain', host: 'localhost', port: hs.port })]);
  });

  it('socks5 username/password (RFC 1929); wrong or missing credentials fail', async () => {
    const proxy = await started(startSocksProxy({ version: 5, auth: { user: 'sam', pass: 's3cret' } }));
    const good = open({ proxy: { url: `socks5://127.0.0.1:${proxy.port}`, username: 'sam', password: 's3cret' } });
    expect(await text(good, `${server.url}/hello`)).toBe('hello world');
    expect(proxy.targets).toEqual([expect.objectContaining({ user: 'sam', granted: true })]);

    const wrong = open({ proxy: `socks5://sam:nope@127.0.0.1:${proxy.port}` });
    const e1 = await failure(wrong.request(`${server.url}/hello`));
    expect(e1.code).toBe('CURLE_PROXY');
    const none = open({ proxy: `socks5://127.0.0.1:${proxy.port}` });
    const e2 = await failure(none.request(`${server.url}/hello`));
    expect(e2.code).toBe('CURLE_PROXY');
    expect(proxy.rejected).toBe(2);
  });

  it('noProxy: listed hosts are reached directly', async () => {
    const proxy = await started(startHttpProxy({ hosts: { 'b.test': '127.0.0.1' } }));
    const s = open({ proxy: { url: proxy.url, noProxy: '127.0.0.1' } });
    expect(await text(s, `${server.url}/hello`)).toBe('hello world');
    expect(await text(s, `http://b.test:${server.port}/hello`)).toBe('hello world');
    expect(proxy.targets).toEqual([`http://b.test:${server.port}/hello`]);
  });

  describe("proxy: 'env'", () => {
    const NAMES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
    /** Sets the proxy variables for one test and restores them after it. */
    function env(vars: Record<string, string>): void {
      const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
      for (const n of NAMES) delete process.env[n];
      Object.assign(process.env, vars);
      onTestFinished(() => {
        for (const n of NAMES) {
          if (saved[n] === undefined) delete process.env[n];
          else process.env[n] = saved[n];
        }
      });
    }

    it('uses HTTP_PROXY for http:// and HTTPS_PROXY for https://', async () => {
      const proxy = await started(startHttpProxy());
      const hs = await started(startHttpsServer());
      env({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });
      const s = open({ proxy: 'env', ca: certs.ca });
      expect(await text(s, `${server.url}/hello`)).toBe('hello world');
      expect(await text(s, `${hs.url}/hello`)).toBe('hello world');
      expect(proxy.requests).toBe(1);
      expect(proxy.connects).toBe(1);
    });

    it('reads the variables per request, when the request starts', async () => {
      const proxy = await started(startHttpProxy());
      env({});
      const s = open({ proxy: 'env' });
      expect(await text(s, `${server.url}/hello`)).toBe('hello world');
      expect(proxy.requests).toBe(0);
      process.env.HTTP_PROXY = proxy.url;
      expect(await text(s, `${server.url}/hello`)).toBe('hello world');
      expect(proxy.requests).toBe(1);
    });

    it('ignores the variables unless the session says env', async () => {
      const proxy = await started(startHttpProxy());
      const hs = await started(startHttpsServer());
      env({ HTTP_PROXY: proxy.url, http_proxy: proxy.url, HTTPS_PROXY: proxy.url, https_proxy: proxy.url, ALL_PROXY: proxy.url, all_proxy: proxy.url });
      const s = open({ ca: certs.ca });
      expect(await text(s, `${server.url}/hello`)).toBe('hello world');
      expect(await text(s, `${hs.url}/hello`)).toBe('hello world');
      expect(proxy.connections).toBe(0);
    });

    it('honours NO_PROXY', async () => {
      const proxy = await started(startHttpProxy({ hosts: { 'b.test': '127.0.0.1' } }));
      env({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
      const s = open({ proxy: 'env' });
      expect(await text(s, `${server.url}/hello`)).toBe('hello world');
      expect(proxy.requests).toBe(0);
      expect(await text(s, `http://b.test:${server.port}/hello`)).toBe('hello world');
      expect(proxy.targets).toEqual([`http://b.test:${server.port}/hello`]);
    });
  });
});

describe('retries', () => {
  /** A raw HTTP server that drops the first `drops` connections (after reading the request). */
  async function flaky(drops: number, answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'): Promise<TestServer> {
    let n = 0;
    return started(
      startRawServer((socket: net.Socket) => {
        const i = ++n;
        socket.on('error', () => {});
        socket.once('data', () => {
          if (i <= drops) socket.destroy();
          else socket.end(answer);
        });
      }),
    );
  }

  it('retries a GET whose connection dropped, with a fresh connection each time', async () => {
    const raw = await flaky(2);
    const s = open({ retry: { retries: 2, delayMs: 10 } });
    const res = await s.request(`${raw.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(raw.connections).toBe(3);
  });

  it('gives up after `retries` further attempts and throws the last error', async () => {
    const raw = await flaky(5);
    const s = open({ retry: { retries: 2, delayMs: 10 } });
    const err = await failure(s.request(`${raw.url}/`));
    expect(err.code).toBe('CURLE_GOT_NOTHING');
    expect(raw.connections).toBe(3);
  });

  it('does not retry a POST', async () => {
    const raw = await flaky(2);
    const s = open({ retry: { retries: 2, delayMs: 10 } });
    const err = await failure(s.request(`${raw.url}/`, { method: 'POST', body: 'once' }));
    expect(err.code).toBe('CURLE_GOT_NOTHING');
    expect(raw.connections).toBe(1);
  });

  it('does not retry a streamed body, even for PUT', async () => {
    const raw = await flaky(2);
    const s = open({ retry: { retries: 2, delayMs: 10 } });
    async function* once() {
      yield new TextEncoder().encode('stream');
    }
    await failure(s.request(`${raw.url}/`, { method: 'PUT', body: once() }));
    expect(raw.connections).toBe(1);
  });

  it('retry: false on a request turns the session policy off', async () => {
    const raw = await flaky(2);
    const s = open({ retry: { retries: 2, delayMs: 10 } });
    await failure(s.request(`${raw.url}/`, { retry: false }));
    expect(raw.connections).toBe(1);
  });

  it('retries a 503 and returns the answer that followed', async () => {
    let n = 0;
    const raw = await started(
      startRawServer((socket) => {
        const i = ++n;
        socket.on('error', () => {});
        socket.once('data', () =>
          socket.end(
            i === 1
              ? 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy'
              : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
          ),
        );
      }),
    );
    const s = open({ retry: { retries: 2, delayMs: 10 } });
    const res = await s.request(`${raw.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(raw.connections).toBe(2);
  });

  it('returns the last 503 when every attempt gets one', async () => {
    const srv = await started(startHttpServer());
    const s = open({ retry: { retries: 2, delayMs: 10 } });
    const res = await s.request(`${srv.url}/status/503`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('status 503');
    expect(srv.requests).toBe(3);
  });

  it('statuses chooses which statuses are retried', async () => {
    const srv = await started(startHttpServer());
    const s = open({ retry: { retries: 1, delayMs: 10, statuses: [429] } });
    expect((await s.request(`${srv.url}/status/503`)).status).toBe(503);
    expect(srv.requests).toBe(1);
    expect((await s.request(`${srv.url}/status/429`)).status).toBe(429);
    expect(srv.requests).toBe(3);
  });
});

describe('timeouts', () => {
  it('the session timeoutMs applies to every request', async () => {
    const s = open({ timeoutMs: 300 });
    const err = await failure(s.request(`${server.url}/slow?ms=5000`)); // without the timeout: 'slow' after 5 s
    expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
    // and covers the whole transfer, body included
    const err2 = await failure(s.request(`${server.url}/slow-body?ms=5000`).then((r) => r.text()));
    expect(err2.code).toBe('CURLE_OPERATION_TIMEDOUT');
  });

  it('a request timeoutMs overrides the session one, both ways', async () => {
    const s = open({ timeoutMs: 300 });
    expect(await text(s, `${server.url}/slow?ms=600`, { timeoutMs: 5000 })).toBe('slow');
    const long = open({ timeoutMs: 10_000 });
    const err = await failure(long.request(`${server.url}/slow?ms=5000`, { timeoutMs: 200 }));
    expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
  });

  it('totalTimeoutMs bounds a request with its retries and their delays', async () => {
    const dropper = await started(startRawServer((sock) => sock.destroy()));
    const s = open({ retry: { retries: 20, delayMs: 100 } });
    const err = await failure(s.request(`${dropper.url}/`, { totalTimeoutMs: 400 }));
    expect(['CURLE_GOT_NOTHING', 'CURLE_OPERATION_TIMEDOUT']).toContain(err.code); // the last attempt may hit the deadline
    expect(dropper.connections).toBeGreaterThan(1); // it did retry
    expect(dropper.connections).toBeLessThan(6); // 100, 200 ms delays: the deadline stopped it
  });

  it('session.fetch() takes the session timeout too', async () => {
    const s = open({ timeoutMs: 300 });
    const err = await s.fetch(`${server.url}/slow?ms=5000`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).cause).toMatchObject({ code: 'CURLE_OPERATION_TIMEDOUT' });
  });
});

// A user adds a CA to the runtime's default store the runtime's way (Node's
// NODE_EXTRA_CA_CERTS, read once at start-up): a Session given no `ca` trusts
// it. A child process each, for its environment. The store is read on the
// first TLS connection, not with the Session (ts/host/abi.ts RUNTIME_CA).
describe('default trust store', () => {
  let server: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    [server, plain] = await Promise.all([startHttpsServer(), startHttpServer()]);
  });
  afterAll(() => Promise.all([server.close(), plain.close()]));
  const child = fileURLToPath(new URL('./trust-store-child.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const ca = fileURLToPath(new URL('../fixtures/certs/ca.pem', import.meta.url));
  const run = (env: Record<string, string | undefined>, url = `${server.url}/hello`) =>
    new Promise<string>((resolve, reject) => {
      execFile(tsx, [child, url], { timeout: 30_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: undefined, ...env } }, (err, stdout) =>
        err ? reject(err) : resolve(stdout.trim()),
      );
    });

  // the project's LIBCURL_WASM_TLS (vitest.config.ts) picks the backend
  it('trusts a CA given in NODE_EXTRA_CA_CERTS, and not without it', async () => {
    expect(await run({ NODE_EXTRA_CA_CERTS: ca })).toBe('200 hello world');
    expect(await run({})).toBe('CURLE_PEER_FAILED_VERIFICATION');
  });

  // the first request is plain HTTP, redirected to https on the same handle:
  // the https connection still verifies against the runtime's store (on both
  // backends: this file runs once per LIBCURL_WASM_TLS, vitest.config.ts)
  it("holds for an http→https redirect as a fresh Session's first request", async () => {
    const redirect = `${plain.url}/redirect?to=${encodeURIComponent(`${server.url}/hello`)}`;
    expect(await run({ NODE_EXTRA_CA_CERTS: ca }, redirect)).toBe('200 hello world');
    expect(await run({}, redirect)).toBe('CURLE_PEER_FAILED_VERIFICATION');
  });
});

describe('close()', () => {
  it('a closed session refuses new requests', async () => {
    const s = new Session({ runtime: rt });
    expect(await text(s, `${server.url}/hello`)).toBe('hello world');
    await s.close();
    await expect(s.request(`${server.url}/hello`)).rejects.toThrow(TypeError);
  });
});
