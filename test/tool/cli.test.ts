// SPDX-License-Identifier: MIT
// curl-wasm, the tool: real processes (node + the worker), real files, real
// loopback servers, curl's own exit codes and output.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../ts/index.js';
import { certs, patternBytes, sha256, startHttp2Server, startHttpServer, startHttpsServer } from '../fixtures/servers.js';
import { scratchDir, serversForFile } from '../fixtures/per-file.js';
import { startHttpProxy, type HttpProxy } from '../fixtures/proxies.js';

const CLI = fileURLToPath(new URL('../../ts/tool/cli.ts', import.meta.url));
// `--import tsx` would resolve tsx from the child's working directory
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** `env` is added to this process's; an undefined value removes the variable. */
function curl(args: string[], opts: { cwd?: string; stdin?: Buffer; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(opts.stdin);
  });
}

const { http, https } = await serversForFile({ http: startHttpServer, https: startHttpsServer });
const dir = scratchDir('curl-wasm-');
writeFileSync(join(dir, 'ca.pem'), certs.ca);
writeFileSync(join(dir, 'other-ca.pem'), certs.otherCa);
mkdirSync(join(dir, 'cadir'));
writeFileSync(join(dir, 'cadir', 'ca.pem'), certs.ca);

describe('curl-wasm', () => {
  it('--version tells the truth: the library version, protocols and features of this build', async () => {
    const r = await curl(['--version']);
    expect(r.code).toBe(0);
    const rt = await Runtime.create();
    const lines = r.stdout.toString().split('\n');
    // the tool's libcurl is the library's plus libssh2 (SFTP, SCP: build.sh's curl-ssh stage)
    expect(lines[0]).toBe(`curl 8.14.1 (wasm32-unknown-emscripten) ${rt.version.replace(' nghttp2/', ' libssh2/1.11.1 nghttp2/')}`);
    const protocols = lines
      .find((l) => l.startsWith('Protocols: '))!
      .split(' ')
      .slice(1);
    expect(protocols).toEqual(expect.arrayContaining(['http', 'https', 'ftp', 'ftps', 'ws', 'wss', 'scp', 'sftp']));
    const features = lines
      .find((l) => l.startsWith('Features: '))!
      .split(' ')
      .slice(1);
    expect(features).toEqual(expect.arrayContaining(['HTTP2', 'SSL', 'libz', 'brotli', 'zstd', 'IPv6', 'AsynchDNS', 'PSL']));
  });

  it('writes a binary body byte for byte to stdout, exit 0', async () => {
    const r = await curl(['-s', `${http.url}/bytes/300000`]);
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(sha256(patternBytes(300000)));
  });

  it('receive rings (ts/tool/ring.ts): bodies larger than the channel and the ring, over HTTP and TLS, and parallel transfers, byte for byte', async () => {
    // the worker reads each socket's ring itself and answers its recvs and polls for reading without the main thread
    const n = 9 << 20;
    const plain = await curl(['-s', `${http.url}/bytes/${n}`]);
    expect(plain.code).toBe(0);
    expect(sha256(plain.stdout)).toBe(sha256(patternBytes(n)));
    const tls = await curl(['-s', '--cacert', join(dir, 'ca.pem'), `${https.url}/chunked/${n}`]);
    expect(tls.code).toBe(0);
    expect(sha256(tls.stdout)).toBe(sha256(patternBytes(n)));
    // -Z: several sockets in one poll, one of them with bytes kept in the worker
    const sizes = [3 << 20, 5000, 2 << 20];
    const par = await curl(['-s', '-Z', ...sizes.flatMap((k, i) => ['-o', `par-${i}.bin`, `${http.url}/bytes/${k}`])], { cwd: dir });
    expect(par.code).toBe(0);
    sizes.forEach((k, i) => expect(sha256(readFileSync(join(dir, `par-${i}.bin`)))).toBe(sha256(patternBytes(k))));
  });

  it('writes -o and -O files relative to the working directory', async () => {
    const r = await curl(['-s', '-o', 'out.bin', `${http.url}/bytes/1000`, '-O', `${http.url}/hello`], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'out.bin'))).toEqual(patternBytes(1000));
    expect(readFileSync(join(dir, 'hello'), 'utf8')).toBe('hello world');
  });

  it('uploads from a stdin pipe and from a file (-T)', async () => {
    const body = patternBytes(200000);
    const piped = await curl(['-s', '--data-binary', '@-', `${http.url}/upload-sha256`], { stdin: body });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout.toString())).toMatchObject({ length: 200000, sha256: sha256(body) });
    writeFileSync(join(dir, 'up.bin'), body);
    const put = await curl(['-s', '-T', 'up.bin', `${http.url}/upload-sha256`], { cwd: dir });
    expect(JSON.parse(put.stdout.toString())).toMatchObject({ length: 200000, sha256: sha256(body) });
  });

  it("exits with curl's codes: 7 refused, 6 unresolved, 22 for -f on 404", async () => {
    const refused = await curl(['-sS', 'http://127.0.0.1:1/']);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/^curl: \(7\) Failed to connect to 127\.0\.0\.1 port 1/);
    const unresolved = await curl(['-sS', 'http://no-such-host.invalid/']);
    expect(unresolved.code).toBe(6);
    const missing = await curl(['-sSf', `${http.url}/status/404`]);
    expect(missing.code).toBe(22);
    expect(missing.stderr).toContain('The requested URL returned error: 404');
  });

  it('verifies TLS with --cacert from the filesystem, and fails with 60 when the runtime roots lack the CA', async () => {
    const ok = await curl(['-s', '--cacert', join(dir, 'ca.pem'), `${https.url}/hello`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.toString()).toBe('hello world');
    const bad = await curl(['-s', `${https.url}/hello`], { env: { CURL_CA_BUNDLE: undefined, SSL_CERT_FILE: undefined, SSL_CERT_DIR: undefined } });
    expect(bad.code).toBe(60);
  });

  it('speaks HTTP/2 and writes -w variables', async () => {
    const h2 = await startHttp2Server();
    try {
      const r = await curl(['-s', '--cacert', join(dir, 'ca.pem'), '-w', '\n%{http_version} %{response_code}', `${h2.url}/hello`]);
      expect(r.stdout.toString()).toBe('hello world\n2 200');
    } finally {
      await h2.close();
    }
  });

  it('runs transfers in parallel (-Z), follows redirects and keeps a cookie jar file', async () => {
    const r = await curl(
      ['-s', '-Z', '-L', '-c', 'jar.txt', '-o', 'a', `${http.url}/redirect-chain/3`, '-o', 'b', `${http.url}/set-cookie`, '-o', 'c', `${http.url}/bytes/5000`],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('done');
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('ok');
    expect(readFileSync(join(dir, 'c'))).toEqual(patternBytes(5000));
    expect(readFileSync(join(dir, 'jar.txt'), 'utf8')).toMatch(/\ta\t1\n/);
  });

  it('refuses a Domain=co.uk cookie (public suffix list), keeps Domain=example.co.uk within its site', async () => {
    // --resolve: curl's own answers for the names, no DNS query leaves the machine
    const names = ['x.example.co.uk', 'www.example.co.uk', 'y.other.co.uk'];
    const resolve = names.flatMap((n) => ['--resolve', `${n}:${http.port}:127.0.0.1`]);
    const set = ['a=1; Domain=co.uk; Path=/', 'b=2; Domain=example.co.uk; Path=/'].map((c) => `c=${encodeURIComponent(c)}`).join('&');
    const r = await curl(
      [
        '-s',
        '-v',
        ...resolve,
        '-c',
        'psl-jar.txt',
        '-o',
        'set',
        `http://x.example.co.uk:${http.port}/set-cookie?${set}`,
        '-o',
        'other',
        `http://y.other.co.uk:${http.port}/cookies`,
        '-o',
        'same',
        `http://www.example.co.uk:${http.port}/cookies`,
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    // (curl 8.14's message names the host first, the cookie's domain second)
    expect(r.stderr).toContain("cookie 'a' dropped, domain 'x.example.co.uk' must not set cookies for 'co.uk'");
    expect(JSON.parse(readFileSync(join(dir, 'other'), 'utf8'))).toEqual({ cookie: null });
    expect(JSON.parse(readFileSync(join(dir, 'same'), 'utf8'))).toEqual({ cookie: 'b=2' });
    const jar = readFileSync(join(dir, 'psl-jar.txt'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(jar).toEqual([expect.stringMatching(/^\.example\.co\.uk\tTRUE\t\/\t.*\tb\t2$/)]);
  });

  it('shows the progress meter and -v on stderr', async () => {
    const r = await curl(['-v', '-o', join(dir, 'p.bin'), `${http.url}/bytes/100000`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('% Total');
    expect(r.stderr).toContain('> GET /bytes/100000 HTTP/1.1');
    expect(r.stderr).toContain('< HTTP/1.1 200 OK');
  });

  it('reads files and lists directories over file://, writes --stderr to a file', async () => {
    const listing = join(dir, 'listing');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(listing, { recursive: true });
    writeFileSync(join(listing, 'one.txt'), 'one');
    const file = await curl(['-s', `file://${join(listing, 'one.txt')}`]);
    expect(file.stdout.toString()).toBe('one');
    const list = await curl(['-s', `file://${listing}/`]);
    expect(list.stdout.toString()).toBe('one.txt\n');
    const redirected = await curl(['-s', '--stderr', join(dir, 'err.txt'), '-w', '%{stderr}to stderr\n', `${http.url}/hello`]);
    expect(redirected.stderr).toBe('');
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).toBe('to stderr\n');
  });

  it('fails --interface with 45 when the name is neither a device nor an address', async () => {
    const r = await curl(['-s', '--interface', 'no-such-host.invalid', `${http.url}/hello`]);
    expect(r.code).toBe(45);
  });

  it('takes its proxy from the environment, as curl does', async () => {
    const proxy: HttpProxy = await startHttpProxy();
    try {
      const r = await curl(['-s', `${http.url}/hello`], { env: { http_proxy: proxy.url } });
      expect(r.stdout.toString()).toBe('hello world');
      expect(proxy.targets).toEqual([`${http.url}/hello`]);
    } finally {
      await proxy.close();
    }
  });
});

// The test CA stands in for a runtime root: Node adds NODE_EXTRA_CA_CERTS to
// what its TLS trusts by default, and so does the tool's default store. Each
// run starts from none of curl's CA variables (a machine may set them all).
describe('curl-wasm trust store', () => {
  const clean = { CURL_CA_BUNDLE: undefined, SSL_CERT_FILE: undefined, SSL_CERT_DIR: undefined, NODE_EXTRA_CA_CERTS: undefined };
  const asRoot = () => ({ ...clean, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') });

  it("trusts the runtime's root certificates when nothing else is configured", async () => {
    const r = await curl(['-sS', `${https.url}/hello`], { env: asRoot() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('hello world');
  });

  it('CURL_CA_BUNDLE, SSL_CERT_FILE and SSL_CERT_DIR replace the default, as curl documents', async () => {
    for (const set of [{ CURL_CA_BUNDLE: join(dir, 'ca.pem') }, { SSL_CERT_FILE: join(dir, 'ca.pem') }, { SSL_CERT_DIR: join(dir, 'cadir') }]) {
      const r = await curl(['-s', `${https.url}/hello`], { env: { ...clean, ...set } });
      expect([set, r.code]).toEqual([set, 0]);
    }
    // a bundle that does not hold the server's CA: the runtime's roots are not consulted
    const other = await curl(['-s', `${https.url}/hello`], { env: { ...asRoot(), CURL_CA_BUNDLE: join(dir, 'other-ca.pem') } });
    expect(other.code).toBe(60);
    // CURL_CA_BUNDLE wins over SSL_CERT_FILE
    const both = await curl(['-s', `${https.url}/hello`], {
      env: { ...clean, CURL_CA_BUNDLE: join(dir, 'other-ca.pem'), SSL_CERT_FILE: join(dir, 'ca.pem') },
    });
    expect(both.code).toBe(60);
    const missing = await curl(['-s', `${https.url}/hello`], { env: { ...clean, CURL_CA_BUNDLE: join(dir, 'nope.pem') } });
    expect(missing.code).toBe(77);
  });

  it('--cacert and --capath replace the default and the environment; --ca-native adds the runtime roots', async () => {
    const other = await curl(['-s', '--cacert', join(dir, 'other-ca.pem'), `${https.url}/hello`], { env: asRoot() });
    expect(other.code).toBe(60);
    const overEnv = await curl(['-s', '--cacert', join(dir, 'ca.pem'), `${https.url}/hello`], {
      env: { ...clean, CURL_CA_BUNDLE: join(dir, 'other-ca.pem') },
    });
    expect(overEnv.code).toBe(0);
    const capath = await curl(['-s', '--capath', join(dir, 'cadir'), `${https.url}/hello`], { env: clean });
    expect(capath.code).toBe(0);
    const native = await curl(['-s', '--ca-native', '--cacert', join(dir, 'other-ca.pem'), `${https.url}/hello`], { env: asRoot() });
    expect(native.code).toBe(0);
    expect(native.stdout.toString()).toBe('hello world');
    // and --cacert still counts beside them
    const nativeFile = await curl(['-s', '--ca-native', '--cacert', join(dir, 'ca.pem'), `${https.url}/hello`], { env: clean });
    expect(nativeFile.code).toBe(0);
  });

  it('-k still skips verification', async () => {
    const k = await curl(['-sk', `${https.url}/hello`], { env: clean });
    expect(k.code).toBe(0);
  });
});

describe('curl-wasm netrc', () => {
  const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const authOf = (r: Run): string | null => (JSON.parse(r.stdout.toString()) as { headers: { authorization?: string } }).headers.authorization ?? null;
  let home: string;
  let empty: string;
  beforeAll(() => {
    home = join(dir, 'home');
    empty = join(dir, 'empty-home');
    mkdirSync(home);
    mkdirSync(empty);
    writeFileSync(join(home, '.netrc'), 'machine 127.0.0.1 login homeuser password homepass\n');
    writeFileSync(join(dir, 'other.netrc'), 'machine 127.0.0.1\n  login fileuser\n  password "file pass"\n');
  });

  it('--netrc reads .netrc in $HOME', async () => {
    const r = await curl(['-sS', '--netrc', `${http.url}/inspect`], { env: { HOME: home } });
    expect(r.code).toBe(0);
    expect(authOf(r)).toBe(basic('homeuser', 'homepass'));
  });

  it('--netrc-file reads the named file', async () => {
    const r = await curl(['-sS', '--netrc-file', join(dir, 'other.netrc'), `${http.url}/inspect`], { env: { HOME: empty } });
    expect(r.code).toBe(0);
    expect(authOf(r)).toBe(basic('fileuser', 'file pass'));
  });

  it('--netrc-optional: the file when there is one, the URL credentials over it, nothing when there is none', async () => {
    const r = await curl(['-sS', '--netrc-optional', `${http.url}/inspect`], { env: { HOME: home } });
    expect(authOf(r)).toBe(basic('homeuser', 'homepass'));
    const u = await curl(['-sS', '--netrc-optional', '-u', 'cli:pw', `${http.url}/inspect`], { env: { HOME: home } });
    expect(authOf(u)).toBe(basic('cli', 'pw'));
    const none = await curl(['-sS', '--netrc-optional', `${http.url}/inspect`], { env: { HOME: empty } });
    expect(none.code).toBe(0);
    expect(authOf(none)).toBeNull();
  });

  it('no netrc option, no netrc: .netrc is read only when asked', async () => {
    const r = await curl(['-sS', `${http.url}/inspect`], { env: { HOME: home } });
    expect(authOf(r)).toBeNull();
  });
});

describe('curl-wasm IDN (host backend)', () => {
  it('lists IDN in -V and sends the punycode name (Host:) for a Unicode URL', async () => {
    const v = await curl(['-V']);
    expect(v.stdout.toString()).toMatch(/^Features: .*\bIDN\b/m);
    const r = await curl(['-s', `http://bücher.localhost:${http.port}/inspect`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.toString()).headers.host).toBe(`xn--bcher-kva.localhost:${http.port}`);
  });

  it('exits with 3 (CURLE_URL_MALFORMAT) for a name that fails IDNA', async () => {
    const r = await curl(['-sS', `http://\u0301a.localhost:${http.port}/`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('URL using bad/illegal format or missing URL');
  });
});

describe('curl-wasm manual', () => {
  const manual = () => gunzipSync(readFileSync(new URL('../../wasm/curl-manual.txt.gz', import.meta.url)));

  it.each([['--manual'], ['-M']])('%s prints curl 8.14.1 manual, read from curl-manual.txt.gz', async (flag) => {
    const r = await curl([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(manual())).toBe(true);
    const text = r.stdout.toString();
    expect(text).toMatch(/curl - transfer a URL/);
    expect(text).toMatch(/^AUTHORS/m);
  });

  it('--help <option> shows that option from the manual', async () => {
    const r = await curl(['--help', '--insecure']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^ {4}-k, --insecure\n/);
    expect(r.stdout.toString()).not.toMatch(/--interface/);
  });
});
