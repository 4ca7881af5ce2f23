// SPDX-License-Identifier: MIT
// The Sandbox's network policy against real transfers: what the 'public'
// preset refuses (in every spelling of a loopback address), host-name rules
// judged before any lookup, redirects, DNS rebinding, proxies and protocols.
// Servers listen on 127.0.0.1, which most tests treat as "public"; 127.0.0.2
// (also loopback on Linux) plays the internal host that must never be reached.
import { once } from 'node:events';
import * as http from 'node:http';
import type * as net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CurlEasyError, PolicyDenied, Sandbox, type LookupFunction } from '../../ts/index.js';
import { startHttpProxy, startSocksProxy } from '../fixtures/proxies.js';
import { certs, startHttpServer, startHttpsServer, type TestServer } from '../fixtures/servers.js';
import { expectClean, expectDenied, failure, sandbox } from './helpers.js';

let server: TestServer; // 127.0.0.1: "public"
let internal: http.Server; // 127.0.0.2: "internal", must never see a connection
let internalConnections = 0;
let internalAtStart = 0;
/** Connections the internal server saw during this test: always 0 when the policy holds. */
const internalReached = () => internalConnections - internalAtStart;
let internalPort: number;

beforeAll(async () => {
  server = await startHttpServer();
  internal = http.createServer((_req, res) => res.end('internal secret'));
  internal.on('connection', () => internalConnections++);
  internal.listen(0, '127.0.0.2');
  await once(internal, 'listening');
  internalPort = (internal.address() as net.AddressInfo).port;
});
beforeEach(() => {
  internalAtStart = internalConnections;
});
afterAll(async () => {
  internal.closeAllConnections();
  await new Promise((r) => internal.close(r));
  await server.close();
});

/** A lookup that records every call; names map to addresses, the rest is ENOTFOUND. */
function recordingLookup(names: Record<string, string | (() => string)>): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const fn: LookupFunction = (hostname, _o, cb) => {
    calls.push(hostname);
    const entry = names[hostname.toLowerCase()];
    const address = typeof entry === 'function' ? entry() : entry;
    if (!address) return cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    cb(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  };
  return Object.assign(fn, { calls });
}

const redirectTo = (to: string) => `${server.url}/redirect?to=${encodeURIComponent(to)}`;

describe("the default preset ('public')", () => {
  // Every URL names the test server's port, so a leak would reach it.
  const cases: [string, (port: number) => string, RegExp][] = [
    ['127.0.0.1', (p) => `http://127.0.0.1:${p}/hello`, /^preset public: 127\.0\.0\.0\/8/],
    [
      'localhost (::1 and 127.0.0.1 through the real dns.lookup)',
      (p) => `http://localhost:${p}/hello`,
      /^preset public: (127\.0\.0\.0\/8|outside global unicast 2000::\/3)/,
    ],
    ['[::1]', (p) => `http://[::1]:${p}/hello`, /^preset public: outside global unicast 2000::\/3/],
    ['0.0.0.0 (reaches localhost on Linux)', (p) => `http://0.0.0.0:${p}/hello`, /^preset public: 0\.0\.0\.0\/(8|32)/],
    ['169.254.169.254 (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/', /^preset public: 169\.254\.0\.0\/16/],
    ['10.1.2.3', () => 'http://10.1.2.3/', /^preset public: 10\.0\.0\.0\/8/],
    ['192.168.1.1', () => 'http://192.168.1.1/', /^preset public: 192\.168\.0\.0\/16/],
    ['2130706433 (decimal 127.0.0.1)', (p) => `http://2130706433:${p}/hello`, /^preset public: 127\.0\.0\.0\/8/],
    ['0x7f000001 (hex 127.0.0.1)', (p) => `http://0x7f000001:${p}/hello`, /^preset public: 127\.0\.0\.0\/8/],
    ['0177.0.0.1 (octal 127.0.0.1)', (p) => `http://0177.0.0.1:${p}/hello`, /^preset public: 127\.0\.0\.0\/8/],
    ['127.1 (short form)', (p) => `http://127.1:${p}/hello`, /^preset public: 127\.0\.0\.0\/8/],
    ['[::ffff:127.0.0.1] (IPv4-mapped)', (p) => `http://[::ffff:127.0.0.1]:${p}/hello`, /^preset public: 127\.0\.0\.0\/8/],
    ['[::ffff:7f00:1] (IPv4-mapped, hex)', (p) => `http://[::ffff:7f00:1]:${p}/hello`, /^preset public: 127\.0\.0\.0\/8/],
    ['[::ffff:169.254.169.254] (mapped metadata)', () => 'http://[::ffff:169.254.169.254]/', /^preset public: 169\.254\.0\.0\/16/],
  ];

  it.each(cases)('denies %s at once, naming the rule', async (_name, url, rule) => {
    const sb = await Sandbox.create(); // the default policy
    try {
      const before = server.connections;
      const { err } = await failure(sb.request(url(server.port)));
      expect(err.code).toBe('CURLE_COULDNT_CONNECT');
      const denied = expectDenied(err, rule);
      expect(denied.code).toBe('ERR_SANDBOX_POLICY');
      expect(denied.message).toContain(denied.rule);
      expect(server.connections).toBe(before); // refused before any packet (a dropped SYN would wait for the connect timeout)
      await expectClean(sb);
    } finally {
      await sb.destroy();
    }
  });

  it('fetch() rejects with TypeError("fetch failed") whose cause is the CurlEasyError', async () => {
    const sb = await Sandbox.create();
    try {
      const err = await sb.fetch(`http://127.0.0.1:${server.port}/hello`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TypeError);
      expect((err as TypeError).message).toBe('fetch failed');
      const cause = (err as TypeError).cause as CurlEasyError;
      expect(cause).toBeInstanceOf(CurlEasyError);
      expect(cause.code).toBe('CURLE_COULDNT_CONNECT');
      expect(cause.cause).toBeInstanceOf(PolicyDenied);
      await expectClean(sb);
    } finally {
      await sb.destroy();
    }
  });

  it('with 127.0.0.0/8 treated as public by a custom policy, the same server answers', async () => {
    const sb = await sandbox();
    const res = await sb.request(`${server.url}/hello`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello world');
    await expectClean(sb);
  });
});

describe('host-name rules', () => {
  it('denyHosts refuses a name before it is looked up, so nothing is connected', async () => {
    const lookup = recordingLookup({ 'evil.test': '127.0.0.1', 'x.bad.test': '127.0.0.1', 'fine.test': '127.0.0.1' });
    const sb = await sandbox({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'], denyHosts: ['evil.test', '*.bad.test'] } });
    const before = server.connections;
    for (const host of ['evil.test', 'EVIL.test', 'evil.test.', 'x.bad.test']) {
      const { err } = await failure(sb.request(`http://${host}:${server.port}/hello`));
      expect(err.code).toBe('CURLE_COULDNT_RESOLVE_HOST');
      const denied = expectDenied(err, /^denyHosts (evil\.test|\*\.bad\.test)$/);
      expect(denied.target.toLowerCase().replace(/\.$/, '')).toBe(host.toLowerCase().replace(/\.$/, ''));
    }
    expect(lookup.calls).toEqual([]); // the resolver was never even asked
    expect(server.connections).toBe(before);
    // a name the rules do not cover resolves and connects
    const res = await sb.request(`http://fine.test:${server.port}/hello`);
    expect(await res.text()).toBe('hello world');
    expect(lookup.calls).toEqual(['fine.test']);
    await expectClean(sb);
  });

  it('allowHosts admits the names it lists and nothing else', async () => {
    const lookup = recordingLookup({ 'api.test': '127.0.0.1', 'a.cdn.test': '127.0.0.1', 'other.test': '127.0.0.1' });
    const sb = await sandbox({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'], allowHosts: ['api.test', '*.cdn.test'] } });
    expect((await sb.request(`http://api.test:${server.port}/hello`)).status).toBe(200);
    expect((await sb.request(`http://a.cdn.test:${server.port}/hello`)).status).toBe(200);
    for (const host of ['other.test', 'cdn.test', 'api.test.evil.test']) {
      const { err } = await failure(sb.request(`http://${host}:${server.port}/hello`));
      expect(err.code).toBe('CURLE_COULDNT_RESOLVE_HOST');
      expectDenied(err, 'not in allowHosts');
    }
    expect(lookup.calls).toEqual(['api.test', 'a.cdn.test']);
    await expectClean(sb);
  });

  // An IP-literal URL is never looked up, so the lookup guard alone never
  // sees it: an allow-list of names that any http://1.2.3.4/ (or a redirect
  // to one) walks past is no allow-list.
  it('allowHosts also binds URLs that name an IP address, directly or by redirect', async () => {
    const lookup = recordingLookup({ 'api.test': '127.0.0.1' });
    const sb = await sandbox({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'], allowHosts: ['api.test'] } });
    const before = server.requests;
    const direct = await failure(sb.request(`http://127.0.0.1:${server.port}/hello`));
    expectDenied(direct.err, 'not in allowHosts');
    const hop = await failure(sb.request(`http://api.test:${server.port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${server.port}/hello`)}`));
    expectDenied(hop.err, 'not in allowHosts');
    expect(server.requests - before).toBeLessThanOrEqual(1); // at most the allowed first hop
    await expectClean(sb);
  });

  it('with allowHosts, a redirect between allowed names is followed and one to another name is not', async () => {
    const lookup = recordingLookup({ 'api.test': '127.0.0.1', 'cdn.test': '127.0.0.1', 'other.test': '127.0.0.1' });
    const sb = await sandbox({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'], allowHosts: ['api.test', 'cdn.test'] } });
    const hop = (to: string) => `http://api.test:${server.port}/redirect?to=${encodeURIComponent(`http://${to}:${server.port}/hello`)}`;
    const res = await sb.request(hop('cdn.test'));
    expect(await res.text()).toBe('hello world');
    expect(res.url).toBe(`http://cdn.test:${server.port}/hello`);
    const { err } = await failure(sb.request(hop('other.test')));
    expectDenied(err, 'not in allowHosts');
    expect(lookup.calls).not.toContain('other.test');
    await expectClean(sb);
  });
});

describe('IDN host names (curl and the sandbox share one mapping)', () => {
  it('a rule written in Unicode or in punycode judges the name curl connects to, which is punycode', async () => {
    const lookup = recordingLookup({ 'xn--bcher-kva.test': '127.0.0.1', 'xn--strae-oqa.test': '127.0.0.1' });
    const sb = await sandbox({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'], allowHosts: ['xn--bcher-kva.test', 'straße.test'] } });
    for (const host of ['bücher.test', 'BÜCHER.test', 'ｂüｃｈｅｒ.test', 'xn--bcher-kva.test', 'straße.test']) {
      const res = await sb.request(`http://${host}:${server.port}/inspect`);
      const seen = (await res.json()) as { headers: { host: string } };
      expect(seen.headers.host).toMatch(/^xn--(bcher-kva|strae-oqa)\.test:/);
    }
    expect(new Set(lookup.calls)).toEqual(new Set(['xn--bcher-kva.test', 'xn--strae-oqa.test']));
    const { err } = await failure(sb.request(`http://strasse.test:${server.port}/hello`)); // ß is not ss (non-transitional)
    expectDenied(err, 'not in allowHosts');
    await expectClean(sb);
  });

  it('denyHosts in Unicode catches every spelling before its lookup', async () => {
    const lookup = recordingLookup({ 'xn--bcher-kva.test': '127.0.0.1' });
    const sb = await sandbox({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'], denyHosts: ['bücher.test'] } });
    for (const host of ['bücher.test', 'BÜCHER.TEST', 'xn--bcher-kva.test', 'bu\u0308cher.test']) {
      const { err } = await failure(sb.request(`http://${host}:${server.port}/hello`));
      expectDenied(err, 'denyHosts bücher.test');
    }
    expect(lookup.calls).toEqual([]);
    await expectClean(sb);
  });

  it('a *.localhost name, which curl answers without a lookup, is judged at connect in its punycode form', async () => {
    const denied = await sandbox({ policy: { preset: 'none', denyAddresses: ['127.0.0.2'], denyHosts: ['bücher.localhost'] } });
    const { err } = await failure(denied.request(`http://BÜCHER.localhost:${server.port}/hello`));
    expectDenied(err, 'denyHosts bücher.localhost');
    const allowed = await sandbox({ policy: { preset: 'none', denyAddresses: ['127.0.0.2'], allowHosts: ['xn--bcher-kva.localhost'] } });
    const res = await allowed.request(`http://bücher.localhost:${server.port}/inspect`);
    expect(((await res.json()) as { headers: { host: string } }).headers.host).toBe(`xn--bcher-kva.localhost:${server.port}`);
    await expectClean(denied);
    await expectClean(allowed);
  });

  it("a name that fails IDNA is refused with curl's CURLE_URL_MALFORMAT, and nothing is looked up", async () => {
    const lookup = recordingLookup({});
    const sb = await sandbox({ lookup });
    for (const host of ['\u0301a.test', '\ufffd.test']) {
      const { err } = await failure(sb.request(`http://${host}:${server.port}/hello`));
      expect(err.code).toBe('CURLE_URL_MALFORMAT');
    }
    expect(lookup.calls).toEqual([]);
    await expectClean(sb);
  });
});

describe('redirects', () => {
  it('a redirect to a denied address is refused at connect', async () => {
    const sb = await sandbox();
    const { err } = await failure(sb.request(redirectTo(`http://127.0.0.2:${internalPort}/`)));
    expect(err.code).toBe('CURLE_COULDNT_CONNECT');
    const denied = expectDenied(err, 'denyAddresses 127.0.0.2');
    expect(denied.target).toBe(`127.0.0.2 port ${internalPort}`);
    expect(internalReached()).toBe(0);
    await expectClean(sb);
  });

  it('a redirect to the metadata address, in any spelling, is refused', async () => {
    const sb = await sandbox();
    for (const to of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://2852039166/']) {
      const { err } = await failure(sb.request(redirectTo(to)));
      expectDenied(err, /169\.254\.169\.254/);
    }
    await expectClean(sb);
  });

  it('a redirect to a denied host name is refused before the lookup', async () => {
    const lookup = recordingLookup({ 'evil.test': '127.0.0.1' });
    const sb = await sandbox({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'], denyHosts: ['evil.test'] } });
    const { err } = await failure(sb.request(redirectTo(`http://evil.test:${server.port}/hello`)));
    expect(err.code).toBe('CURLE_COULDNT_RESOLVE_HOST');
    expectDenied(err, 'denyHosts evil.test');
    expect(lookup.calls).toEqual([]);
    await expectClean(sb);
  });

  it('fetch() follows the same rules', async () => {
    const sb = await sandbox();
    const err = await sb.fetch(redirectTo(`http://127.0.0.2:${internalPort}/`)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expectDenied((err as TypeError).cause as CurlEasyError, 'denyAddresses 127.0.0.2');
    expect(internalReached()).toBe(0);
    await expectClean(sb);
  });
});

describe('DNS rebinding', () => {
  /** Answers 127.0.0.1 the first time and 127.0.0.2 after. */
  const rebinding = () => {
    let n = 0;
    return recordingLookup({ 'rebind.test': () => (n++ === 0 ? '127.0.0.1' : '127.0.0.2') });
  };

  it('a second lookup that answers a denied address fails the transfer that connects to it', async () => {
    const lookup = rebinding();
    const sb = await sandbox({ lookup });
    const url = `http://rebind.test:${server.port}/hello`;
    const curl = { DNS_CACHE_TIMEOUT: 0, FRESH_CONNECT: 1 };
    const first = await sb.request(url, { curl });
    expect(await first.text()).toBe('hello world');
    expect(first.info().primaryIp).toBe('127.0.0.1');
    const { err } = await failure(sb.request(url, { curl }));
    expect(err.code).toBe('CURLE_COULDNT_CONNECT');
    expectDenied(err, 'denyAddresses 127.0.0.2');
    expect(lookup.calls).toEqual(['rebind.test', 'rebind.test']); // no cache: asked twice
    expect(internalReached()).toBe(0);
    await expectClean(sb);
  });

  it('a reused connection stays on the address that was vetted (no second lookup, no new connect)', async () => {
    const lookup = rebinding();
    const sb = await sandbox({ lookup });
    const url = `http://rebind.test:${server.port}/hello`;
    const curl = { DNS_CACHE_TIMEOUT: 0 };
    for (let i = 0; i < 2; i++) {
      const res = await sb.request(url, { curl });
      expect(await res.text()).toBe('hello world');
      expect(res.info().primaryIp).toBe('127.0.0.1');
    }
    expect(lookup.calls).toEqual(['rebind.test']);
    expect(internalReached()).toBe(0);
    await expectClean(sb);
  });

  it('of several answers only the allowed ones are connected (each attempt is judged)', async () => {
    const calls: string[] = [];
    const lookup: LookupFunction = (host, _o, cb) => {
      calls.push(host);
      cb(null, [
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
    };
    const sb = await sandbox({ lookup });
    const res = await sb.request(`http://mixed.test:${server.port}/hello`);
    expect(await res.text()).toBe('hello world');
    expect(res.info().primaryIp).toBe('127.0.0.1');
    expect(internalReached()).toBe(0);
    await expectClean(sb);
  });
});

describe('proxies', () => {
  // Through a proxy the bridge sees only the proxy's address: the target (a
  // name the proxy resolves, or an IP literal sent as it is) could not be
  // judged, so a Sandbox refuses proxies outright.
  it.each(['PROXY', 'CURLOPT_PROXY', 'proxy', 'PRE_PROXY'])('curl option %s is refused with a TypeError, before any connect', async (name) => {
    const httpProxy = await startHttpProxy();
    const socks = await startSocksProxy();
    try {
      const sb = await sandbox();
      for (const proxy of [httpProxy.url, socks.url.replace('socks5:', 'socks5h:'), `http://127.0.0.2:${internalPort}`]) {
        const err = await sb.request(`http://127.0.0.2:${internalPort}/`, { curl: { [name]: proxy } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TypeError);
        expect((err as TypeError).message).toMatch(/refused in a Sandbox/);
      }
      expect(httpProxy.requests + httpProxy.connects).toBe(0);
      expect(internalReached()).toBe(0);
      await expectClean(sb);
    } finally {
      await Promise.all([httpProxy.close(), socks.close()]);
    }
  });

  it('HTTP_PROXY in the environment does not reach a sandbox', async () => {
    const httpProxy = await startHttpProxy();
    const saved = process.env.http_proxy;
    process.env.http_proxy = httpProxy.url;
    try {
      const sb = await sandbox();
      expect((await sb.request(`${server.url}/hello`)).status).toBe(200);
      expect(httpProxy.requests).toBe(0);
      await expectClean(sb);
    } finally {
      if (saved === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved;
      await httpProxy.close();
    }
  });
});

describe('protocols', () => {
  it.each([
    ['file://', 'file:///etc/passwd'],
    ['ftp://', 'ftp://127.0.0.1:21/'],
    ['dict://', 'dict://127.0.0.1:2628/d:x'],
    ['gopher://', 'gopher://127.0.0.1:70/'],
  ])('a redirect from http to %s fails with CURLE_UNSUPPORTED_PROTOCOL', async (_scheme, to) => {
    const sb = await sandbox();
    const { err } = await failure(sb.request(redirectTo(to)));
    expect(err.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
    await expectClean(sb);
  });

  it('a file:// URL is refused outright (request), and fetch() refuses non-http schemes', async () => {
    const sb = await sandbox();
    const { err } = await failure(sb.request('file:///etc/passwd'));
    expect(err.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
    await expect(sb.fetch('file:///etc/passwd')).rejects.toBeInstanceOf(TypeError);
    await expectClean(sb);
  });

  it("protocols: ['https'] refuses http, first URL and redirect alike", async () => {
    const https = await startHttpsServer();
    try {
      const sb = await sandbox({ protocols: ['https'], ca: certs.ca });
      const plain = await failure(sb.request(`${server.url}/hello`));
      expect(plain.err.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
      const ok = await sb.request(`https://127.0.0.1:${https.port}/hello`);
      expect(await ok.text()).toBe('hello world');
      const down = await failure(sb.request(`https://127.0.0.1:${https.port}/redirect?to=${encodeURIComponent(`${server.url}/hello`)}`));
      expect(down.err.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
      await expectClean(sb);
    } finally {
      await https.close();
    }
  });
});

// The sandbox sets its limits as session defaults; what one request asks for
// must not loosen them (the caller may be trusted, the URL is not, and a
// wrapper that forwards options forwards them from whoever calls it).
describe('per-request options cannot loosen the sandbox', () => {
  it('the default maxRedirects (5) holds for request() and fetch()', async () => {
    const sb = await sandbox();
    const r = await failure(sb.request(`${server.url}/redirect-chain/8`));
    expect(r.err.code).toBe('CURLE_TOO_MANY_REDIRECTS');
    const f = await sb.fetch(`${server.url}/redirect-chain/8`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(((f as TypeError)?.cause as CurlEasyError)?.code).toBe('CURLE_TOO_MANY_REDIRECTS');
    await expectClean(sb);
  });

  it('maxRedirects and curl.MAXREDIRS above the limit are capped at it', async () => {
    const sb = await sandbox({ limits: { maxRedirects: 2 } });
    for (const opts of [{ maxRedirects: 100 }, { curl: { MAXREDIRS: -1 } }]) {
      const { err } = await failure(sb.request(`${server.url}/redirect-chain/4`, opts));
      expect(err.code).toBe('CURLE_TOO_MANY_REDIRECTS');
    }
    await expectClean(sb);
  });

  it('curl.PROTOCOLS_STR / REDIR_PROTOCOLS_STR cannot widen the protocols: refused by name', async () => {
    const sb = await sandbox();
    await expect(sb.request('file:///etc/passwd', { curl: { PROTOCOLS_STR: 'all' } })).rejects.toThrow(/PROTOCOLS_STR.*refused in a Sandbox/);
    await expect(sb.request(redirectTo('file:///etc/passwd'), { curl: { REDIR_PROTOCOLS_STR: 'all' } })).rejects.toThrow(TypeError);
    const direct = await failure(sb.request('file:///etc/passwd'));
    expect(direct.err.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
    await expectClean(sb);
  });

  it('timeoutMs above the limit is capped at it', async () => {
    const sb = await sandbox({ limits: { timeoutMs: 500 } });
    const { err } = await failure(sb.request(`${server.url}/slow?ms=3000`, { timeoutMs: 60_000 })); // uncapped: 'slow' after 3 s
    expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
    await expectClean(sb);
  });
});
