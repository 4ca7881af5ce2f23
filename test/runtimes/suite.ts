// SPDX-License-Identifier: MIT
// The integration suite every runtime runs: Node (node.test.ts, vitest), Deno
// (deno.ts, `deno test`) and Bun (bun.spec.ts, `bun test`); see
// scripts/test-runtimes.sh. No test framework here: each case is a plain
// async function that throws (node:assert) on failure. The library comes
// from the built bundle, dist/index.mjs, so each runtime tests what users
// get; the servers are Node's http/https/http2 on loopback (test/fixtures),
// run by the runtime under test.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as tls from 'node:tls';
import type * as Lib from '../../ts/index.js';
import {
  certs,
  closedPort,
  compressiblePayload,
  patternBytes,
  sha256,
  startHttp2Server,
  startHttpServer,
  startHttpsServer,
  type TestServer,
} from '../fixtures/servers.js';
import { startTftpServer } from '../fixtures/tftp.js';
import { startCutServer } from '../fixtures/tls-cut.js';
import { until } from '../fixtures/wait.js';

/** The bundle; a URL, not a literal specifier, so that tsc need not find dist/ (its types are ts/'s). */
const lib = (await import(new URL('../../dist/index.mjs', import.meta.url).href)) as typeof Lib;
const { CurlEasyError, Easy, Multi, Runtime, Session } = lib;

export const runtime: 'node' | 'deno' | 'bun' = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';

export interface Case {
  name: string;
  run: () => Promise<void>;
  /** Set when the case cannot run here: the reason, which runners print as 'skipped: reason'. */
  skip?: string;
}

// ---------------------------------------------------------------------------
// Helpers

/** What a case opened, closed in reverse order whatever happens. */
class Scope {
  readonly #closers: (() => unknown)[] = [];

  add<T>(x: T, close: (x: T) => unknown): T {
    this.#closers.push(() => close(x));
    return x;
  }

  http(): Promise<TestServer> {
    return startHttpServer().then((s) => this.add(s, (x) => x.close()));
  }

  session(options: Lib.SessionOptions = {}): Lib.Session {
    return this.add(new Session(options), (s) => s.close());
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const close of this.#closers.reverse()) {
      try {
        await close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }
}

function scoped(fn: (s: Scope) => Promise<void>): () => Promise<void> {
  return async () => {
    const scope = new Scope();
    let failed = false;
    try {
      await fn(scope);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // a cleanup error must not hide the case's own
      await scope.close().catch((err: unknown) => {
        if (!failed) throw err;
      });
    }
  };
}

/** Every *.test name and localhost are 127.0.0.1; nothing else resolves. */
function loopbackLookup(seen?: string[]): Lib.LookupFunction {
  return (host, _options, callback) => {
    seen?.push(host);
    if (host === 'localhost' || host.endsWith('.test')) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

function assertCurlError(err: unknown, code: string): asserts err is Lib.CurlEasyError {
  assert.ok(err instanceof CurlEasyError, `expected a CurlEasyError ${code}, got ${String(err)}`);
  assert.equal(err.code, code);
}

/** One transfer through Easy + Multi.run; the body is hashed as it streams. */
async function easyGet(
  rt: Lib.Runtime,
  multi: Lib.Multi,
  url: string,
): Promise<{ easy: Lib.Easy; length: number; sha256: string; chunks: number; text: string }> {
  const easy = new Easy(rt);
  const hash = createHash('sha256');
  const head: Uint8Array[] = [];
  let length = 0;
  let chunks = 0;
  easy.setOpt('URL', url);
  easy.setOpt('WRITEFUNCTION', (chunk: Uint8Array) => {
    hash.update(chunk); // the view is into wasm memory: hashed (copied) now
    if (length < 4096) head.push(chunk.slice());
    length += chunk.length;
    chunks++;
  });
  try {
    await multi.run(easy);
  } catch (err) {
    easy.close();
    throw err;
  }
  return { easy, length, chunks, sha256: hash.digest('hex'), text: Buffer.concat(head).toString('utf8') };
}

const MiB = 1 << 20;
const expected4MiB = sha256(patternBytes(4 * MiB));

// ---------------------------------------------------------------------------
// What this runtime can do (decided once, reported as skips)

const sandboxSkip = typeof lib.Sandbox === 'function' ? undefined : 'Sandbox is not exported by dist/index.mjs (rebuild dist)';

// ---------------------------------------------------------------------------
// The cases

export const cases: Case[] = [
  {
    name: 'Runtime.create: a wasm instance with curl 8.14.1 and its features',
    run: async () => {
      const rt = await Runtime.create();
      assert.match(rt.version, /^libcurl\/8\.14\.1 /);
      for (const part of ['mbedTLS/', 'zlib/', 'brotli/', 'zstd/', 'libpsl/', 'nghttp2/']) assert.ok(rt.version.includes(part), `${part} in ${rt.version}`);
      const other = await Runtime.create({ lookup: loopbackLookup() });
      assert.notEqual(other, rt);
      assert.notEqual(other.exports.memory, rt.exports.memory);
      assert.equal(other.version, rt.version);
    },
  },
  {
    name: 'Easy + Multi: GET with getInfo',
    run: scoped(async (s) => {
      const srv = await s.http();
      const rt = await Runtime.create();
      const multi = s.add(new Multi(rt), (m) => m.close());
      const { easy, text } = await easyGet(rt, multi, `${srv.url}/hello`);
      s.add(easy, (e) => e.close());
      assert.equal(text, 'hello world');
      assert.equal(easy.getInfo('RESPONSE_CODE'), 200);
      assert.equal(easy.getInfo('PRIMARY_IP'), '127.0.0.1');
      assert.equal(easy.getInfo('PRIMARY_PORT'), srv.port);
      assert.equal(easy.getInfo('LOCAL_IP'), '127.0.0.1');
      assert.equal(easy.getInfo('CONTENT_TYPE'), 'text/plain');
      assert.equal(easy.getInfo('EFFECTIVE_URL'), `${srv.url}/hello`);
      assert.equal(Number(easy.getInfo('SIZE_DOWNLOAD_T')), 11);
      assert.ok(Number(easy.getInfo('TOTAL_TIME_T')) > 0);
      assert.equal(easy.getInfo('HTTP_VERSION'), 2); // CURL_HTTP_VERSION_1_1
    }),
  },
  {
    name: 'Easy + Multi: a 4 MiB chunked download',
    run: scoped(async (s) => {
      const srv = await s.http();
      const rt = await Runtime.create();
      const multi = s.add(new Multi(rt), (m) => m.close());
      const got = await easyGet(rt, multi, `${srv.url}/chunked/${4 * MiB}`);
      s.add(got.easy, (e) => e.close());
      assert.equal(got.easy.getInfo('RESPONSE_CODE'), 200);
      assert.equal(got.length, 4 * MiB);
      assert.equal(got.sha256, expected4MiB);
      assert.ok(got.chunks > 1, 'delivered in pieces');
    }),
  },
  {
    name: 'POST: request() with a JSON body, fetch() with a 1 MiB binary body',
    run: scoped(async (s) => {
      const srv = await s.http();
      const session = s.session();
      const r = await session.request(`${srv.url}/inspect`, { json: { a: 1, b: [true, null] } });
      assert.equal(r.status, 200);
      const seen = (await r.json()) as { method: string; body: string; headers: Record<string, string> };
      assert.equal(seen.method, 'POST');
      assert.equal(seen.body, '{"a":1,"b":[true,null]}');
      assert.equal(seen.headers['content-type'], 'application/json');
      const body = patternBytes(MiB);
      const res = await session.fetch(`${srv.url}/upload-sha256`, { method: 'POST', body: new Uint8Array(body) });
      assert.deepEqual(await res.json(), { length: MiB, sha256: sha256(body), chunked: false });
    }),
  },
  {
    name: 'keep-alive: three requests reuse one connection',
    run: scoped(async (s) => {
      const srv = await s.http();
      const session = s.session();
      for (let i = 0; i < 3; i++) {
        const r = await session.request(`${srv.url}/hello`);
        assert.equal(await r.text(), 'hello world');
        await r.done;
      }
      assert.equal(srv.requests, 3);
      assert.equal(srv.connections, 1);
    }),
  },
  {
    name: 'HTTPS with the test CA (Session({ ca }), the default dns.lookup for localhost)',
    run: scoped(async (s) => {
      const srv = s.add(await startHttpsServer(), (x) => x.close());
      const session = s.session({ ca: certs.ca });
      const res = await session.fetch(`${srv.url}/hello`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello world');
      const r = await session.request(`${srv.url}/bytes/1000`);
      assert.equal((await r.bytes()).length, 1000);
      await r.done;
      const info = r.info();
      assert.match(info.tls?.version ?? '', /^TLSv1\.[23]$/);
      assert.equal(info.tls?.verifyResult, 0);
      assert.equal(info.primaryIp, '127.0.0.1');
      assert.ok(info.timings.connect <= info.timings.tls && info.timings.tls <= info.timings.pretransfer, JSON.stringify(info.timings));
    }),
  },
  {
    // host TLS tells the two apart only through node's internals (ts/host/tls-tap.ts): Deno and
    // Bun, which lack them, default to mbedTLS
    name: 'a connection-delimited HTTPS body: whole after close_notify, CURLE_RECV_ERROR (56) when cut by a bare TCP close',
    run: scoped(async (s) => {
      const body = patternBytes(100_000);
      const rt = await Runtime.create();
      if (runtime !== 'node') assert.equal(rt.tls, 'mbedtls');
      for (const cut of [false, true]) {
        const srv = s.add(await startCutServer(body, cut), (x) => x.close());
        const session = s.session({ runtime: rt, ca: certs.ca, curl: { RESOLVE: srv.resolve } });
        const got = session.request(srv.url).then((r) => r.bytes());
        if (!cut) assert.equal(sha256(await got), sha256(body));
        else assertCurlError(await rejection(got), 'CURLE_RECV_ERROR');
      }
    }),
  },
  {
    name: 'an unknown CA fails with CURLE_PEER_FAILED_VERIFICATION',
    run: scoped(async (s) => {
      // the runtime's own roots (what a default Session trusts) are there, and the test CA is not among them
      assert.ok(Array.isArray(tls.rootCertificates) && tls.rootCertificates.length > 50, 'node:tls rootCertificates');
      const untrusted = s.add(await startHttpsServer({ cert: 'untrusted' }), (x) => x.close());
      const err = await rejection(s.session({ ca: certs.ca }).request(`${untrusted.url}/hello`));
      assertCurlError(err, 'CURLE_PEER_FAILED_VERIFICATION');
      const srv = s.add(await startHttpsServer(), (x) => x.close());
      const viaFetch = await rejection(s.session().fetch(`${srv.url}/hello`));
      assert.ok(viaFetch instanceof TypeError);
      assertCurlError((viaFetch as TypeError).cause, 'CURLE_PEER_FAILED_VERIFICATION');
      assert.equal(untrusted.requests + srv.requests, 0);
    }),
  },
  {
    name: 'HTTP/2 over TLS: 20 concurrent streams on one connection',
    run: scoped(async (s) => {
      const h2 = s.add(await startHttp2Server(), (x) => x.close());
      const session = s.session({ ca: certs.ca, runtimeOptions: { lookup: loopbackLookup() } });
      const results = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const r = await session.request(`${h2.url}/bytes/${1000 * (i + 1)}`);
          const length = (await r.bytes()).length;
          await r.done;
          return { head: r.httpVersion, version: r.info().httpVersion, length };
        }),
      );
      results.forEach((r, i) => assert.deepEqual(r, { head: '2', version: '2', length: 1000 * (i + 1) }));
      assert.equal(h2.requests, 20);
      assert.equal(h2.sessions, 1);
      assert.equal(h2.connections, 1);
    }),
  },
  {
    name: 'gzip, deflate, br and zstd bodies are decoded',
    run: scoped(async (s) => {
      const srv = await s.http();
      const session = s.session();
      for (const enc of ['gzip', 'deflate', 'br', 'zstd']) {
        const res = await session.fetch(`${srv.url}/${enc}`);
        assert.equal(res.headers.get('content-encoding'), enc);
        assert.equal(await res.text(), compressiblePayload, enc);
      }
    }),
  },
  {
    name: 'fetch(): a streamed 4 MiB body after a redirect across host names (injected lookup)',
    run: scoped(async (s) => {
      const srv = await s.http();
      const seen: string[] = [];
      const session = s.session({ runtimeOptions: { lookup: loopbackLookup(seen) } });
      const to = `http://b.test:${srv.port}/chunked/${4 * MiB}`;
      const res = await session.fetch(`http://a.test:${srv.port}/redirect?status=302&to=${encodeURIComponent(to)}`);
      assert.equal(res.status, 200);
      assert.equal(res.url, to);
      assert.equal(res.redirected, true);
      const hash = createHash('sha256');
      let length = 0;
      let chunks = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        length += chunk.length;
        chunks++;
      }
      assert.equal(length, 4 * MiB);
      assert.equal(hash.digest('hex'), expected4MiB);
      assert.ok(chunks > 1, 'streamed in pieces');
      assert.ok(seen.includes('a.test') && seen.includes('b.test'), `looked up ${seen.join(', ')}`);
    }),
  },
  {
    name: 'request(): timings, addresses and sizes',
    run: scoped(async (s) => {
      const srv = await s.http();
      const r = await s.session().request(`${srv.url}/slow?ms=100`);
      assert.equal(await r.text(), 'slow');
      await r.done;
      const info = r.info();
      const t = info.timings;
      assert.ok(t.nameLookup >= 0 && t.nameLookup <= t.connect, JSON.stringify(t));
      assert.ok(t.connect <= t.pretransfer && t.pretransfer <= t.firstByte && t.firstByte <= t.total, JSON.stringify(t));
      assert.ok(t.firstByte >= 90, `firstByte ${t.firstByte} ms after a 100 ms wait`);
      assert.equal(t.tls, 0);
      assert.equal(info.status, 200);
      assert.equal(info.httpVersion, '1.1');
      assert.equal(info.primaryIp, '127.0.0.1');
      assert.equal(info.primaryPort, srv.port);
      assert.equal(info.localIp, '127.0.0.1');
      assert.ok(info.localPort > 0);
      assert.equal(info.bytes.downloaded, 4);
    }),
  },
  {
    name: 'AbortController: aborts a waiting fetch and a streaming body; the sockets close',
    run: scoped(async (s) => {
      const srv = await s.http();
      const session = s.session();
      const ac = new AbortController();
      const started = Date.now();
      const pending = session.fetch(`${srv.url}/slow?ms=5000`, { signal: ac.signal });
      void until(() => srv.requests === 1).then(() => ac.abort()); // once the server has it
      const err = await rejection(pending);
      assert.equal((err as Error).name, 'AbortError');
      assert.ok(Date.now() - started < 2000, 'rejected at once');
      const ac2 = new AbortController();
      const res = await session.fetch(`${srv.url}/bytes/${64 * MiB}`, { signal: ac2.signal });
      const reader = res.body!.getReader();
      await reader.read();
      ac2.abort();
      const streamErr = await rejection(
        (async () => {
          for (;;) if ((await reader.read()).done) break;
        })(),
      );
      assert.equal((streamErr as Error).name, 'AbortError');
      await until(() => srv.openSockets === 0, 3000, 'the server to see both connections close');
    }),
  },
  {
    name: 'cookies: a Session keeps them, sends them and exports them',
    run: scoped(async (s) => {
      const srv = await s.http();
      const session = s.session();
      const set = await session.fetch(`${srv.url}/set-cookie`);
      assert.deepEqual(set.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
      await set.text();
      const sent = (await (await session.fetch(`${srv.url}/cookies`)).json()) as { cookie: string | null };
      assert.equal((sent.cookie ?? '').split('; ').sort().join('; '), 'a=1; b=2');
      const jar = (await session.cookies()).toJSON().sort((x, y) => x.name.localeCompare(y.name));
      assert.deepEqual(
        jar.map((c) => [c.name, c.value, c.httpOnly]),
        [
          ['a', '1', false],
          ['b', '2', true],
        ],
      );
      const other = s.session();
      const none = (await (await other.fetch(`${srv.url}/cookies`)).json()) as { cookie: string | null };
      assert.equal(none.cookie, null, 'another Session has its own jar');
    }),
  },
  {
    name: '200 transfers at once',
    run: scoped(async (s) => {
      const srv = await s.http();
      const session = s.session();
      const lengths = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const r = await session.request(`${srv.url}/bytes/${i * 97}`);
          assert.equal(r.status, 200);
          return (await r.bytes()).length;
        }),
      );
      lengths.forEach((n, i) => assert.equal(n, i * 97));
      assert.equal(srv.requests, 200);
      assert.ok(srv.connections <= 200, `${srv.connections} connections`);
    }),
  },
  {
    name: 'a refused connection is CURLE_COULDNT_CONNECT',
    run: scoped(async (s) => {
      const port = await closedPort();
      const session = s.session();
      const err = await rejection(session.request(`http://127.0.0.1:${port}/`));
      assertCurlError(err, 'CURLE_COULDNT_CONNECT');
      assert.equal(err.curlCode, 7);
      const viaFetch = await rejection(session.fetch(`http://127.0.0.1:${port}/`));
      assert.ok(viaFetch instanceof TypeError && viaFetch.message === 'fetch failed');
      assertCurlError(viaFetch.cause, 'CURLE_COULDNT_CONNECT');
    }),
  },
  {
    // the bridge's datagram path: node:dgram on every runtime (the server too)
    name: 'TFTP over UDP: a download with a negotiated block size, an upload, a missing file',
    run: scoped(async (s) => {
      const big = patternBytes(100_000);
      const srv = s.add(await startTftpServer({ 'big.bin': big }), (x) => x.close());
      const session = s.session();
      const r = await session.request(`${srv.url}/big.bin`, { curl: { TFTP_BLKSIZE: 1024 } });
      assert.equal(sha256(await r.bytes()), sha256(big));
      assert.deepEqual(srv.blockSizes, [1024]);
      await (await session.request(`${srv.url}/up.bin`, { method: 'PUT', body: big.subarray(0, 3000) })).bytes();
      assert.equal(srv.files.get('up.bin')?.length, 3000);
      assertCurlError(await rejection(session.request(`${srv.url}/missing`)), 'CURLE_TFTP_NOTFOUND');
    }),
  },
  {
    name: 'Sandbox: the default policy denies 127.0.0.1',
    skip: sandboxSkip,
    run: scoped(async (s) => {
      const srv = await s.http();
      const sandbox = s.add(await lib.Sandbox.create(), (x) => x.destroy());
      const err = await rejection(sandbox.fetch(`${srv.url}/hello`));
      assert.ok(err instanceof TypeError, String(err));
      const curlErr = err.cause;
      assert.ok(curlErr instanceof CurlEasyError, String(curlErr));
      const denied = curlErr.cause as Error & { rule?: string };
      assert.equal(denied?.name, 'PolicyDenied', String(denied));
      if (typeof lib.PolicyDenied === 'function') assert.ok(denied instanceof lib.PolicyDenied);
      assert.match(String(denied.rule), /\S/);
      assert.equal(srv.connections, 0);
    }),
  },
  {
    // Deno: the runtime's roots need --allow-sys, which the README's flags give
    // (scripts/test-runtimes.sh runs this suite with exactly those flags)
    name: "Sandbox over HTTPS: the runtime's roots by default, the test CA with `ca`",
    skip: sandboxSkip,
    run: scoped(async (s) => {
      const srv = s.add(await startHttpsServer(), (x) => x.close());
      const policy = { preset: 'none' } as const; // loopback is the point here
      const byDefault = s.add(await lib.Sandbox.create({ policy }), (x) => x.destroy());
      const err = await rejection(byDefault.fetch(`${srv.url}/hello`));
      assert.ok(err instanceof TypeError, String(err));
      assertCurlError(err.cause, 'CURLE_PEER_FAILED_VERIFICATION');
      const trusting = s.add(await lib.Sandbox.create({ policy, ca: certs.ca }), (x) => x.destroy());
      const res = await trusting.fetch(`${srv.url}/hello`);
      assert.equal(await res.text(), 'hello world');
      assert.equal(srv.requests, 1);
    }),
  },
];
