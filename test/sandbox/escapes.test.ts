// SPDX-License-Identifier: MIT
// The adversarial suite: one family per way a sandbox was found to leak,
// several spellings each. An escape is judged by the accept log of a
// loopback "trap" server the policy must keep the transfer away from (it
// counts TCP connections, so even a connect that sends nothing is caught),
// and a hang by the transfer's deadline.
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurlEasyError, LimitExceeded, PolicyDenied, Sandbox, SandboxDestroyed, type OptionValue, type SandboxOptions } from '../../ts/index.js';
import type { LookupFunction } from '../../ts/host/dns.js';
import { startRawServer, type TestServer } from '../fixtures/servers.js';
import { until } from '../fixtures/wait.js';
import { startWsServer } from '../fixtures/ws-server.js';
import { httpServer, zstdBomb } from './hostile.js';
import { expectClean, expectDenied, failure, type Trap, trap } from './helpers.js';

/**
 * 127.0.0.1: '/ok' answers 200, '/to/<base64url>' redirects to those bytes
 * verbatim (UTF-8, backslashes and all: no HTTP library rewrites them),
 * '/silent' never answers, '/loop' redirects to itself.
 */
function redirector(): Promise<TestServer> {
  return startRawServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const path = head.slice(0, end).split(' ')[1] ?? '/';
      head = head.slice(end + 4);
      if (path === '/silent') return;
      if (path === '/loop') return void socket.write('HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n');
      if (path.startsWith('/to/')) {
        const location = Buffer.from(path.slice(4), 'base64url');
        socket.write(Buffer.concat([Buffer.from('HTTP/1.1 302 Found\r\nLocation: '), location, Buffer.from('\r\nContent-Length: 0\r\n\r\n')]));
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  });
}

let good: TestServer;
/** On 127.0.0.2: where 'vm', 'evil.test' and '*.internal.test' resolve. */
let inside: Trap;
/** On 127.0.0.1: what 'localhost' reaches, when the policy lets it. */
let loopback: Trap;
const lookedUp: string[] = [];

/** A resolver for *.test names, all on loopback (no query leaves the machine). */
const lookup: LookupFunction = (hostname, _options, cb) => {
  lookedUp.push(hostname);
  const to = (address: string) => cb(null, [{ address, family: 4 }]);
  if (hostname === 'good.test' || hostname === 'also-good.test') return to('127.0.0.1');
  if (hostname === 'vm' || hostname === 'evil.test' || hostname.endsWith('.internal.test')) return to('127.0.0.2');
  cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
};

beforeAll(async () => {
  good = await redirector();
  inside = await trap('127.0.0.2');
  loopback = await trap('127.0.0.1');
});
afterAll(async () => {
  await good.close();
  await inside.close();
  await loopback.close();
});

async function sandbox(options: SandboxOptions): Promise<Sandbox> {
  return Sandbox.create({ lookup, limits: { timeoutMs: 3000 }, ...options });
}

const to = (location: string) => `${good.url}/to/${Buffer.from(location).toString('base64url')}`;

/** Runs `attempt` and checks that it failed without reaching the trap. */
async function contained(t: Trap, attempt: () => Promise<unknown>): Promise<unknown> {
  const before = t.accepted;
  const err = await attempt().then(
    async (res) => {
      if (res && typeof res === 'object' && 'bytes' in res) await (res as { bytes(): Promise<unknown> }).bytes();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(t.accepted - before, 'the trap server accepted a connection').toBe(0);
  expect(err, 'the transfer succeeded').toBeDefined();
  return err;
}

describe('1. per-request curl options cannot loosen the sandbox', () => {
  const refused: [string, (t: Trap) => OptionValue][] = [
    ['PROTOCOLS_STR', () => 'all'],
    ['CURLOPT_PROTOCOLS_STR', () => 'all'],
    ['protocolsStr', () => 'all'],
    ['PROTOCOLS', () => -1],
    ['REDIR_PROTOCOLS', () => -1],
    ['redirProtocolsStr', () => 'all'],
    ['WRITEFUNCTION', () => () => undefined],
    ['writeFunction', () => () => undefined],
    ['HEADERFUNCTION', () => () => undefined],
    ['CURLOPT_HEADERFUNCTION', () => () => undefined],
    ['DOH_URL', (t) => `http://${t.host}:${t.port}/dns-query`],
    ['dohUrl', (t) => `http://${t.host}:${t.port}/dns-query`],
    ['RESOLVE', (t) => [`good.test:${new URL(good.url).port}:${t.host}`]],
    ['CONNECT_TO', (t) => [`::${t.host}:${t.port}`]],
    ['connectTo', (t) => [`::${t.host}:${t.port}`]],
    ['ALTSVC_CTRL', () => 16],
    ['ALTSVC', () => ''],
    ['HSTS_CTRL', () => 1],
    ['PROXY', (t) => `http://${t.host}:${t.port}`],
    ['proxy', (t) => `http://${t.host}:${t.port}`],
    ['CURLOPT_PRE_PROXY', (t) => `socks5://${t.host}:${t.port}`],
    ['INTERFACE', () => 'lo'],
    ['LOCALPORT', () => 1],
    ['UNRESTRICTED_AUTH', () => 1],
    ['URL', (t) => `http://${t.host}:${t.port}/`],
    ['NOPE_NOT_AN_OPTION', () => 1],
  ];
  it.each(refused)('%s is refused with a TypeError naming it, before any connect', async (name, value) => {
    const sb = await sandbox({ policy: { preset: 'none', denyAddresses: ['127.0.0.2'] } });
    const url = `http://good.test:${new URL(good.url).port}/ok`;
    const err = await contained(inside, () => sb.request(url, { curl: { [name]: value(inside) } }));
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err)).toContain(name);
    await expect(contained(inside, () => sb.fetch(url, { curl: { [name]: value(inside) } }))).resolves.toBeInstanceOf(TypeError);
    await expectClean(sb);
  });

  const timeouts: [string, Record<string, unknown>][] = [
    ['curl.TIMEOUT_MS: 0', { curl: { TIMEOUT_MS: 0 } }],
    ['curl.TIMEOUT: 0', { curl: { TIMEOUT: 0 } }],
    ['curl.timeoutMs: 0', { curl: { timeoutMs: 0 } }],
    ['curl.CURLOPT_TIMEOUT_MS: 2^31-1', { curl: { CURLOPT_TIMEOUT_MS: 2 ** 31 - 1 } }],
    ['curl.CONNECTTIMEOUT: 0 and TIMEOUT: 0', { curl: { CONNECTTIMEOUT: 0, TIMEOUT: 0 } }],
    ['timeoutMs: 0', { timeoutMs: 0 }],
    ['timeoutMs: -1', { timeoutMs: -1 }],
    ['timeoutMs: Infinity', { timeoutMs: Infinity }],
    ['retry: 5 retries of the whole limit each', { retry: { retries: 5, delayMs: 1 } }],
  ];
  it.each(timeouts)('%s: refused as a bad value, or a silent server still ends at timeoutMs', async (_name, options) => {
    const sb = await sandbox({ policy: { preset: 'none' }, limits: { timeoutMs: 600 } });
    const before = good.connections;
    const t0 = performance.now();
    const err = await sb.request(`${good.url}/silent`, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err instanceof TypeError)
      expect(good.connections).toBe(before); // refused before anything is sent
    else {
      expect((err as CurlEasyError).code).toBe('CURLE_OPERATION_TIMEDOUT');
      expect(performance.now() - t0).toBeLessThan(600 + 1500); // the deadline plus scheduling slack, never a multiple of it
    }
    await expectClean(sb);
  });

  it.each([
    ['curl.MAXREDIRS: -1', { curl: { MAXREDIRS: -1 } }],
    ['curl.maxredirs: 1000', { curl: { maxredirs: 1000 } }],
    ['maxRedirects: 1000', { maxRedirects: 1000 }],
    ['maxRedirects: -1', { maxRedirects: -1 }],
  ])('%s: a redirect loop ends after maxRedirects', async (_name, options) => {
    const sb = await sandbox({ policy: { preset: 'none' }, limits: { maxRedirects: 3 } });
    const before = good.connections + good.requests;
    const err = await sb.request(`${good.url}/loop`, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    const refused = err instanceof TypeError;
    if (!refused) expect((err as CurlEasyError).code).toBe('CURLE_TOO_MANY_REDIRECTS');
    expect(good.connections + good.requests - before).toBeLessThanOrEqual(refused ? 0 : 4);
    await expectClean(sb);
  });
});

describe("2. the host rule judges the host curl connects to (one parser: curl's)", () => {
  const port = () => inside.port;
  const spellings: [string, () => string][] = [
    ['good.test\\@127.0.0.2', () => `http://good.test\\@127.0.0.2:${port()}/`],
    ['good.test@127.0.0.2', () => `http://good.test@127.0.0.2:${port()}/`],
    ['good.test:80@127.0.0.2', () => `http://good.test:80@127.0.0.2:${port()}/`],
    ['good.test%5c@127.0.0.2', () => `http://good.test%5c@127.0.0.2:${port()}/`],
    ['[::ffff:127.0.0.2]', () => `http://[::ffff:127.0.0.2]:${port()}/`],
    ['2130706434 (decimal)', () => `http://2130706434:${port()}/`],
    ['0x7f.2 (hex, short)', () => `http://0x7f.2:${port()}/`],
    ['127.2 (short)', () => `http://127.2:${port()}/`],
    ['scheme-relative //127.0.0.2', () => `//127.0.0.2:${port()}/`],
    ['evil.test (a name not allowed)', () => `http://evil.test:${port()}/`],
  ];
  it.each(spellings)('a redirect to %s does not reach it', async (_name, location) => {
    const sb = await sandbox({ policy: { preset: 'none', allowHosts: ['good.test'] } });
    const err = await contained(inside, () => sb.request(`http://good.test:${new URL(good.url).port}${new URL(to(location())).pathname}`));
    expect(err).toBeInstanceOf(CurlEasyError);
    await expectClean(sb);
  });

  it.each(spellings)('a first URL %s does not reach it either', async (_name, url) => {
    const sb = await sandbox({ policy: { preset: 'none', allowHosts: ['good.test'] } });
    const u = url().startsWith('//') ? `http:${url()}` : url();
    const err = await contained(inside, () => sb.request(u));
    expect(err instanceof CurlEasyError || err instanceof TypeError).toBe(true);
    await expectClean(sb);
  });

  it('the allowed name still works, direct and by redirect', async () => {
    const sb = await sandbox({ policy: { preset: 'none', allowHosts: ['good.test', 'also-good.test'] } });
    const p = new URL(good.url).port;
    expect(await (await sb.request(`http://good.test:${p}/ok`)).text()).toBe('ok');
    const hop = await sb.request(`http://good.test:${p}${new URL(to(`http://also-good.test:${p}/ok`)).pathname}`);
    expect(await hop.text()).toBe('ok');
    await expectClean(sb);
  });
});

describe('3. names are judged as the resolver sees them', () => {
  const spellings = ['vm', 'VM', 'ｖｍ', 'v\u00ADm', 'ⓥⓜ', 'vm.', 'Vm.', 'x.internal.test', 'X.INTERNAL.TEST', 'x.ｉｎｔｅｒｎａｌ.test', 'x.internal.test.'];
  it.each(spellings)('denyHosts catches %j, direct and by redirect, before its lookup', async (name) => {
    const sb = await sandbox({ policy: { preset: 'none', denyHosts: ['vm', '*.internal.test'] } });
    lookedUp.length = 0;
    const direct = await contained(inside, () => sb.request(`http://${name}:${inside.port}/`));
    expectDenied(direct as CurlEasyError, /^denyHosts /);
    const hop = await contained(inside, () => sb.request(to(`http://${name}:${inside.port}/`)));
    expectDenied(hop as CurlEasyError, /^denyHosts /);
    expect(lookedUp).toEqual([]); // refused before the resolver was asked
    await expectClean(sb);
  });

  it.each(['vm..', 'vm...', '.vm', 'a..vm'])('%j is no host name: refused', async (name) => {
    const sb = await sandbox({ policy: { preset: 'none', denyHosts: ['vm'] } });
    const err = await contained(inside, () => sb.request(`http://${name}:${inside.port}/`));
    expect(err).toBeInstanceOf(CurlEasyError);
    await expectClean(sb);
  });

  it('the resolver is handed the normalised name (what was judged is what is resolved)', async () => {
    const sb = await sandbox({ policy: { preset: 'none', allowHosts: ['good.test'] } });
    lookedUp.length = 0;
    const res = await sb.request(`http://ｇｏｏｄ.ＴＥＳＴ:${new URL(good.url).port}/ok`);
    expect(await res.text()).toBe('ok');
    expect(lookedUp).toEqual(['good.test']);
    await expectClean(sb);
  });

  it.each(['localhost', 'LOCALHOST', 'localhost.', 'a.localhost', 'x.y.localhost'])('names curl answers itself are judged too: %s', async (name) => {
    const sb = await sandbox({ policy: { preset: 'none', denyHosts: ['localhost', '*.localhost'] } });
    const err = await contained(loopback, () => sb.request(`http://${name}:${loopback.port}/`));
    expectDenied(err as CurlEasyError, /^denyHosts /);
    const allowOnly = await sandbox({ policy: { preset: 'none', allowHosts: ['good.test'] } });
    const err2 = await contained(loopback, () => allowOnly.request(`http://${name}:${loopback.port}/`));
    expectDenied(err2 as CurlEasyError, 'not in allowHosts');
    await expectClean(sb);
    await expectClean(allowOnly);
  });
});

describe("4. the 'public' preset stays on unless preset: 'none'", () => {
  it.each([
    ['denyHosts only', { denyHosts: ['nothing.test'] }],
    ['allowHosts only', { allowHosts: ['good.test', 'localhost'] }],
    ['denyAddresses only', { denyAddresses: ['192.0.2.1'] }],
    ['allowAddresses covering loopback', { allowAddresses: ['127.0.0.0/8'] }],
    ['allowPorts only', { allowPorts: [loopbackPort()] }],
    ['preset: undefined', { preset: undefined }],
  ])('%s: loopback stays refused', async (_name, policy) => {
    const sb = await sandbox({ policy: policy as SandboxOptions['policy'] });
    for (const url of [`http://127.0.0.1:${loopback.port}/`, `http://localhost:${loopback.port}/`, `http://good.test:${loopback.port}/`]) {
      const err = await contained(loopback, () => sb.request(url));
      expect((err as CurlEasyError).cause).toBeInstanceOf(PolicyDenied);
    }
    await expectClean(sb);
  });

  it("preset: 'none' with the same lists reaches it; a bad preset is a TypeError", async () => {
    const sb = await sandbox({ policy: { preset: 'none', allowAddresses: ['127.0.0.0/8'] } });
    const before = loopback.accepted;
    expect(await (await sb.request(`http://127.0.0.1:${loopback.port}/`)).text()).toBe('escaped');
    expect(loopback.accepted).toBe(before + 1);
    await expectClean(sb);
    await expect(Sandbox.create({ policy: { preset: 'private' as 'none' } })).rejects.toThrow(TypeError);
    await expect(Sandbox.create({ protocols: ['http,file'] })).rejects.toThrow(/not a scheme name/);
  });
});

function loopbackPort(): number {
  return loopback?.port ?? 1;
}

describe('5. limits end transfers at once, and one failure never fails another', () => {
  it('destroy() with transfers in flight: each rejects with SandboxDestroyed, destroy resolves, no socket is left', async () => {
    const sb = await sandbox({ policy: { preset: 'none' } });
    const inFlight = [sb.request(`${good.url}/silent`), sb.fetch(`${good.url}/silent`), sb.request(`${good.url}/silent`)];
    const open = good.openSockets;
    await new Promise((r) => setImmediate(r)); // the transfers are connecting
    await expect(sb.destroy()).resolves.toBeUndefined();
    for (const p of inFlight) {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      const cause = err instanceof SandboxDestroyed ? err : (err as Error).cause;
      expect(cause).toBeInstanceOf(SandboxDestroyed);
    }
    expect(sb.runtime.sockets.size).toBe(0);
    expect(good.openSockets).toBeLessThanOrEqual(open);
    await expect(sb.destroy()).resolves.toBeUndefined();
  });

  it('100,000 request headers are refused before wasm, and the next request keeps its timeout', async () => {
    const sb = await sandbox({ policy: { preset: 'none' }, limits: { timeoutMs: 600 } });
    const headers = Array.from({ length: 100_000 }, (_, i) => [`x-h${i}`, 'v'] as [string, string]);
    const err = await sb.request(`${good.url}/ok`, { headers }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceeded);
    expect((err as LimitExceeded).limit).toBe('maxRequestHeaders');
    const big = await sb.request(`${good.url}/ok`, { headers: { 'x-big': 'v'.repeat(100_000) } }).catch((e: unknown) => e);
    expect((big as LimitExceeded).limit).toBe('maxRequestHeaderBytes');
    const long = await sb.request(`${good.url}/ok?${'q'.repeat(10_000)}`).catch((e: unknown) => e);
    expect((long as LimitExceeded).limit).toBe('maxUrlBytes');
    const { err: next, ms } = await failure(sb.request(`${good.url}/silent`));
    expect(next.code).toBe('CURLE_OPERATION_TIMEDOUT');
    expect(ms).toBeLessThan(600 + 1500);
    await expectClean(sb);
  });

  // regression: fields libcurl makes of a curl option (a cookie, a range,
  // credentials, the user agent…) were not counted, so one option carried
  // any number of bytes past maxRequestHeaderBytes
  it.each<[string, Record<string, OptionValue>]>([
    ['COOKIE', { COOKIE: `a=${'v'.repeat(100_000)}` }],
    ['cookie (another spelling)', { cookie: `a=${'v'.repeat(100_000)}` }],
    ['RANGE', { RANGE: '0-1,'.repeat(30_000) }],
    ['USERAGENT', { USERAGENT: 'u'.repeat(100_000) }],
    ['REFERER', { REFERER: `http://a/${'r'.repeat(100_000)}` }],
    ['USERPWD', { USERPWD: `u:${'p'.repeat(100_000)}` }],
    ['USERNAME and PASSWORD', { USERNAME: 'u'.repeat(50_000), PASSWORD: 'p'.repeat(50_000) }],
    ['XOAUTH2_BEARER', { XOAUTH2_BEARER: 't'.repeat(100_000) }],
    ['ACCEPT_ENCODING', { ACCEPT_ENCODING: 'gzip, '.repeat(20_000) }],
  ])('%s counts against maxRequestHeaderBytes: request(), fetch() and ws(), nothing sent', async (_name, curl) => {
    const sb = await sandbox({ policy: { preset: 'none' } });
    const before = good.connections;
    for (const attempt of [
      () => sb.request(`${good.url}/ok`, { curl }),
      () => sb.fetch(`${good.url}/ok`, { curl }),
      () => sb.ws(`${good.url.replace('http', 'ws')}/ok`, { curl }),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      const limit = err instanceof LimitExceeded ? err : (err as Error).cause;
      expect(limit, String(err)).toBeInstanceOf(LimitExceeded);
      expect((limit as LimitExceeded).limit).toBe('maxRequestHeaderBytes');
    }
    expect(good.connections).toBe(before);
    // within the bounds the same options pass
    const small = Object.fromEntries(Object.entries(curl).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 40) : v]));
    expect(await (await sb.request(`${good.url}/ok`, { curl: small })).text()).toBe('ok');
    await expectClean(sb);
  });

  it('ws(): the URL and the header fields are bounded as request() bounds them', async () => {
    const sb = await sandbox({ policy: { preset: 'none' }, limits: { maxUrlBytes: 100, maxRequestHeaders: 2 } });
    const before = good.connections;
    const ws = good.url.replace('http', 'ws');
    const long = await sb.ws(`${ws}/${'a'.repeat(200)}`).catch((e: unknown) => e);
    expect((long as LimitExceeded).limit).toBe('maxUrlBytes');
    const many = await sb.ws(`${ws}/`, { headers: { a: '1', b: '2', c: '3' } }).catch((e: unknown) => e);
    expect((many as LimitExceeded).limit).toBe('maxRequestHeaders');
    const plus = await sb.ws(`${ws}/`, { headers: { a: '1', b: '2' }, curl: { COOKIE: 'c=3' } }).catch((e: unknown) => e);
    expect((plus as LimitExceeded).limit).toBe('maxRequestHeaders');
    const offered = await sb.ws(`${ws}/`, { headers: { a: '1', b: '2' }, protocols: ['chat'] }).catch((e: unknown) => e);
    expect((offered as LimitExceeded).limit).toBe('maxRequestHeaders');
    expect(good.connections).toBe(before);
    await expectClean(sb);
  });

  it.each(['http://[::1%25lo]/', 'http://[::1%lo]/', 'http://[fe80::1%25eth0]:1/', 'http://[::ffff:127.0.0.2%251]/'])(
    'a redirect to %s fails only its own transfer',
    async (location) => {
      const sb = await sandbox({ policy: { preset: 'none', denyAddresses: ['127.0.0.2'] } });
      const bad = sb.request(to(location)).then(
        () => undefined,
        (e: unknown) => e,
      );
      const fine = sb.request(`${good.url}/ok`);
      expect(await (await fine).text()).toBe('ok');
      expect(await bad).toBeInstanceOf(CurlEasyError);
      expect(await (await sb.request(`${good.url}/ok`)).text()).toBe('ok');
      await expectClean(sb);
    },
  );
});

/** Raw deflate of `total` zero bytes, about 1/1000 of that on the wire, made in milliseconds. */
function zeroDeflate(total: number): Buffer {
  const unit = 4 << 20;
  // sync-flushed blocks of zeros only refer back to zeros: repeating one is a valid stream
  const block = zlib.deflateRawSync(Buffer.alloc(unit), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return Buffer.concat([...Array<Buffer>(Math.ceil(total / unit)).fill(block), Buffer.from([0x03, 0x00])]);
}

describe('6. decompression bombs hit the body cap, unread, at once', () => {
  const GiB = 1 << 30;
  // the trailers are never reached: the cap fires long before
  const gzip = () => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]), zeroDeflate(GiB), Buffer.alloc(8)]);
  const bodies: Record<string, () => Buffer> = {
    gzip,
    deflate: () => Buffer.concat([Buffer.from([0x78, 0x9c]), zeroDeflate(GiB), Buffer.alloc(4)]),
    'gzip, gzip': () => zlib.gzipSync(gzip()),
    br: () => zlib.brotliCompressSync(Buffer.alloc(256 << 20), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }),
    zstd: () => zstdBomb,
    'deflate, br': () => zlib.brotliCompressSync(Buffer.concat([Buffer.from([0x78, 0x9c]), zeroDeflate(GiB)])),
  };
  it.each(Object.keys(bodies))('Content-Encoding: %s, body never read: LimitExceeded maxBodyBytes, socket released', async (encoding) => {
    const body = bodies[encoding]!();
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-encoding': encoding, 'content-length': body.length });
      res.end(body);
    });
    try {
      const sb = await sandbox({ policy: { preset: 'none' }, limits: { timeoutMs: 30_000 } });
      const res = await sb.request(`${srv.url}/`);
      // nobody reads: the transfer must still end at the cap, not at the deadline
      await until(() => sb.runtime.activeTransfers === 0, 30_000);
      const { err } = await failure(res.bytes());
      expect(err.code).toBe('CURLE_WRITE_ERROR');
      expect((err.cause as LimitExceeded).limit).toBe('maxBodyBytes');
      expect(sb.runtime.exports.memory.buffer.byteLength).toBeLessThanOrEqual(sb.limits.maxMemoryBytes);
      await until(() => srv.openSockets === 0, 30_000); // curl let go of the connection
      await expectClean(sb);
    } finally {
      await srv.close();
    }
  });
});

describe('7. CR and LF never reach the wire', () => {
  const injections: [string, Record<string, OptionValue>][] = [
    ['USERAGENT', { USERAGENT: 'ua\r\nX-Injected: 1' }],
    ['useragent (bare LF)', { useragent: 'ua\nX-Injected: 1' }],
    ['REFERER', { REFERER: 'http://a/\r\nX-Injected: 1' }],
    ['COOKIE', { COOKIE: 'a=1\r\nX-Injected: 1' }],
    ['CUSTOMREQUEST', { CUSTOMREQUEST: 'GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET' }],
    ['RANGE', { RANGE: '0-1\r\nX-Injected: 1' }],
    ['HTTPHEADER', { HTTPHEADER: ['X-Ok: 1', 'X-Bad: 1\r\nX-Injected: 1'] }],
  ];
  it.each(injections)('%s: a TypeError from request(), fetch() and a Sandbox, nothing sent', async (name, curl) => {
    const before = good.connections;
    const sb = await sandbox({ policy: { preset: 'none' } });
    const { Session } = await import('../../ts/index.js');
    const session = new Session();
    try {
      const inSandbox = name === 'CUSTOMREQUEST' || name === 'HTTPHEADER' ? undefined : await sb.request(`${good.url}/ok`, { curl }).catch((e: unknown) => e);
      if (inSandbox !== undefined) expect(inSandbox).toBeInstanceOf(TypeError);
      await expect(session.request(`${good.url}/ok`, { curl })).rejects.toThrow(/CR, LF and NUL/);
      await expect(session.fetch(`${good.url}/ok`, { curl })).rejects.toThrow(TypeError);
      expect(good.connections).toBe(before);
    } finally {
      await session.close();
      await sb.destroy();
    }
  });
});

describe('8. sandbox.ws(): the same policy and limits', () => {
  it('a WebSocket to a refused address never connects; an allowed one works within maxBodyBytes', async () => {
    const server = await startWsServer();
    try {
      const strict = await sandbox({});
      const port = new URL(server.url).port;
      const denied = await strict.ws(`ws://127.0.0.1:${port}/`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((denied as CurlEasyError).cause).toBeInstanceOf(PolicyDenied);
      await expect(strict.ws(`ws://good.test:${port}/`, { curl: { CONNECT_TO: ['::127.0.0.1:1'] } })).rejects.toThrow(TypeError);
      expect(server.connections.length).toBe(0);
      await expectClean(strict);

      const open = await sandbox({ policy: { preset: 'none' }, limits: { maxBodyBytes: 1024 } });
      const ws = await open.ws(`ws://good.test:${port}/?id=sb`);
      const peer = await server.peer('sb');
      ws.send('hello');
      peer.socket.send(Buffer.alloc(4096)); // past maxBodyBytes: the connection fails (1009)
      const closed = await ws.closed;
      expect(closed.error).toBeInstanceOf(RangeError);
      expect((await peer.closed).code).toBe(1009);
      await expectClean(open);
    } finally {
      await server.close();
    }
  });
});

describe('9. no command line of FTP, SMTP, IMAP or POP3 is smuggled through an option', () => {
  /** Greets as an FTP or SMTP server does, refuses every command, and keeps the lines it was sent. */
  async function commandServer(): Promise<TestServer & { lines: string[] }> {
    const lines: string[] = [];
    const server = await startRawServer((socket) => {
      socket.on('error', () => {});
      socket.write('220 ready\r\n');
      let text = '';
      socket.on('data', (d) => {
        text += d.toString('latin1');
        for (let end = text.indexOf('\r\n'); end >= 0; end = text.indexOf('\r\n')) {
          lines.push(text.slice(0, end));
          text = text.slice(end + 2);
          socket.write('530 no\r\n');
        }
      });
    });
    return Object.assign(server, { lines });
  }
  const injected = 'me\r\nDELE secret';
  // what a Sandbox accepts and libcurl may send in a command: CR or LF in it is a TypeError
  const accepted: Record<string, OptionValue>[] = [{ USERNAME: injected }, { PASSWORD: injected }, { USERPWD: `${injected}:pw` }, { XOAUTH2_BEARER: injected }];
  // options whose value is a command or goes into one: not on the Sandbox's list at all
  const refused: Record<string, OptionValue>[] = [
    { MAIL_RCPT: ['a@b.test'] },
    { MAIL_FROM: 'a@b.test' },
    { MAIL_AUTH: 'a@b.test' },
    { QUOTE: ['NOOP'] },
    { POSTQUOTE: ['NOOP'] },
    { PREQUOTE: ['NOOP'] },
    { CUSTOMREQUEST: 'LIST' },
    { FTP_ACCOUNT: 'acct' },
    { FTP_ALTERNATIVE_TO_USER: 'USER other' },
    { LOGIN_OPTIONS: 'AUTH=*' },
    { SASL_AUTHZID: 'other' },
    { SERVICE_NAME: 'x' },
    { TELNETOPTIONS: ['TTYPE=x'] },
  ];
  it('CR/LF in an accepted credential is a TypeError, and the command options are refused, before any connect', async () => {
    const server = await commandServer();
    try {
      const sb = await sandbox({ policy: { preset: 'none' }, protocols: ['ftp', 'smtp', 'imap', 'pop3'] });
      const port = new URL(server.url).port;
      for (const scheme of ['ftp', 'smtp', 'imap', 'pop3']) {
        for (const curl of [...accepted, ...refused]) {
          const label = `${scheme} ${Object.keys(curl)[0]}`;
          const err = await sb.request(`${scheme}://127.0.0.1:${port}/`, { curl }).catch((e: unknown) => e);
          expect(err, label).toBeInstanceOf(TypeError);
          expect(String(err), label).toMatch(accepted.includes(curl) ? /CR, LF and NUL are not allowed/ : /is refused in a Sandbox/);
          await expect(sb.fetch(`${scheme}://127.0.0.1:${port}/`, { curl }), label).rejects.toThrow(TypeError);
        }
      }
      expect(server.connections).toBe(0);
      // the same credential without CR/LF is sent as one command
      await expect(sb.request(`ftp://127.0.0.1:${port}/`, { curl: { USERNAME: 'me' } })).rejects.toMatchObject({ code: 'CURLE_LOGIN_DENIED' });
      expect(server.lines).toEqual(['USER me']);
      await expectClean(sb);
    } finally {
      await server.close();
    }
  });

  // regression: VERBOSE was accepted and wrote curl's trace, as long as the server made it, to the process's stderr
  it("VERBOSE is refused (curl's trace would go to stderr unbounded); onDebug hands the trace to the caller", async () => {
    const sb = await sandbox({ policy: { preset: 'none' } });
    for (const curl of [{ VERBOSE: 1 }, { verbose: true }, { CURLOPT_VERBOSE: 1 }] as Record<string, OptionValue>[]) {
      const before = good.connections;
      await expect(sb.request(`${good.url}/ok`, { curl }), JSON.stringify(curl)).rejects.toThrow(/VERBOSE.*is refused in a Sandbox: curl's trace/);
      await expect(sb.fetch(`${good.url}/ok`, { curl })).rejects.toThrow(TypeError);
      expect(good.connections).toBe(before);
    }
    const trace: string[] = [];
    const res = await sb.request(`${good.url}/ok`, { onDebug: (type, data) => type === 2 && trace.push(Buffer.from(data).toString('latin1')) });
    expect(await res.text()).toBe('ok');
    expect(trace.join('')).toMatch(/^GET \/ok HTTP\/1\.1\r\n/);
    await expectClean(sb);
  });
});
