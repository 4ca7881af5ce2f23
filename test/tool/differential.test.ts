// SPDX-License-Identifier: MIT
// curl-wasm against native curl 8.14.1 (Debian's, fetched by scripts/native-curl.sh):
// the same command line, in twin working directories, against the same loopback
// servers; exit code, stdout, stderr and the files each wrote must match byte for
// byte once what no two runs share (dates, times, ports, TLS libraries) is masked.
// Skipped, with the reason, when that curl is not there.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Case, cases, type Ctx } from './differential-cases.js';
import { forget, startDiffServer } from './differential-server.js';
import { closedPort, startHttp2Server, startHttpServer, startHttpsServer } from '../fixtures/servers.js';
import { startFtpServer } from '../fixtures/ftp.js';
import { startHttpProxy, startSocksProxy } from '../fixtures/proxies.js';
import { startTftpServer } from '../fixtures/tftp.js';
import { scratchDir, serversForFile } from '../fixtures/per-file.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'ts/tool/cli.ts');
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const NATIVE = process.env.NATIVE_CURL ?? join(ROOT, '.build/native-curl/curl');
const CA = join(ROOT, 'test/fixtures/certs/ca.pem');

function nativeVersion(): string {
  const r = spawnSync(NATIVE, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0]! : '';
}
const version = nativeVersion();
const missing = version.startsWith('curl 8.14.1 ') ? '' : `no native curl 8.14.1 at ${NATIVE} (bash scripts/native-curl.sh fetches it)`;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every file the run left in its working directory, by relative path. */
  files: Record<string, string>;
}

function listFiles(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, base, out);
    else out[relative(base, p)] = readFileSync(p, 'latin1');
  }
  return out;
}

function run(cmd: string[], cwd: string, args: string[], stdin: string | undefined, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], {
      cwd,
      // the same environment for both: no proxies, no .curlrc, no netrc of the user's
      env: { PATH: process.env.PATH, HOME: cwd, LANG: 'C', TZ: 'UTC', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1'), files: listFiles(cwd) });
    });
    child.stdin.end(stdin);
  });
}

/** What differs between any two runs, or between the two TLS stacks, masked in both. */
export function mask(s: string, ctx: Ctx): string {
  return s
    .replace(/^([<>] )?date: .*$/gim, '$1date: *')
    .replace(/\b(after|in) \d+ (ms|milliseconds)/g, '$1 * $2')
    .replace(new RegExp(ctx.scratch.native.replaceAll('/', '\\/'), 'g'), '<cwd>')
    .replace(new RegExp(ctx.scratch.wasm.replaceAll('/', '\\/'), 'g'), '<cwd>');
}

const { http, https, h2, diff, ftp, proxy, authProxy, socks5, socks4, tftp } = missing
  ? ({} as never)
  : await serversForFile({
      http: startHttpServer,
      https: startHttpsServer,
      h2: () => startHttp2Server({ allowHTTP1: true }),
      diff: startDiffServer,
      ftp: () => startFtpServer({ 'file.txt': Buffer.from('ftp file contents\n'), 'dir/a.txt': Buffer.from('a\n') }),
      proxy: () => startHttpProxy(),
      authProxy: () => startHttpProxy({ auth: { user: 'user', pass: 'pass' } }),
      socks5: () => startSocksProxy(),
      socks4: () => startSocksProxy({ version: 4 }),
      tftp: () => startTftpServer({ 't.txt': 'tftp contents\n' }),
    });

if (missing) {
  describe('curl-wasm against native curl', () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
}

describe.skipIf(missing !== '')(`curl-wasm against ${version || 'native curl'}`, async () => {
  const root = missing ? '' : scratchDir('curl-diff-');
  const ctx: Ctx = missing
    ? ({} as Ctx)
    : {
        http: http.url,
        https: https.url,
        h2: h2.url,
        diff: diff.url,
        ftp: ftp.url,
        proxy: proxy.url,
        authProxy: authProxy.url,
        socks5: socks5.url,
        socks4: socks4.url,
        tftp: tftp.url,
        ca: CA,
        closed: await closedPort(),
        scratch: { native: join(root, 'native'), wasm: join(root, 'wasm') },
        forget,
      };

  let n = 0;
  const each = (c: Case) => async () => {
    const dirs = [join(root, `native-${n}`), join(root, `wasm-${n}`)];
    n++;
    for (const d of dirs) {
      mkdirSync(join(d, 'in'), { recursive: true });
      for (const [name, body] of Object.entries(c.files?.(ctx) ?? {})) writeFileSync(join(d, name), body);
    }
    const args = c.args(ctx);
    // one after the other: some routes count requests (/retry), FTP uploads share a name
    c.before?.(ctx);
    const native = await run([NATIVE], dirs[0]!, args, c.stdin, c.env?.(ctx, dirs[0]!));
    c.before?.(ctx);
    const wasm = await run([process.execPath, '--import', TSX, CLI], dirs[1]!, args, c.stdin, c.env?.(ctx, dirs[1]!));
    const local: Ctx = { ...ctx, scratch: { native: dirs[0]!, wasm: dirs[1]! } };
    const view = (r: Run) => {
      const m = (s: string) => (c.mask ?? ((x) => x))(mask(s, local), local);
      return {
        code: r.code,
        stdout: m(r.stdout),
        stderr: m(r.stderr),
        files: Object.fromEntries(Object.entries(r.files).map(([k, v]) => [k, m(v)])),
      };
    };
    if (c.differs) {
      // a known divergence (the case says why): this fails once it is gone, so the entry goes too
      expect(view(wasm)).not.toEqual(view(native));
    } else {
      expect(view(wasm)).toEqual(view(native));
    }
  };

  it('--version: the protocols and features native curl has that this build leaves out are the ones build.sh turns off', async () => {
    const list = (out: string, key: string) =>
      out
        .split('\n')
        .find((l) => l.startsWith(`${key}: `))!
        .split(' ')
        .slice(1);
    const native = await run([NATIVE], root, ['--version'], undefined);
    const wasm = await run([process.execPath, '--import', TSX, CLI], root, ['--version'], undefined);
    const missingFrom = (key: string) => list(native.stdout, key).filter((x) => !list(wasm.stdout, key).includes(x));
    // --disable-ldap --disable-ldaps, --without-librtmp, --disable-smb; no Kerberos library,
    // no TLS-SRP in mbedTLS, --disable-unix-sockets (README, The curl-wasm command)
    expect(missingFrom('Protocols')).toEqual(['ldap', 'ldaps', 'rtmp', 'smb', 'smbs']);
    expect(missingFrom('Features')).toEqual(['GSS-API', 'Kerberos', 'SPNEGO', 'TLS-SRP', 'UnixSockets']);
    // nothing the other way round
    for (const key of ['Protocols', 'Features']) expect(list(wasm.stdout, key).filter((x) => !list(native.stdout, key).includes(x))).toEqual([]);
    expect(wasm.stdout.split('\n')[1]).toBe(native.stdout.split('\n')[1]!.replace(/, security patched: .*/, ''));
  });

  for (const c of cases) {
    if (c.skip) it.skip(`${c.name} — skipped: ${c.skip}`, () => {});
    else it.concurrent(c.differs ? `${c.name} — known divergence: ${c.differs}` : c.name, each(c), 120_000); // two processes each, on a loaded machine
  }
});
