// SPDX-License-Identifier: MIT
// Misuse of the binding: wrong option types and names, NUL bytes and line
// breaks, closed handles, handles re-entered from their own callbacks,
// handles of another Runtime; then property-based fuzzing (fast-check) of
// setOpt and of the URLs request() takes. Misuse must end in a TypeError or
// a typed curl error, never in another exception, a hang, a wasm trap or a
// corrupted instance.
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurlEasyError, CurlMultiError, EASY_OPTIONS, Easy, Multi, Runtime, Sandbox, SandboxDestroyed, Session, Share, requestOn } from '../../ts/index.js';
import { certs, startHttpServer } from '../fixtures/servers.js';
import { transfer } from '../core/transfer.js';
import { LOOPBACK_IS_PUBLIC, expectClean } from './helpers.js';
import { multiAndServer } from '../fixtures/per-file.js';

const { rt, multi, server } = await multiAndServer(() => startHttpServer());

/** What `fn` threw (undefined if it returned). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** A normal transfer on a fresh handle: the instance is intact. */
async function stillWorks(runtime = rt, m = multi): Promise<void> {
  const r = await transfer(runtime, m, `${server.url}/hello`);
  try {
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello world');
  } finally {
    r.easy.close();
  }
}

describe('option names and values', () => {
  it.each<[string, unknown, RegExp]>([
    ['FOLLOWLOCATION', 'yes', /FOLLOWLOCATION takes an integer/],
    ['TIMEOUT', 1.5, /TIMEOUT takes an integer/],
    ['TIMEOUT', Number.NaN, /TIMEOUT takes an integer/],
    ['TIMEOUT', 2 ** 40, /TIMEOUT takes an integer that fits 32 bits/],
    ['MAXFILESIZE_LARGE', 1n << 70n, /does not fit curl_off_t/],
    ['MAXFILESIZE_LARGE', 0.5, /takes an integer/],
    ['URL', 42, /URL takes a string/],
    ['URL', ['http://x/'], /URL takes a string/],
    ['HTTPHEADER', 'Accept: x', /HTTPHEADER takes an array of strings/],
    ['HTTPHEADER', ['a: b', 1], /HTTPHEADER takes an array of strings/],
    ['CAINFO_BLOB', 1, /CAINFO_BLOB takes a string or bytes/],
    ['WRITEFUNCTION', 'not a function', /WRITEFUNCTION takes a function/],
    ['SOCKOPTFUNCTION', () => 0, /not supported from JavaScript/],
    ['WRITEDATA', 1, /not supported from JavaScript/],
    ['ERRORBUFFER', 1, /not supported from JavaScript/],
    ['SHARE', {}, /SHARE takes a Share/],
  ])('setOpt(%s, %o) is a TypeError', (name, value, message) => {
    const easy = new Easy(rt);
    try {
      const err = thrown(() => easy.setOpt(name as never, value as never));
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(message);
    } finally {
      easy.close();
    }
  });

  it('values curl itself refuses are CurlEasyErrors', () => {
    const easy = new Easy(rt);
    try {
      const a = thrown(() => easy.setOpt('SSLVERSION', -5)) as CurlEasyError;
      expect(a).toBeInstanceOf(CurlEasyError);
      expect(a.code).toBe('CURLE_BAD_FUNCTION_ARGUMENT');
      const b = thrown(() => easy.setOpt('HTTP_VERSION', 999)) as CurlEasyError;
      expect(b).toBeInstanceOf(CurlEasyError);
      expect(b.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
    } finally {
      easy.close();
    }
  });

  it.each(['NOPE', 'CURLOPT_NOPE', '', 'url ', 'CURLOPT_', 'CURLINFO_URL'])('setOpt(%o) is "unknown curl option"', (name) => {
    const easy = new Easy(rt);
    try {
      const err = thrown(() => easy.setOpt(name as never, 1 as never));
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toBe(`unknown curl option "${name}"`);
    } finally {
      easy.close();
    }
  });

  // Names are looked up as own properties only: a plain camel[name] once let
  // Object.prototype's 'constructor', 'toString', … match, and the TypeError
  // that followed was an accident ("Cannot read properties of undefined
  // (reading 'type')"), for setOpt, getInfo and Multi.setOpt alike.
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('%s is an unknown option and info, not an inherited property', (name) => {
    const easy = new Easy(rt);
    const m = new Multi(rt);
    try {
      expect((thrown(() => easy.setOpt(name as never, 1 as never)) as Error).message).toBe(`unknown curl option "${name}"`);
      expect((thrown(() => easy.getInfo(name as never)) as Error).message).toBe(`unknown curl info "${name}"`);
      expect((thrown(() => m.setOpt(name as never, 1 as never)) as Error).message).toBe(`unknown curl multi option "${name}"`);
    } finally {
      easy.close();
      m.close();
    }
  });

  // Found by the fuzzer below. curl stores the SSLENGINE string before it
  // learns that there are no engines (CURLE_NOT_BUILT_IN), and
  // curl_easy_duphandle() then fails on that string for good; the binding
  // now gives curl's answer without letting curl store the name.
  it('a refused SSLENGINE leaves the handle duplicable (and no failure is called out of memory)', () => {
    const easy = new Easy(rt);
    try {
      const err = thrown(() => easy.setOpt('SSLENGINE', 'x')) as CurlEasyError;
      expect(err).toBeInstanceOf(CurlEasyError);
      expect(err.code).toBe('CURLE_NOT_BUILT_IN');
      let copy: Easy | undefined;
      const dupErr = thrown(() => (copy = easy.duphandle()));
      copy?.close();
      expect(dupErr, String(dupErr)).toBeUndefined();
    } finally {
      easy.close();
    }
  });

  it('NUL bytes in strings and list items are TypeErrors; in byte values (POSTFIELDS) they are data', async () => {
    const easy = new Easy(rt);
    try {
      expect((thrown(() => easy.setOpt('URL', 'http://a\0b/')) as Error).message).toMatch(/NUL byte/);
      expect((thrown(() => easy.setOpt('HTTPHEADER', ['X-A: a\0b'])) as Error).message).toMatch(/NUL byte/);
      expect((thrown(() => easy.setOpt('USERAGENT', '\0')) as Error).message).toMatch(/NUL byte/);
    } finally {
      easy.close();
    }
    const body = Buffer.from('a\0b\0\0c');
    const r = await transfer(rt, multi, `${server.url}/upload-sha256`, { POSTFIELDS: body });
    try {
      expect(JSON.parse(r.body.toString())).toMatchObject({ length: 6 });
    } finally {
      r.easy.close();
    }
  });
});

describe('request() input', () => {
  let session: Session;
  let raw: net.Server;
  let seen: string[] = [];
  let rawUrl: string;

  beforeAll(async () => {
    session = new Session({ runtime: rt });
    raw = net.createServer((s) => {
      let head = '';
      s.on('error', () => {});
      s.on('data', (d) => {
        head += d.toString('latin1');
        if (head.includes('\r\n\r\n') && !s.writableEnded) {
          seen.push(head);
          s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
        }
      });
    });
    raw.listen(0, '127.0.0.1');
    await new Promise((r) => raw.once('listening', r));
    rawUrl = `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}/`;
  });
  afterAll(async () => {
    await session.close();
    await new Promise((r) => raw.close(r));
  });

  it('a NUL byte in the URL or a header is a TypeError', async () => {
    await expect(requestOn(session, 'http://a\0b/')).rejects.toThrow(TypeError);
    await expect(requestOn(session, rawUrl, { headers: { 'x-a': 'a\0b' } })).rejects.toThrow(TypeError);
  });

  it('CR or LF in the URL is refused by curl (CURLE_URL_MALFORMAT)', async () => {
    const err = await requestOn(session, `${rawUrl} HTTP/1.1\r\nInjected: 1\r\nX: y`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CurlEasyError);
    expect((err as CurlEasyError).code).toBe('CURLE_URL_MALFORMAT');
  });

  // curl writes HTTPHEADER items and CUSTOMREQUEST verbatim, so request()
  // must check header names, values and the method itself (fetch() has
  // Headers and Request for that): unchecked, a CR/LF smuggled extra header
  // lines, or a whole request line, onto the wire.
  it.each<[string, Record<string, unknown>]>([
    ['a header value', { headers: { 'X-A': 'a\r\nInjected: 1' } }],
    ['a header value (bare LF)', { headers: { 'X-A': 'a\nInjected: 1' } }],
    ['a header name', { headers: { 'X-B\r\nInjected: 1\r\nX-C': 'b' } }],
    ['a header name with a colon', { headers: [['Injected: 1\r\nX', 'y']] }],
    ['the method', { method: 'GET / HTTP/1.1\r\nInjected: 1\r\nX-D:' }],
  ])('CR/LF in %s is a TypeError, and nothing is injected on the wire', async (_where, options) => {
    seen = [];
    const err = await requestOn(session, rawUrl, options).then(
      async (r) => {
        await r.bytes();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(seen.join('')).not.toMatch(/^injected:/im);
    expect(err).toBeInstanceOf(TypeError);
  });
});

describe('closed handles', () => {
  it('every method of a closed Easy is a TypeError, close() again is a no-op', () => {
    const easy = new Easy(rt);
    easy.close();
    const calls: [string, () => unknown][] = [
      ['setOpt', () => easy.setOpt('URL', 'http://x/')],
      ['getInfo', () => easy.getInfo('RESPONSE_CODE')],
      ['pause', () => easy.pause(0)],
      ['reset', () => easy.reset()],
      ['duphandle', () => easy.duphandle()],
      ['wsSend', () => easy.wsSend(new Uint8Array(1), 1)],
      ['addHandle', () => multi.addHandle(easy)],
    ];
    for (const [name, call] of calls) {
      const err = thrown(call);
      expect(err, name).toBeInstanceOf(TypeError);
      expect((err as Error).message, name).toMatch(/closed/);
    }
    expect(() => easy.close()).not.toThrow();
  });

  it('a closed Easy run() rejects with a TypeError', async () => {
    const easy = new Easy(rt);
    easy.close();
    await expect(multi.run(easy)).rejects.toThrow(/closed/);
    await stillWorks();
  });

  it('every method of a closed Multi is a TypeError', async () => {
    const m = new Multi(rt);
    m.close();
    const easy = new Easy(rt);
    try {
      for (const call of [
        () => m.setOpt('MAXCONNECTS', 1),
        () => m.addHandle(easy),
        () => m.perform(),
        () => m.timeout(),
        () => m.socketAction(-1, 0),
        () => m.infoRead(),
      ]) {
        expect(thrown(call)).toBeInstanceOf(TypeError);
      }
      await expect(m.run(easy)).rejects.toThrow(TypeError);
      expect(() => m.close()).not.toThrow();
    } finally {
      easy.close();
    }
  });

  it('a closed Share set as SHARE is a TypeError', () => {
    const share = new Share(rt, ['COOKIE']);
    share.close();
    const easy = new Easy(rt);
    try {
      expect(thrown(() => easy.setOpt('SHARE', share))).toBeInstanceOf(TypeError);
    } finally {
      easy.close();
    }
  });

  it('a handle added twice, or run while running, is CURLM_ADDED_ALREADY', async () => {
    const easy = new Easy(rt).setOpt('URL', `${server.url}/slow?ms=200`).setOpt('WRITEFUNCTION', () => {});
    try {
      const first = multi.run(easy);
      const err = await multi.run(easy).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CurlMultiError);
      expect((err as CurlMultiError).code).toBe('CURLM_ADDED_ALREADY');
      await first;
      expect(easy.getInfo('RESPONSE_CODE')).toBe(200);
    } finally {
      easy.close();
    }
  });

  it('a closed Session, a destroyed Sandbox: TypeError', async () => {
    const session = new Session({ runtime: rt });
    await session.close();
    await expect(requestOn(session, `${server.url}/hello`)).rejects.toThrow(/closed/);
    const sb = await Sandbox.create({ policy: { ...LOOPBACK_IS_PUBLIC } });
    await sb.destroy();
    await expect((async () => sb.request(`${server.url}/hello`))()).rejects.toThrow(/destroyed/);
  });

  // A function that returns a promise must not throw synchronously: callers
  // that only `.catch()` (or hand the promise to a combinator) would miss it.
  it('a destroyed Sandbox answers with a rejected promise, not a synchronous throw', async () => {
    const sb = await Sandbox.create({ policy: { ...LOOPBACK_IS_PUBLIC } });
    await sb.destroy();
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = sb.fetch(`${server.url}/hello`);
    }).not.toThrow();
    await expect(p).rejects.toBeInstanceOf(SandboxDestroyed);
    expect(() => {
      p = sb.request(`${server.url}/hello`);
    }).not.toThrow();
    await expect(p).rejects.toMatchObject({ code: 'ERR_SANDBOX_DESTROYED' });
  });
});

describe('callbacks that call back into their own handles', () => {
  it('multi.removeHandle(easy) inside its WRITEFUNCTION: CURLM_RECURSIVE_API_CALL, and the transfer finishes', async () => {
    const easy = new Easy(rt);
    let inside: unknown = 'not called';
    let bytes = 0;
    easy.setOpt('URL', `${server.url}/bytes/100000`);
    easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => {
      bytes += d.length;
      if (inside !== 'not called') return;
      inside = thrown(() => multi.removeHandle(easy));
    });
    try {
      await Promise.race([multi.run(easy), new Promise((_, rej) => setTimeout(() => rej(new Error('hang')), 10_000))]);
      expect(inside).toBeInstanceOf(CurlMultiError);
      expect((inside as CurlMultiError).code).toBe('CURLM_RECURSIVE_API_CALL');
      expect(bytes).toBe(100000);
      expect(multi.handles).not.toContain(easy);
    } finally {
      easy.close();
    }
    await stillWorks();
  });

  it('…and left to propagate, it fails the transfer with CURLE_WRITE_ERROR whose cause is the CurlMultiError', async () => {
    const easy = new Easy(rt);
    easy.setOpt('URL', `${server.url}/bytes/100000`);
    easy.setOpt('WRITEFUNCTION', () => void multi.removeHandle(easy));
    try {
      const err = (await multi.run(easy).then(
        () => undefined,
        (e: unknown) => e,
      )) as CurlEasyError;
      expect(err).toBeInstanceOf(CurlEasyError);
      expect(err.code).toBe('CURLE_WRITE_ERROR');
      expect(err.cause).toBeInstanceOf(CurlMultiError);
      expect((err.cause as CurlMultiError).code).toBe('CURLM_RECURSIVE_API_CALL');
    } finally {
      easy.close();
    }
    await stillWorks();
  });

  /** Runs reentry-child.ts: a crash there does not take the runner down. */
  function reentry(scenario: string): Promise<{ code: number; report?: { inCallback: string; settled: string; followUp: string }; stderr: string }> {
    const child = fileURLToPath(new URL('./reentry-child.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    return new Promise((resolve) => {
      execFile(tsx, [child, scenario, server.url], { timeout: 40_000 }, (err, stdout, stderr) => {
        const last = stdout.trim().split('\n').at(-1) ?? '';
        let report;
        try {
          report = JSON.parse(last);
        } catch {
          report = undefined;
        }
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, report, stderr });
      });
    });
  }

  // curl_easy_cleanup() from inside the handle's own callback frees the
  // handle under curl's feet: unguarded, the wasm trapped (RuntimeError "null
  // function or function signature mismatch"), run() rejected with that
  // untyped error, and the Multi was left broken (its next transfer failed
  // with CURLE_AGAIN "attempt to borrow xfer_buf when already borrowed").
  it('easy.close() inside its own WRITEFUNCTION is a TypeError; no trap, the Multi keeps working', async () => {
    const { code, report, stderr } = await reentry('close-easy');
    expect(code, stderr).toBe(0);
    expect(report?.inCallback).toMatch(/^TypeError/);
    expect(report?.settled).not.toMatch(/RuntimeError|hang/);
    expect(report?.followUp).toBe('ok 200 11');
  });

  // Unguarded, Multi.close() inside a callback finished the transfers,
  // ignored curl_multi_cleanup's CURLM_RECURSIVE_API_CALL and zeroed #ptr;
  // back in #act, #drain() called infoRead() on the closed Multi and the
  // TypeError escaped from a setImmediate: an uncaught exception ended the
  // process.
  it('multi.close() inside a WRITEFUNCTION does not crash the process', async () => {
    const { code, report, stderr } = await reentry('close-multi');
    expect(code, stderr.split('\n').slice(0, 8).join('\n')).toBe(0);
    expect(report?.settled).not.toBe('hang');
    expect(report?.followUp).toBe('ok 200 11');
  });

  it('removeHandle inside the callback, in a child process too: a clean report', async () => {
    const { code, report } = await reentry('remove-easy');
    expect(code).toBe(0);
    expect(report).toEqual({ inCallback: 'CurlMultiError CURLM_RECURSIVE_API_CALL', settled: 'resolved', followUp: 'ok 200 11' });
  });
});

describe('handles of another Runtime', () => {
  let other: Runtime;
  beforeAll(async () => {
    other = await Runtime.create();
  });

  it("addHandle with another Runtime's Easy is a TypeError", () => {
    const m = new Multi(other);
    const easy = new Easy(rt);
    try {
      const err = thrown(() => m.addHandle(easy));
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/another libcurl instance/);
      expect(m.handles).toEqual([]);
    } finally {
      easy.close();
      m.close();
    }
  });

  // A pointer of one instance means nothing (or something else) in
  // another's memory. Unchecked, removeHandle handed it to curl (which
  // happened to answer CURLM_BAD_EASY_HANDLE), and SHARE and the duphandle
  // template went through: both instances allocate alike, so the foreign
  // address often names a live handle of this instance, which curl then
  // used or copied.
  it("removeHandle with another Runtime's Easy is a TypeError (not a pointer passed across)", () => {
    const m = new Multi(other);
    const easy = new Easy(rt);
    try {
      expect(thrown(() => m.removeHandle(easy))).toBeInstanceOf(TypeError);
    } finally {
      easy.close();
      m.close();
    }
  });

  it("SHARE with another Runtime's Share is a TypeError", () => {
    const share = new Share(other, ['COOKIE']);
    const easy = new Easy(rt);
    try {
      expect(thrown(() => easy.setOpt('SHARE', share))).toBeInstanceOf(TypeError);
    } finally {
      easy.close();
      share.close();
    }
  });

  it('new Easy(runtime, template) with a template of another Runtime is a TypeError', () => {
    const template = new Easy(other);
    let copy: Easy | undefined;
    try {
      expect(thrown(() => (copy = new Easy(rt, template)))).toBeInstanceOf(TypeError);
    } finally {
      copy?.close();
      template.close();
    }
  });
});

describe('fuzzing', () => {
  const names = Object.keys(EASY_OPTIONS);
  const name = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => `CURLOPT_${n}`) },
    { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => n.toLowerCase().replace(/_(.)/g, (_m, c: string) => c.toUpperCase())) },
    { weight: 1, arbitrary: fc.string() },
  );
  const value = fc.oneof(
    fc.integer(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
    fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 53, Number.MAX_SAFE_INTEGER, -0, Infinity, Number.NaN),
    fc.bigInt(),
    fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.webUrl(),
    fc.array(fc.string(), { maxLength: 5 }),
    fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.func(fc.integer()),
    fc.anything(),
  );

  it('setOpt with arbitrary names and values: success, TypeError or CurlEasyError; the instance stays sound', async () => {
    const fuzzRt = await Runtime.create();
    const fuzzMulti = new Multi(fuzzRt);
    let runs = 0;
    let accepted = 0;
    try {
      fc.assert(
        fc.property(fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 6 }), (settings) => {
          runs++;
          const easy = new Easy(fuzzRt);
          try {
            for (const [n, v] of settings) {
              try {
                easy.setOpt(n as never, v as never);
                accepted++;
              } catch (err) {
                if (!(err instanceof TypeError) && !(err instanceof CurlEasyError)) throw err;
                // a TypeError must be ours, not an accident of the implementation
                if (err instanceof TypeError) expect(err.message).toMatch(/curl option|unknown curl|NUL|closed/);
              }
            }
            // the options survive duplication, reset and cleanup
            easy.duphandle().close();
            easy.reset();
          } finally {
            easy.close();
          }
        }),
        { numRuns: 1_000_000, interruptAfterTimeLimit: 5000 },
      );
      expect(runs).toBeGreaterThan(100);
      expect(accepted).toBeGreaterThan(0);
      await stillWorks(fuzzRt, fuzzMulti);
      expect(fuzzRt.exports.memory.buffer.byteLength).toBeLessThan(64 << 20);
    } finally {
      fuzzMulti.close();
    }
  });

  it('arbitrary URLs through request(): a response from the loopback server or a typed error, within the timeout', async () => {
    // every name resolves to 127.0.0.1 and every connection goes to one
    // server, whatever host and port the URL names
    let hits = 0;
    const srv = http.createServer((req, res) => {
      hits++;
      req.resume();
      res.end('fuzz');
    });
    srv.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const port = (srv.address() as net.AddressInfo).port;
    // The test CA, not Mozilla's roots: each TLS connection with the 146-root
    // bundle currently costs ~340 KB of wasm memory that is never returned
    // (an open bug, see the closing note), which would end this fuzz run in
    // CURLE_OUT_OF_MEMORY after ~400 https URLs, depending on the seed.
    const sb = await Sandbox.create({
      policy: { ...LOOPBACK_IS_PUBLIC },
      lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]),
      limits: { timeoutMs: 3000 },
      ca: certs.ca,
    });
    const url = fc.oneof(
      // any name resolves to 127.0.0.1 (the lookup above): these reach the server
      fc.tuple(fc.domain(), fc.webPath()).map(([d, p]) => `http://${d}:${port}${p}`),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.webUrl({ validSchemes: ['http', 'https', 'ftp', 'file', 'gopher', 'ws', 'dict', 'ldap', 'smtp'], withQueryParameters: true }),
      fc.webUrl().chain((u) => fc.nat({ max: u.length }).chain((i) => fc.string({ unit: 'binary', maxLength: 8 }).map((s) => u.slice(0, i) + s + u.slice(i)))),
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    const outcomes = new Map<string, number>();
    let runs = 0;
    try {
      await fc.assert(
        fc.asyncProperty(url, async (u) => {
          runs++;
          const t0 = performance.now();
          let outcome: string;
          try {
            const res = await sb.request(u);
            await res.bytes();
            outcome = `HTTP ${res.status}`;
          } catch (err) {
            if (!(err instanceof TypeError) && !(err instanceof CurlEasyError)) throw err;
            outcome = err instanceof CurlEasyError ? err.code : 'TypeError';
          }
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          expect(performance.now() - t0).toBeLessThan(3000 + 2000);
        }),
        { numRuns: 100_000, interruptAfterTimeLimit: 8000 },
      );
      expect(runs).toBeGreaterThan(50);
      expect(outcomes.get('HTTP 200') ?? 0).toBeGreaterThan(0); // some URLs did reach the server
      expect(hits).toBeGreaterThan(0);
      // after the run the sandbox is intact
      const res = await sb.request(`http://127.0.0.1:${port}/after`);
      expect(await res.text()).toBe('fuzz');
      await expectClean(sb);
    } finally {
      await sb.destroy();
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
