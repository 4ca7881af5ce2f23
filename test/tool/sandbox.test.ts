// SPDX-License-Identifier: MIT
// curl(args, { sandbox }) of libcurl-wasm/cli: a pasted command line under a
// Sandbox's rules. An escape is judged by the accept log of a loopback
// "trap" server (it counts TCP connections, so a connect that sends nothing
// is caught), a file read by the bytes of a real file outside the run.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { curl } from '../../ts/cli.js';
import { runTool } from '../../ts/tool/host.js';
import type { LookupFunction } from '../../ts/host/dns.js';
import { LimitExceeded, PolicyDenied, Sandbox, type SandboxOptions } from '../../ts/index.js';
import { startRawServer, type TestServer } from '../fixtures/servers.js';
import { type Trap, trap } from '../sandbox/helpers.js';

const BOMB = gzipSync(Buffer.alloc(2 << 20));

/**
 * 127.0.0.1: '/to/<base64url>' redirects there, '/silent' never answers,
 * '/big', '/big-chunked', '/bomb' and '/heads' try to pass the sandbox's
 * limits, '/echo-length' answers the request body's length, '/echo-head'
 * the request head; '/flaky/<id>' answers its first request (for each id)
 * 503 with a 30 KB body and 6 KB of head, then 200 with the same; anything
 * else is 200 "ok".
 */
function redirector(): Promise<TestServer> {
  const seen = new Set<string>();
  return startRawServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const request = head.slice(0, end);
      const path = request.split(' ')[1] ?? '/';
      head = head.slice(end + 4);
      if (path === '/silent') return;
      if (path.startsWith('/to/')) {
        const location = Buffer.from(path.slice(4), 'base64url').toString();
        return void socket.write(`HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`);
      }
      if (path === '/big') return void socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n${'x'.repeat(200000)}`);
      // no Content-Length: curl learns the size only as the bytes come
      if (path === '/big-chunked') return void socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n30d40\r\n${'x'.repeat(200000)}\r\n0\r\n\r\n`);
      // 2 MiB of zeros in a 2 KiB gzip stream: only the decoded size is past maxBodyBytes
      if (path === '/bomb') {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${BOMB.length}\r\n\r\n`);
        return void socket.write(BOMB);
      }
      // 200 header fields of 100 bytes: 20 KB of head
      if (path === '/heads') return void socket.write(`HTTP/1.1 200 OK\r\n${'X-Pad: '.padEnd(98, 'h').concat('\r\n').repeat(200)}Content-Length: 2\r\n\r\nok`);
      if (path.startsWith('/flaky/')) {
        const status = seen.has(path) ? '200 OK' : '503 Service Unavailable';
        seen.add(path);
        const pad = 'X-Pad: '.padEnd(98, 'h').concat('\r\n').repeat(60);
        return void socket.write(`HTTP/1.1 ${status}\r\n${pad}Content-Length: 30000\r\n\r\n${'x'.repeat(30000)}`);
      }
      if (path.startsWith('/echo-head')) return void socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${request.length}\r\n\r\n${request}`);
      if (path === '/echo-length') {
        // reads the whole body, then answers its length
        const want = Number(/content-length: (\d+)/i.exec(request)?.[1] ?? 0);
        let got = head.length;
        head = '';
        const answer = () => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${String(got).length}\r\n\r\n${got}`);
        if (got >= want) return void answer();
        return void socket.on('data', (d) => {
          got += d.length;
          if (got >= want) answer();
        });
      }
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
  });
}

/** good.test is 127.0.0.1, evil.test 127.0.0.2: no query leaves the machine. */
const lookup: LookupFunction = (hostname, _options, cb) => {
  if (hostname === 'good.test') return cb(null, [{ address: '127.0.0.1', family: 4 }]);
  if (hostname === 'evil.test') return cb(null, [{ address: '127.0.0.2', family: 4 }]);
  cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
};

let good: TestServer;
let goodPort: number;
/** On 127.0.0.2: the "internal" address. */
let inside: Trap;
let dir: string;
beforeAll(async () => {
  good = await redirector();
  goodPort = Number(new URL(good.url).port);
  inside = await trap('127.0.0.2');
  dir = mkdtempSync(join(tmpdir(), 'curl-wasm-sandbox-'));
});
afterAll(async () => {
  await good.close();
  await inside.close();
  rmSync(dir, { recursive: true, force: true });
});

/** 127.0.0.1 stands in for "public", 127.0.0.2 for "internal"; destroyed when the test ends. */
async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sb = await Sandbox.create({ lookup, policy: { preset: 'none', denyAddresses: ['127.0.0.2'] }, limits: { timeoutMs: 5000 }, ...options });
  onTestFinished(() => sb.destroy());
  return sb;
}

const to = (location: string) => `${good.url}/to/${Buffer.from(location).toString('base64url')}`;

describe('curl(args, { sandbox })', () => {
  it('runs an allowed command line', async () => {
    const sb = await sandbox({ policy: { preset: 'none', allowHosts: ['good.test'] } });
    const r = await curl(['-sS', `http://good.test:${goodPort}/`], { sandbox: sb });
    expect(r.errorText()).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.text()).toBe('ok');
    expect(r.refused).toEqual([]);
  });

  it('a denied address is curl exit 7, and the server sees nothing', async () => {
    const sb = await sandbox();
    const before = inside.accepted;
    const r = await curl(['-sS', `http://127.0.0.2:${inside.port}/`], { sandbox: sb });
    expect(r.exitCode).toBe(7);
    expect(r.refused[0]).toBeInstanceOf(PolicyDenied);
    expect((r.refused[0] as PolicyDenied).rule).toBe('denyAddresses 127.0.0.2');
    expect(r.errorText()).toMatch(/curl: \(7\)/);
    const byName = await curl(['-sS', `http://evil.test:${inside.port}/`], { sandbox: sb });
    expect(byName.exitCode).toBe(7);
    expect(inside.accepted - before).toBe(0);
  });

  it("the default 'public' preset keeps curl off loopback", async () => {
    const sb = await Sandbox.create({ limits: { timeoutMs: 5000 } });
    onTestFinished(() => sb.destroy());
    const r = await curl(['-sS', `${good.url}/`], { sandbox: sb });
    expect(r.exitCode).toBe(7);
    expect((r.refused[0] as PolicyDenied).rule).toMatch(/^preset public: 127\.0\.0\.0\/8/);
  });

  it('allowHosts judges IP literals and names curl answers itself, not only lookups', async () => {
    const sb = await sandbox({ policy: { preset: 'none', allowHosts: ['good.test'] } });
    for (const url of [`http://127.0.0.1:${goodPort}/`, `http://localhost:${goodPort}/`]) {
      const r = await curl(['-sS', url], { sandbox: sb });
      expect(r.exitCode, url).toBe(7);
      expect((r.refused[0] as PolicyDenied).rule, url).toMatch(/not in allowHosts/);
    }
    const denied = await curl(['-sS', `http://evil.test:${inside.port}/`], { sandbox: sb });
    expect(denied.exitCode).toBe(6); // refused at the lookup: curl could not resolve it
    expect((denied.refused[0] as PolicyDenied).rule).toBe('not in allowHosts');
  });

  it('a redirect to a denied address is refused at connect', async () => {
    const sb = await sandbox();
    const before = inside.accepted;
    for (const target of [`http://127.0.0.2:${inside.port}/`, `http://evil.test:${inside.port}/`]) {
      const r = await curl(['-sSL', to(target)], { sandbox: sb });
      expect(r.exitCode, target).not.toBe(0);
      expect(r.refused[0], target).toBeInstanceOf(PolicyDenied);
    }
    expect(inside.accepted - before).toBe(0);
  });

  it('options that route around the policy reject before anything runs', async () => {
    const sb = await sandbox();
    const url = `http://good.test:${goodPort}/`;
    const refused = [
      ['--resolve', `good.test:${goodPort}:127.0.0.2`, url],
      ['--connect-to', `good.test:${goodPort}:127.0.0.2:${inside.port}`, url],
      ['--expand-resolve', 'x', url],
      ['-x', `http://127.0.0.2:${inside.port}`, url],
      ['-sSx', `127.0.0.2:${inside.port}`, url],
      ['--proxy', `http://127.0.0.2:${inside.port}`, url],
      ['--socks5-hostname', `127.0.0.2:${inside.port}`, url],
      ['--preproxy', `127.0.0.2:${inside.port}`, url],
      // an HTTP/1.0 proxy is a proxy: the target behind it would go unjudged
      ['--proxy1.0', `good.test:${goodPort}`, `http://127.0.0.2:${inside.port}/`],
      ['--expand-proxy1.0', `good.test:${goodPort}`, url],
      // FTP active mode: its listener would take a data connection from anyone
      ['-P', '-', 'ftp://good.test/'],
      ['--ftp-port', '127.0.0.1', 'ftp://good.test/'],
      ['--doh-url', `http://127.0.0.2:${inside.port}/`, url],
      ['-K', '-', url],
      ['-sK-', url],
      ['--config', 'x', url],
      ['--unix-socket', '/tmp/x', url],
      ['-s:', url],
    ];
    const before = inside.accepted;
    for (const args of refused) await expect(curl(args, { sandbox: sb }), args.join(' ')).rejects.toThrow(TypeError);
    // a value that merely looks like one is a value
    const r = await curl(['-sS', '-H', 'X-Note: -x', '-A', '--proxy', url], { sandbox: sb });
    expect(r.exitCode).toBe(0);
    expect(inside.accepted - before).toBe(0);
  });

  it('proxy variables in env are dropped', async () => {
    const sb = await sandbox();
    const env = { http_proxy: `http://127.0.0.2:${inside.port}`, ALL_PROXY: `http://127.0.0.2:${inside.port}` };
    const before = inside.accepted;
    const r = await curl(['-sS', `http://good.test:${goodPort}/`], { sandbox: sb, env });
    expect(r.exitCode).toBe(0);
    expect(r.text()).toBe('ok');
    expect(inside.accepted - before).toBe(0);
  });

  it("the sandbox's protocols hold, last on the command line and in every --next group", async () => {
    const sb = await sandbox();
    const url = `http://good.test:${goodPort}/`;
    const r = await curl(['-sS', '--proto', '=all', `telnet://127.0.0.2:${inside.port}`], { sandbox: sb });
    expect(r.exitCode).toBe(1); // CURLE_UNSUPPORTED_PROTOCOL
    const next = await curl(['-sS', url, '--next', '--proto', '=all', `telnet://127.0.0.2:${inside.port}`], { sandbox: sb });
    expect(next.exitCode).toBe(1);
    const redirected = await curl(['-sSL', '--proto-redir', '=all', to(`ftp://127.0.0.1:${goodPort}/`)], { sandbox: sb });
    expect(redirected.exitCode).toBe(1);
    const file = await curl(['-sS', '--proto', '=all', 'file:///etc/passwd'], { sandbox: sb });
    expect(file.exitCode).toBe(1);
    expect(file.stdout.length).toBe(0);
  });

  it('no file outside the run is read or written', async () => {
    const sb = await sandbox();
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'do not send');
    const outside = join(dir, 'written.txt');
    const url = `http://good.test:${goodPort}/`;
    // the control: outside a sandbox the trace shows the file's bytes sent
    const unsandboxed = await curl(['--trace-ascii', '%', '-sS', '-d', `@${secret}`, `http://127.0.0.1:${goodPort}/`]);
    expect(unsandboxed.errorText()).toContain('do not send');
    for (const args of [
      ['-sS', '-d', `@${secret}`, url],
      ['-sS', '--data-binary', '@/etc/passwd', url],
      ['-sS', '-T', secret, url],
      ['-sS', '-F', `f=@${secret}`, url],
      ['-sS', '-b', secret, url],
      ['-sS', '--cacert', secret, url],
    ]) {
      const r = await curl(['--trace-ascii', '%', ...args], { sandbox: sb });
      expect(r.errorText(), args.join(' ')).not.toContain('do not send');
      expect(r.errorText(), args.join(' ')).not.toContain('root:');
    }
    for (const args of [
      ['-sS', '-o', outside, url],
      ['-sS', '-c', outside, url],
      ['-sS', '-D', outside, url],
      ['-sS', '--trace', outside, url],
      ['-sS', '-o', '../../../../../../../../' + outside, url],
    ]) {
      const r = await curl(args, { sandbox: sb });
      expect(existsSync(outside), args.join(' ')).toBe(false);
      expect(r.exitCode === 0 || r.exitCode === 23, `${args.join(' ')}: ${r.exitCode} ${r.errorText()}`).toBe(true);
    }
  });

  it('every other option that reads or writes a file by name stays in the run', async () => {
    const sb = await sandbox();
    const secret = join(dir, 'secret2.txt');
    writeFileSync(secret, 'do not send');
    const netrc = join(dir, 'netrc');
    writeFileSync(netrc, 'machine good.test login me password secret\n');
    const outside = join(dir, 'written2.txt');
    const url = `http://good.test:${goodPort}/`;
    const readers = [
      ['--variable', `v@${secret}`, '--expand-data', '{{v}}', url],
      ['-H', `@${secret}`, url],
      ['--json', `@${secret}`, url],
      ['--data-urlencode', `x@${secret}`, url],
      ['--url', `@${secret}`],
      ['-w', `@${secret}`, url],
      ['--etag-compare', secret, url],
      ['--alt-svc', secret, url],
      ['--hsts', secret, url],
      ['--netrc-file', netrc, url],
    ];
    const writers = [
      ['--libcurl', outside, url],
      ['--stderr', outside, url],
      ['--etag-save', outside, url],
      ['--alt-svc', outside, url],
      ['--hsts', outside, url],
    ];
    for (const argv of [...readers, ...writers]) {
      const r = await curl(['--trace-ascii', '%', '-sS', ...argv], { sandbox: sb });
      const args = argv.join(' ');
      expect(r.errorText() + r.text(), args).not.toContain('do not send');
      expect(r.errorText(), args).not.toContain('Authorization'); // the netrc's credentials
      // curl's own failure to write (23), or to open --etag-save's file (26)
      expect([0, 23, 26], `${args}: ${r.exitCode} ${r.errorText()}`).toContain(r.exitCode);
    }
    expect(existsSync(outside)).toBe(false);
  }, 180_000); // fifteen runs, one worker each, on a loaded machine

  it("the run's own files come in and what it writes comes back", async () => {
    const sb = await sandbox();
    const r = await curl(['-sS', '-d', '@body.txt', `http://good.test:${goodPort}/`, '-o', 'out/got.txt', '--create-dirs'], {
      sandbox: sb,
      files: { 'body.txt': 'hello' },
    });
    expect(r.exitCode).toBe(0);
    expect(new TextDecoder().decode(r.files['out/got.txt'])).toBe('ok');
  });

  it('timeoutMs ends a silent server', async () => {
    const sb = await sandbox({ limits: { timeoutMs: 500 } });
    const r = await curl(['-sS', `http://good.test:${goodPort}/silent`], { sandbox: sb });
    expect(r.exitCode).toBe(28);
  });

  it("the host's deadline ends a run curl's own timeout has not ended", async () => {
    const sb = await sandbox();
    // the run as curl() makes it, but without the appended --max-time: only the host's timer is left
    const policy = { ...sb.toolPolicy(), timeoutMs: 200 };
    const stdio: [string, string, string] = [join(dir, 'in'), join(dir, 'out'), join(dir, 'err')];
    writeFileSync(stdio[0], '');
    const code = await runTool({ args: ['-sS', `http://good.test:${goodPort}/silent`], env: {}, stdio, root: dir }, policy);
    expect(code).toBe(28);
    expect(policy.refused).toEqual([expect.any(LimitExceeded)]);
    expect((policy.refused[0] as LimitExceeded).limit).toBe('timeoutMs');
  });

  it('wire-byte limits cut the run', async () => {
    const sb = await sandbox({ limits: { maxWireBytesIn: 50_000 } });
    const r = await curl(['-sS', `http://good.test:${goodPort}/big`], { sandbox: sb });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout.length).toBeLessThan(200000);
    expect(r.refused[0]).toBeInstanceOf(LimitExceeded);
    expect((r.refused[0] as LimitExceeded).limit).toBe('maxWireBytesIn');
  });

  it('maxBodyBytes is --max-filesize: a larger one of the caller is lowered, a smaller one stands', async () => {
    const sb = await sandbox({ limits: { maxBodyBytes: 50_000, timeoutMs: 5000 } });
    for (const path of ['/big', '/big-chunked']) {
      for (const own of [[], ['--max-filesize', '1G'], ['--max-filesize', '0']]) {
        const r = await curl(['-sS', ...own, `http://good.test:${goodPort}${path}`], { sandbox: sb });
        expect(r.exitCode, `${path} ${own.join(' ')}`).toBe(63); // CURLE_FILESIZE_EXCEEDED
        expect(r.stdout.length).toBeLessThanOrEqual(50_000);
        expect(r.refused).toEqual([expect.any(LimitExceeded)]);
        expect((r.refused[0] as LimitExceeded).limit).toBe('maxBodyBytes');
      }
    }
    // the caller's own lower cap: curl's exit 63, not the sandbox's refusal
    const own = await curl(['-sS', '--max-filesize', '1k', `http://good.test:${goodPort}/big`], { sandbox: sb });
    expect(own.exitCode).toBe(63);
    expect(own.refused).toEqual([]);
    // and in every --next group
    const next = await curl(['-sS', `http://good.test:${goodPort}/`, '--next', '--max-filesize', '1G', `http://good.test:${goodPort}/big`], { sandbox: sb });
    expect(next.exitCode).toBe(63);
    const fits = await curl(['-sS', `http://good.test:${goodPort}/`], { sandbox: sb });
    expect(fits.text()).toBe('ok');
  });

  it('maxBodyBytes counts the decoded body: a compression bomb stops at it', async () => {
    const sb = await sandbox({ limits: { maxBodyBytes: 100_000 } });
    const r = await curl(['-sS', '--compressed', `http://good.test:${goodPort}/bomb`, '-o', 'out.bin'], { sandbox: sb });
    expect(r.exitCode).toBe(23); // CURLE_WRITE_ERROR: the tool's write callback refused the bytes
    expect(r.files['out.bin']!.length).toBeLessThanOrEqual(100_000);
    expect(r.refused).toEqual([expect.any(LimitExceeded)]);
    expect((r.refused[0] as LimitExceeded).limit).toBe('maxBodyBytes');
    const roomy = await sandbox({ limits: { maxBodyBytes: 4 << 20 } });
    const whole = await curl(['-sS', '--compressed', `http://good.test:${goodPort}/bomb`, '-o', 'out.bin'], { sandbox: roomy });
    expect(whole.exitCode).toBe(0);
    expect(whole.files['out.bin']!.length).toBe(2 << 20);
  });

  it('maxHeaderBytes caps the response heads', async () => {
    const sb = await sandbox({ limits: { maxHeaderBytes: 8 << 10 } });
    const r = await curl(['-sS', `http://good.test:${goodPort}/heads`], { sandbox: sb });
    expect(r.exitCode).toBe(23);
    expect(r.stdout.length).toBe(0);
    expect(r.refused).toEqual([expect.any(LimitExceeded)]);
    expect((r.refused[0] as LimitExceeded).limit).toBe('maxHeaderBytes');
    const roomy = await sandbox({ limits: { maxHeaderBytes: 64 << 10 } });
    const whole = await curl(['-sS', `http://good.test:${goodPort}/heads`], { sandbox: roomy });
    expect(whole.exitCode).toBe(0);
    expect(whole.text()).toBe('ok');
  });

  it("maxMemoryBytes caps the tool's memory: past it curl is out of memory", async () => {
    // -d @file holds the file in memory (a doubling buffer): 6 MiB needs more than 16 MiB
    const files = { 'body.bin': 'x'.repeat(6 << 20) };
    const args = ['-sS', '--data-binary', '@body.bin', `http://good.test:${goodPort}/echo-length`];
    const before = good.connections;
    const small = await sandbox({ limits: { maxMemoryBytes: 16 << 20 } });
    const r = await curl(args, { sandbox: small, files });
    expect(r.exitCode).toBe(2); // curl's failure for an option it cannot hold
    expect(r.errorText()).toMatch(/^curl: option --data-binary: out of memory/);
    expect(good.connections - before).toBe(0);
    const roomy = await sandbox({ limits: { maxMemoryBytes: 128 << 20 } });
    const sent = await curl(args, { sandbox: roomy, files });
    expect(sent.errorText()).toBe('');
    expect(sent.text()).toBe(String(6 << 20));
  });

  it('the request limits hold for the URLs and -H fields of every group, before anything runs', async () => {
    const sb = await sandbox({ limits: { maxUrlBytes: 100, maxRequestHeaders: 2, maxRequestHeaderBytes: 64 } });
    const url = `http://good.test:${goodPort}/`;
    const limit = async (args: string[], options: { files?: Record<string, string>; stdin?: string } = {}) => {
      const err = await curl(args, { sandbox: sb, ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, args.join(' ')).toBeInstanceOf(LimitExceeded);
      return (err as LimitExceeded).limit;
    };
    const before = good.connections;
    expect(await limit(['-sS', `${url}${'a'.repeat(100)}`])).toBe('maxUrlBytes');
    expect(await limit(['-sS', '--url', `${url}${'a'.repeat(100)}`])).toBe('maxUrlBytes');
    expect(await limit(['-sS', url, '--next', '--', `${url}${'a'.repeat(100)}`])).toBe('maxUrlBytes');
    expect(await limit(['-sS', '-H', 'A: 1', '-H', 'B: 2', '-HC: 3', url])).toBe('maxRequestHeaders');
    expect(await limit(['-sS', url, '--next', '-H', 'A: 1', '-H', 'B: 2', '--header', 'C;', url])).toBe('maxRequestHeaders');
    expect(await limit(['-sS', '-H', `A: ${'v'.repeat(64)}`, url])).toBe('maxRequestHeaderBytes');
    expect(await limit(['-sS', '-H', '@h.txt', url], { files: { 'h.txt': 'A: 1\nB: 2\nC: 3\n' } })).toBe('maxRequestHeaders');
    expect(await limit(['-sS', '-H', '@-', url], { stdin: 'A: 1\r\nB: 2\r\nC: 3\r\n' })).toBe('maxRequestHeaders');
    await expect(curl(['-sS', '-H', 'A: 1\r\nInjected: yes', url], { sandbox: sb })).rejects.toThrow(TypeError);
    expect(good.connections - before).toBe(0);
    // two fields per group is within the limit; a value that looks like -H is a value
    const r = await curl(['-sS', '-H', 'A: 1', '-H', 'B: 2', '-d', '-H', url, '--next', '-H', 'A: 1', url], { sandbox: sb });
    expect(r.exitCode).toBe(0);
    expect(r.text()).toBe('okok');
  });

  it('the request limits hold inside the tool for what the command line does not show: variables, --url-query, -G, --json, -A', async () => {
    const sb = await sandbox({ limits: { maxUrlBytes: 100, maxRequestHeaders: 2, maxRequestHeaderBytes: 64 } });
    const url = `http://good.test:${goodPort}/`;
    const files = { 'long.txt': 'a'.repeat(100), 'crlf.txt': '1\r\nInjected: yes', 'q.txt': `q=${'a'.repeat(100)}`, 'j.json': '{}' };
    const refused = async (args: string[]) => {
      // the tool's own message is a curl warning: -s silences it, as it does curl's
      const r = await curl(['-S', '--no-progress-meter', ...args], { sandbox: sb, files });
      expect(r.exitCode, args.join(' ')).toBe(43); // CURLE_BAD_FUNCTION_ARGUMENT: the transfer was not set up
      expect(r.errorText()).toMatch(/^curl: the sandbox refused this request \(its URL or header fields\)\ncurl: \(43\) .*\ncurl-wasm: /);
      expect(r.refused).toHaveLength(1);
      expect(r.errorText()).toContain(`curl-wasm: ${r.refused[0]!.message}\n`);
      return r.refused[0]!;
    };
    const limit = async (args: string[]) => ((await refused(args)) as LimitExceeded).limit;
    const before = good.connections;
    expect(await limit(['--variable', 'v@long.txt', '--expand-url', `${url}{{v}}`])).toBe('maxUrlBytes');
    expect(await limit(['--url-query', `q=${'a'.repeat(100)}`, url])).toBe('maxUrlBytes');
    expect(await limit(['-G', '-d', '@q.txt', url])).toBe('maxUrlBytes');
    // the second transfer of a glob, in a later --next group
    expect(await limit([url, '--next', '--variable', 'v@long.txt', '--expand-url', `${url}[1-2]{{v}}`])).toBe('maxUrlBytes');
    // --json adds Content-Type and Accept to the caller's one field
    expect(await limit(['--json', '@j.json', '-H', 'A: 1', url])).toBe('maxRequestHeaders');
    expect(await limit(['--variable', 'v@long.txt', '--expand-header', 'A: {{v}}', url])).toBe('maxRequestHeaderBytes');
    expect(await limit(['--variable', 'v@long.txt', '--expand-user-agent', '{{v}}', url])).toBe('maxRequestHeaderBytes');
    const injected = await refused(['--variable', 'v@crlf.txt', '--expand-header', 'X: {{v}}', url]);
    expect(injected).toBeInstanceOf(TypeError);
    expect(injected.message).toMatch(/invalid value for header X: CR, LF and NUL are not allowed/);
    expect(good.connections - before).toBe(1); // only the --next group's first URL, within the bounds
    // within the bounds: sent as curl would, curl's own User-Agent not counted
    const ok = await curl(['-sS', '--variable', 'v=abc', '--expand-url', `${url}echo-head?{{v}}`, '--json', '@j.json'], { sandbox: sb, files });
    expect(ok.errorText()).toBe('');
    expect(ok.text()).toMatch(/^POST \/echo-head\?abc HTTP\/1.1\r\n/);
    expect(ok.refused).toEqual([]);
  });

  // regression (README's Known issues): fields libcurl makes of -b, -u, -r and
  // --oauth2-bearer went uncounted, and CR/LF in them, in -X,
  // --request-target and --haproxy-clientip reached the wire
  it('fields libcurl makes of options count, and no option puts CR or LF on the wire', async () => {
    const sb = await sandbox({ limits: { maxRequestHeaders: 2, maxRequestHeaderBytes: 64 } });
    const url = `http://good.test:${goodPort}/`;
    const run = async (args: string[]) => {
      const r = await curl(['-S', '--no-progress-meter', ...args], { sandbox: sb, files: { 'v.txt': 'x'.repeat(100), 'crlf.txt': '1\r\nInjected: yes' } });
      expect(r.exitCode, `${args.join(' ')}: ${r.errorText()}`).toBe(43);
      expect(r.refused).toHaveLength(1);
      return r.refused[0]!;
    };
    const limit = async (args: string[]) => ((await run(args)) as LimitExceeded).limit;
    const before = good.connections;
    const big = 'x'.repeat(100);
    expect(await limit(['-b', `c=${big}`, url])).toBe('maxRequestHeaderBytes');
    expect(await limit(['-b', 'a=1', '-b', 'b=2', '-H', 'A: 1', '-H', 'B: 2', url])).toBe('maxRequestHeaders');
    expect(await limit(['-u', `me:${big}`, url])).toBe('maxRequestHeaderBytes');
    expect(await limit(['-r', `0-1,${'2-3,'.repeat(20)}4-5`, url])).toBe('maxRequestHeaderBytes');
    expect(await limit(['--oauth2-bearer', big, url])).toBe('maxRequestHeaderBytes');
    expect(await limit(['--variable', 'v@v.txt', '--expand-cookie', 'c={{v}}', url])).toBe('maxRequestHeaderBytes');
    for (const args of [
      ['-X', 'GET / HTTP/1.1\r\nInjected: yes\r\n\r\nGET', url],
      ['--request-target', '/\r\nInjected: yes', url],
      ['--haproxy-clientip', '1.2.3.4\r\nInjected: yes', url],
      ['-b', 'a=1\r\nInjected: yes', url],
      ['-r', '0-1\r\nInjected: yes', url],
      ['-u', 'me\r\nInjected: yes:pw', url],
      ['--oauth2-bearer', 't\nInjected: yes', url],
      ['--variable', 'v@crlf.txt', '--expand-request', 'GET{{v}}', url],
    ]) {
      const err = await run(args);
      expect(err, args.join(' ')).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/^curl\(\): invalid value for --[a-z2-]+: CR, LF and NUL are not allowed$/);
    }
    expect(good.connections - before).toBe(0);
    // within the bounds they are sent, as curl sends them
    const ok = await curl(['-sS', '-b', 'a=1', '-r', '0-1', `${url}echo-head`], { sandbox: sb });
    expect(ok.refused).toEqual([]);
    expect(ok.text()).toMatch(/\r\nRange: bytes=0-1\r\n/);
    expect(ok.text()).toMatch(/\r\nCookie: a=1(\r\n|$)/);
  });

  it('maxBodyBytes and maxHeaderBytes judge each --retry attempt on its own (regression: the counts summed the attempts)', async () => {
    // each attempt: 30 KB of body, 6 KB of head; the two together are past both limits
    const sb = await sandbox({ limits: { maxBodyBytes: 50_000, maxHeaderBytes: 8 << 10 } });
    const r = await curl(['-S', '--no-progress-meter', '--retry', '1', `http://good.test:${goodPort}/flaky/a`, '-o', 'out.bin'], { sandbox: sb });
    expect(r.errorText()).toMatch(/Will retry/);
    expect(r.exitCode).toBe(0);
    expect(r.refused).toEqual([]);
    expect(r.files['out.bin']!.length).toBe(30000); // the failed attempt's output was thrown away
    // one attempt past a limit still fails
    const small = await sandbox({ limits: { maxBodyBytes: 20_000 } });
    const over = await curl(['-sS', '--retry', '1', `http://good.test:${goodPort}/flaky/b`, '-o', 'out.bin'], { sandbox: small });
    expect(over.exitCode).toBe(63);
    expect((over.refused[0] as LimitExceeded).limit).toBe('maxBodyBytes');
  });

  it('a refusal under --retry keeps its exit code (regression: curl 8.14.1 exited 0, curl issue #17554; patch 0014)', async () => {
    const sb = await sandbox({ limits: { maxUrlBytes: 100 } });
    const denied = await curl(['-sS', '--retry', '2', `http://127.0.0.2:${inside.port}/`], { sandbox: sb });
    expect(denied.exitCode).toBe(7);
    expect(denied.refused[0]).toBeInstanceOf(PolicyDenied);
    const long = await curl(['-sS', '--retry', '2', '--url-query', `q=${'a'.repeat(100)}`, `http://good.test:${goodPort}/`], { sandbox: sb });
    expect(long.exitCode).toBe(43);
    const heads = await sandbox({ limits: { maxHeaderBytes: 8 << 10 } });
    const cut = await curl(['-sS', '--retry', '2', `http://good.test:${goodPort}/heads`], { sandbox: heads });
    expect(cut.exitCode).toBe(23);
  });

  // regression: a value with CR/LF in an option that goes into an FTP, SMTP,
  // IMAP or POP3 command line sent a second command of the caller's choosing
  it('no option value smuggles a second FTP, SMTP, IMAP or POP3 command (CR/LF refused up front, expansions judged)', async () => {
    // answers every command line 2xx (354 to DATA, till the lone "."), and keeps them
    const lines: string[] = [];
    const server = await startRawServer((socket) => {
      socket.on('error', () => {});
      socket.write('220 ready\r\n');
      let text = '';
      let data = false;
      socket.on('data', (d) => {
        text += d.toString('latin1');
        for (let end = text.indexOf('\r\n'); end >= 0; end = text.indexOf('\r\n')) {
          const line = text.slice(0, end);
          text = text.slice(end + 2);
          if (data) {
            if (line === '.') [data] = [false, socket.write('250 sent\r\n')];
            continue;
          }
          lines.push(line);
          if (line === 'DATA') [data] = [true, socket.write('354 go\r\n')];
          else if (line === 'QUIT') socket.end('221 bye\r\n');
          else socket.write('250 ok\r\n');
        }
      });
    });
    onTestFinished(() => server.close());
    const sb = await sandbox({ protocols: ['http', 'ftp', 'smtp', 'imap', 'pop3'] });
    const port = server.port;
    const smtp = `smtp://good.test:${port}/`;
    const ftp = `ftp://good.test:${port}/`;
    const files = { 'crlf.txt': 'a@b.test>\r\nRSET', 'mail.txt': 'Subject: hi\r\n\r\nhi\r\n', 'clean.txt': 'c@d.test' };
    const bad = 'a@b.test>\r\nRSET';
    const injections: [string[], RegExp][] = [
      [['--mail-rcpt', bad, smtp], /--mail-rcpt:/],
      [['--mail-from', 'a@b.test>\nRSET', smtp], /--mail-from:/],
      [['--mail-auth', bad, smtp], /--mail-auth:/],
      [['-Q', 'NOOP\r\nDELE secret', ftp], /--quote:/],
      [['-QNOOP\r\nDELE secret', ftp], /--quote:/],
      [['-sQ', 'NOOP\nDELE secret', ftp], /--quote:/],
      [['--quote', '-NOOP\r\nDELE secret', ftp], /--quote:/],
      [['--ftp-account', 'acct\r\nDELE secret', ftp], /--ftp-account:/],
      [['--ftp-alternative-to-user', 'USER x\r\nDELE secret', ftp], /--ftp-alternative-to-user:/],
      [['--login-options', 'AUTH=*\r\nA1 DELETE INBOX', `imap://good.test:${port}/`], /--login-options:/],
      [['--sasl-authzid', 'x\r\nDELE 1', `pop3://good.test:${port}/`], /--sasl-authzid:/],
      [['--aws-sigv4', 'aws:amz:r\r\nX-Injected: 1:s', `http://good.test:${goodPort}/`], /--aws-sigv4:/],
      [[smtp, '--next', '--mail-rcpt', bad, smtp], /--mail-rcpt:/],
      // expansions: a variable that could hold CR or LF
      [['--variable', 'v@crlf.txt', '--expand-mail-rcpt', '{{v}}', smtp], /--expand-mail-rcpt: a variable/],
      [['--variable', 'v=a\r\nRSET', '--expand-mail-from', '<{{v:trim}}>', smtp], /--expand-mail-from: a variable/],
      [['--variable', 'v=YQ0KUlNFVA', '--expand-mail-from', '{{v:64dec}}', smtp], /--expand-mail-from: a variable/],
      [['--variable', 'v=YQ0KUlNFVA', '--expand-variable', 'w={{v:64dec}}', '--expand-quote', '{{w}}', ftp], /--expand-quote: a variable/],
      [['--expand-variable', '{{x}}=1', '--variable', 'v=ok', '--expand-quote', '{{v}}', ftp], /--expand-quote: a variable/],
      [['--variable', '%HOME', '--expand-ftp-account', '{{HOME}}', ftp], /--expand-ftp-account: a variable/],
    ];
    for (const [args, message] of injections) {
      const err = await curl(['-sS', ...args], { sandbox: sb, files }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err, args.join(' ')).toBeInstanceOf(TypeError);
      expect(err!.message, args.join(' ')).toMatch(message);
      expect(err!.message).toMatch(/^curl\(\): invalid value for --[a-z0-9-]+: /);
    }
    expect(server.connections).toBe(0);
    // what cannot hold CR or LF runs, as curl sends it
    const mail = async (args: string[]) => {
      lines.length = 0;
      const r = await curl(['-sS', '--mail-from', 'me@b.test', '-T', 'mail.txt', ...args, smtp], { sandbox: sb, files });
      expect(r.errorText(), args.join(' ')).toBe('');
      return lines.filter((l) => l.startsWith('RCPT'));
    };
    expect(await mail(['--mail-rcpt', 'a@b.test'])).toEqual(['RCPT TO:<a@b.test>']);
    expect(await mail(['--variable', 'v=a@b.test', '--expand-mail-rcpt', '{{v}}'])).toEqual(['RCPT TO:<a@b.test>']);
    expect(await mail(['--variable', 'v@clean.txt', '--expand-mail-rcpt', '{{v}}'])).toEqual(['RCPT TO:<c@d.test>']);
    expect(await mail(['--variable', 'v@crlf.txt', '--expand-mail-rcpt', '{{v:url}}'])).toEqual(['RCPT TO:<a%40b.test%3E%0D%0ARSET>']);
    // \{{ is text, not a reference (curl keeps the value as given when nothing was expanded)
    expect(await mail(['--expand-mail-rcpt', '\\{{v}}@b.test'])).toEqual(['RCPT TO:<\\{{v}}@b.test>']);
    expect(lines).not.toContain('RSET');
    // curl itself refuses CR/LF a URL's path decodes to (CURLE_URL_MALFORMAT), after the login
    lines.length = 0;
    const path = await curl(['-sS', `ftp://good.test:${port}/a%0D%0ADELE%20secret`], { sandbox: sb });
    expect(path.exitCode).toBe(3);
    expect(lines.filter((l) => /DELE|secret/.test(l))).toEqual([]);
  });

  it('options that name a refused one through --expand- are refused as well', async () => {
    const sb = await sandbox();
    for (const args of [
      ['--expand-connect-to', `::127.0.0.2:${inside.port}`],
      ['--expand-resolve', `good.test:${goodPort}:127.0.0.2`],
      ['--expand-proxy', `127.0.0.2:${inside.port}`],
      ['--expand-config', 'c.txt'],
    ])
      await expect(curl(['-sS', ...args, `http://good.test:${goodPort}/`], { sandbox: sb }), args[0]).rejects.toThrow(/not allowed under a sandbox/);
  });

  it('a .curlrc in the run is never read', async () => {
    const sb = await sandbox();
    const r = await curl(['-sS', `http://good.test:${goodPort}/`], {
      sandbox: sb,
      env: { HOME: '/', CURL_HOME: '/' },
      files: { '.curlrc': `proxy = "http://127.0.0.2:${inside.port}"\n`, '.config/curlrc': `proxy = "http://127.0.0.2:${inside.port}"\n` },
    });
    expect(r.exitCode).toBe(0);
    expect(r.text()).toBe('ok');
  });

  it('maxConnections caps the connections the run holds open', async () => {
    const sb = await sandbox({ limits: { maxConnections: 1, timeoutMs: 2000 } });
    // two hosts, so curl cannot wait to share one connection
    const r = await curl(['-sS', '-Z', `http://good.test:${goodPort}/silent`, `http://127.0.0.1:${goodPort}/silent`], { sandbox: sb });
    expect(r.exitCode).not.toBe(0);
    expect(r.refused.some((e) => e instanceof PolicyDenied && e.rule === 'maxConnections 1')).toBe(true);
  });

  it('curl.with({ sandbox }): the tagged-template form under the sandbox, which a run cannot lift', async () => {
    const sb = await sandbox();
    const sandboxed = curl.with({ sandbox: sb });
    const ok = await sandboxed`-sS ${`http://good.test:${goodPort}/`}`;
    expect(ok.exitCode).toBe(0);
    expect(ok.text()).toBe('ok');
    const before = inside.accepted;
    const denied = await sandboxed`-sS ${`http://127.0.0.2:${inside.port}/`}`;
    expect(denied.exitCode).toBe(7);
    expect(denied.refused[0]).toBeInstanceOf(PolicyDenied);
    await expect(sandboxed`-sS -x ${`127.0.0.2:${inside.port}`} ${`http://good.test:${goodPort}/`}`).rejects.toThrow(TypeError);
    // the array form, with options of the run: an undefined sandbox keeps the runner's, another one is refused
    const kept = await sandboxed(['-sS', `http://127.0.0.2:${inside.port}/`], { sandbox: undefined });
    expect(kept.exitCode).toBe(7);
    const other = await sandbox();
    await expect(sandboxed(['-sS', `http://good.test:${goodPort}/`], { sandbox: other })).rejects.toThrow(/that sandbox only/);
    expect(() => sandboxed.with({ sandbox: other })).toThrow(/that sandbox only/);
    expect(inside.accepted - before).toBe(0);
  });

  it('something else than a Sandbox is a TypeError', async () => {
    const notOne = { policy: {}, limits: {} } as unknown as Sandbox;
    await expect(curl(['-sS', `http://good.test:${goodPort}/`], { sandbox: notOne })).rejects.toThrow(/must be a Sandbox/);
  });

  it('a destroyed sandbox runs nothing', async () => {
    const sb = await sandbox();
    await sb.destroy();
    await expect(curl(['-sS', `http://good.test:${goodPort}/`], { sandbox: sb })).rejects.toThrow(/destroyed/);
  });
});
