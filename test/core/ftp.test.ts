// SPDX-License-Identifier: MIT
// FTP through the real wasm build against the node:net FTP server in
// test/fixtures/ftp.ts: passive mode exercises the bridge's connect, active
// mode its bind/listen/accept (curl listens, the server connects to it).
// The server sends each 226 ahead of the data (early226): curl reads that
// reply in a blocking loop after the transfer, where the host cannot deliver
// it; the last describe runs a server with the usual order.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CurlEasyError, type OptionValue } from '../../ts/index.js';
import { startFtpServer } from '../fixtures/ftp.js';
import { patternBytes } from '../fixtures/servers.js';
import { transfer } from './transfer.js';
import { multiAndServer } from '../fixtures/per-file.js';

const BIG = patternBytes(1 << 20); // 1 MiB: many reads, and the bridge's flow control in play
const HELLO = Buffer.from('hello over ftp\n');

const { rt, multi, server } = await multiAndServer(() =>
  startFtpServer(
    {
      'big.bin': BIG,
      'hello.txt': HELLO,
      'victim.txt': Buffer.from('delete me'),
      'dir/a.txt': Buffer.from('a'),
      'dir/b.txt': Buffer.from('bb'),
      'dir/sub/c.txt': Buffer.from('ccc'),
    },
    { early226: true },
  ),
);

/** The server stores an upload once curl closes the data connection, which
 * curl does as the transfer finishes: wait for it. */
async function stored(name: string): Promise<Buffer> {
  return vi.waitFor(() => {
    const f = server.files.get(name);
    if (!f) throw new Error(`${name} not stored yet`);
    return f;
  });
}

/** Runs one FTP transfer; returns the body, last reply code and the commands
 * `server` received meanwhile. */
async function ftp(url: string, opts: Record<string, OptionValue> = {}) {
  const before = server.commands.length;
  const r = await transfer(rt, multi, url, opts);
  const code = r.easy.getInfo('RESPONSE_CODE') as number;
  const size = r.easy.getInfo('SIZE_DOWNLOAD_T') as number;
  r.easy.close();
  return { body: r.body, code, size, sent: server.commands.slice(before) };
}

/** An upload source for READFUNCTION that counts its calls. */
function reader(data: Buffer) {
  let offset = 0;
  const src = {
    calls: 0,
    read: (buf: Uint8Array) => {
      src.calls++;
      const n = Math.min(buf.length, data.length - offset);
      buf.set(data.subarray(offset, offset + n));
      offset += n;
      return n;
    },
  };
  return src;
}

describe('FTP passive mode (connect)', () => {
  it('downloads 1 MiB over EPSV', async () => {
    const [active, passive] = [server.activeConnections, server.passiveConnections];
    const r = await ftp(`${server.url}/big.bin`, { USERPWD: 'user:pass' });
    expect(r.body.length).toBe(BIG.length);
    expect(r.body.equals(BIG)).toBe(true);
    expect(r.size).toBe(BIG.length);
    expect(r.code).toBe(226);
    expect(r.sent).toContain('EPSV');
    expect(r.sent).not.toContain('PASV');
    expect(r.sent).toContain('RETR');
    expect(server.passiveConnections).toBe(passive + 1);
    expect(server.activeConnections).toBe(active);
  });

  it('downloads over PASV when EPSV is off', async () => {
    const passive = server.passiveConnections;
    // FTP_USE_EPSV and FTP_USE_EPRT stick to the connection: use a new one
    const r = await ftp(`${server.url}/hello.txt`, { FTP_USE_EPSV: 0, FRESH_CONNECT: 1, FORBID_REUSE: 1 });
    expect(r.body.equals(HELLO)).toBe(true);
    expect(r.sent).toContain('PASV');
    expect(r.sent).not.toContain('EPSV');
    expect(server.passiveConnections).toBe(passive + 1);
  });

  it('uploads with STOR', async () => {
    const data = patternBytes(700_000);
    const src = reader(data);
    const passive = server.passiveConnections;
    const r = await ftp(`${server.url}/load.bin`, {
      USERPWD: 'user:pass',
      UPLOAD: 1,
      INFILESIZE_LARGE: data.length,
      READFUNCTION: src.read,
    });
    expect(r.sent).toContain('STOR');
    expect(r.code).toBe(226);
    expect(server.passiveConnections).toBe(passive + 1);
    expect((await stored('load.bin')).equals(data)).toBe(true);
    expect(src.calls).toBeGreaterThan(1); // streamed in pieces
  });

  it('lists names with DIRLISTONLY (NLST)', async () => {
    const r = await ftp(`${server.url}/dir/`, { DIRLISTONLY: 1 });
    expect(r.sent).toContain('NLST');
    expect(r.sent).toContain('CWD');
    // ASCII mode: curl turns the server's CRLF into LF
    expect(r.body.toString().split(/\r?\n/).filter(Boolean)).toEqual(['a.txt', 'b.txt', 'sub']);
  });

  it('lists a directory in long form (LIST)', async () => {
    const r = await ftp(`${server.url}/dir/`);
    expect(r.sent).toContain('LIST');
    const lines = r.body.toString().split(/\r?\n/).filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^-rw-r--r-- .* 1 Jan 02 03:04 a\.txt$/);
    expect(lines[2]).toMatch(/^drwxr-xr-x .* sub$/);
  });

  it('runs QUOTE commands before the transfer', async () => {
    expect(server.files.has('victim.txt')).toBe(true);
    // QUOTE runs before curl's CWDs: the path is absolute, whatever the reused connection's directory
    const r = await ftp(`${server.url}/`, { QUOTE: ['DELE /victim.txt'], NOBODY: 1 });
    expect(r.sent).toContain('DELE');
    expect(server.files.has('victim.txt')).toBe(false);
  });
});

describe('FTP active mode (bind, listen, accept)', () => {
  it('downloads 1 MiB with FTPPORT 127.0.0.1 (EPRT)', async () => {
    const [active, passive] = [server.activeConnections, server.passiveConnections];
    const r = await ftp(`${server.url}/big.bin`, { FTPPORT: '127.0.0.1' });
    expect(r.sent).toContain('EPRT');
    expect(r.sent).toContain('RETR');
    expect(server.activeConnections).toBe(active + 1);
    expect(server.passiveConnections).toBe(passive);
    expect(r.body.length).toBe(BIG.length);
    expect(r.body.equals(BIG)).toBe(true);
    expect(r.code).toBe(226);
  });

  it('downloads with PORT when EPRT is off', async () => {
    const active = server.activeConnections;
    const r = await ftp(`${server.url}/hello.txt`, { FTPPORT: '127.0.0.1', FTP_USE_EPRT: 0, FRESH_CONNECT: 1, FORBID_REUSE: 1 });
    expect(r.sent).toContain('PORT');
    expect(r.sent).not.toContain('EPRT');
    expect(server.activeConnections).toBe(active + 1);
    expect(r.body.equals(HELLO)).toBe(true);
  });

  it("uses the control connection's address with FTPPORT '-'", async () => {
    const active = server.activeConnections;
    const r = await ftp(`${server.url}/hello.txt`, { FTPPORT: '-' });
    expect(server.activeConnections).toBe(active + 1);
    expect(r.body.equals(HELLO)).toBe(true);
  });

  it("listens on the control connection's address only, not on every interface", async () => {
    // at EPRT the listener is up: another loopback address must find nothing there
    const probes: string[] = [];
    const probe = (host: string, port: number) =>
      new Promise<void>((done) => {
        const s = net.connect({ host, port });
        s.once('connect', () => (probes.push(`${host} accepted`), s.destroy(), done()));
        s.once('error', (e: NodeJS.ErrnoException) => (probes.push(`${host} ${e.code}`), done()));
      });
    const own = await startFtpServer({ 'hello.txt': HELLO }, { early226: true, onActive: (_host, port) => probe('127.0.0.2', port) });
    try {
      const r = await transfer(rt, multi, `${own.url}/hello.txt`, { FTPPORT: '-' });
      r.easy.close();
      expect(r.body.equals(HELLO)).toBe(true);
      expect(probes).toEqual(['127.0.0.2 ECONNREFUSED']);
      expect(own.activeConnections).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('uploads with STOR', async () => {
    const data = patternBytes(300_000);
    const active = server.activeConnections;
    const r = await ftp(`${server.url}/active-up.bin`, {
      FTPPORT: '127.0.0.1',
      UPLOAD: 1,
      INFILESIZE_LARGE: data.length,
      READFUNCTION: reader(data).read,
    });
    expect(r.sent).toContain('STOR');
    expect(server.activeConnections).toBe(active + 1);
    expect((await stored('active-up.bin')).equals(data)).toBe(true);
  });
});

describe('FTP errors', () => {
  it('a missing file is CURLE_REMOTE_FILE_NOT_FOUND', async () => {
    const err = await ftp(`${server.url}/nope.txt`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_REMOTE_FILE_NOT_FOUND', curlCode: 78 });
  });

  it('a wrong password is CURLE_LOGIN_DENIED', async () => {
    const err = await ftp(`${server.url}/hello.txt`, { USERPWD: 'user:wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_LOGIN_DENIED', curlCode: 67 });
  });
});

describe('FTP with the final reply after the data (as real servers send it)', () => {
  // The server runs in a child process, as a real one would: while curl waits
  // for the 226 in its blocking loop (Curl_GetFTPResponse from ftp_done), no
  // JavaScript runs in this thread, an in-process server included.
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const fixture = new URL('../fixtures/ftp.ts', import.meta.url).href;
    const script = `
      const { startFtpServer } = await import(${JSON.stringify(fixture)});
      const s = await startFtpServer({ 'hello.txt': Buffer.from(${JSON.stringify(HELLO.toString('base64'))}, 'base64') });
      process.stdout.write('PORT ' + s.port + '\\n');
      process.stdin.on('end', () => process.exit(0)).resume();`;
    child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`FTP server process exited (${code})`)));
      child.stdout!.on('data', (d: Buffer) => {
        const m = /PORT (\d+)/.exec((out += d.toString()));
        if (m) resolve(Number(m[1]));
      });
    });
    url = `ftp://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin!.end(); // the server process exits when its stdin ends
    await exited;
  });

  // curl-src/patches/0002: curl would block in ftp_done waiting for the
  // 226, which cannot arrive while wasm runs; the transfer now stands on its
  // data connection, and the last reply curl saw is the 150 (or the 226 when
  // it was already in).
  it('downloads when the 226 follows the closed data connection', async () => {
    const t0 = performance.now();
    const r = await ftp(`${url}/hello.txt`, { SERVER_RESPONSE_TIMEOUT: 30 });
    expect(r.body.equals(HELLO)).toBe(true);
    expect([150, 226]).toContain(r.code);
    expect(performance.now() - t0).toBeLessThan(10_000); // no 30 s wait for the reply
  });
});
