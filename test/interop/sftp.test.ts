// SPDX-License-Identifier: MIT
// curl-wasm speaking SFTP and SCP (libssh2 on mbedTLS, in the tool only) to
// Debian's OpenSSH server on loopback (test/interop/sshd.ts), in-process
// through libcurl-wasm/cli: downloads, uploads, listings, host-key checks
// by fingerprint and by known_hosts, with curl's exit codes and messages.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from '../../ts/cli.js';
import { patternBytes, sha256 } from '../fixtures/servers.js';
import { type Sshd, startSshd } from './sshd.js';

const BIG = patternBytes(300_000);
let sshd: Sshd;
let home: string;
beforeAll(async () => {
  sshd = await startSshd({ 'big.bin': BIG, 'hello.txt': 'hello over ssh\n' });
  // the client's files: its key pair, and a known_hosts the tool finds in $HOME
  home = mkdtempSync(join(tmpdir(), 'lcw-sftp-home-'));
  writeFileSync(join(home, 'key'), sshd.clientKey.private, { mode: 0o600 });
  writeFileSync(join(home, 'key.pub'), sshd.clientKey.public);
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHosts);
});
afterAll(async () => {
  await sshd?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** curl-wasm with the client key, as the sshd user, host key pinned by fingerprint unless `pin` is false */
function ssh(args: string[], pin: string | false = sshd.hostKeySha256) {
  const auth = ['-u', `${sshd.user}:`, '--key', 'key', '--pubkey', 'key.pub'];
  return curl(['-sS', ...auth, ...(pin ? ['--hostpubsha256', pin] : []), ...args], { cwd: home, env: { HOME: home } });
}
const url = (scheme: string, name: string) => `${scheme}://127.0.0.1:${sshd.port}${sshd.root}/${name}`;

describe(`curl-wasm and ${process.env.SSHD ?? 'OpenSSH'}`, () => {
  it('lists scp and sftp among its protocols, libssh2 in its version line', async () => {
    const r = await curl(['--version']);
    expect(r.text()).toMatch(/^Protocols: .*\bscp\b.*\bsftp\b/m);
    expect(r.text()).toMatch(/^curl 8\.14\.1 .* libssh2\/1\.11\.1/m);
  });

  it('downloads a file over SFTP', async () => {
    const r = await ssh([url('sftp', 'big.bin')]);
    expect(r.errorText()).toBe('');
    expect(r.exitCode).toBe(0);
    expect(sha256(r.stdout)).toBe(sha256(BIG));
    expect(sshd.log()).toMatch(new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1`));
  });

  it('downloads a file over SCP', async () => {
    const r = await ssh([url('scp', 'big.bin')]);
    expect(r.exitCode).toBe(0);
    expect(sha256(r.stdout)).toBe(sha256(BIG));
  });

  it('checks the host key against $HOME/.ssh/known_hosts', async () => {
    const r = await ssh([url('sftp', 'hello.txt')], false);
    expect(r.exitCode).toBe(0);
    expect(r.text()).toBe('hello over ssh\n');
  });

  it('uploads with -T over SFTP and SCP', async () => {
    const data = patternBytes(70_000);
    writeFileSync(join(home, 'up.bin'), data);
    for (const scheme of ['sftp', 'scp']) {
      const r = await ssh(['-T', 'up.bin', url(scheme, `up-${scheme}.bin`)]);
      expect(r.exitCode).toBe(0);
      expect(readFileSync(join(sshd.root, `up-${scheme}.bin`)).equals(data)).toBe(true);
    }
  });

  it('lists a directory over SFTP', async () => {
    const r = await ssh(['-l', url('sftp', '')]);
    expect(r.exitCode).toBe(0);
    expect(r.text().split('\n')).toEqual(expect.arrayContaining(['big.bin', 'hello.txt']));
  });

  it("a missing file is exit code 78 with curl's message", async () => {
    const r = await ssh([url('sftp', 'missing.txt')]);
    expect(r.exitCode).toBe(78);
    expect(r.errorText()).toMatch(/^curl: \(78\) /);
  });

  it('a host key that does not match the pinned fingerprint is exit code 60', async () => {
    const wrong = Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    const r = await ssh([url('sftp', 'hello.txt')], wrong);
    expect(r.exitCode).toBe(60);
    expect(r.errorText()).toMatch(/^curl: \(60\) .*sha256 fingerprint/i);
  });

  it('a host missing from known_hosts is refused (exit code 60)', async () => {
    const other = mkdtempSync(join(tmpdir(), 'lcw-sftp-empty-'));
    try {
      mkdirSync(join(other, '.ssh'));
      writeFileSync(join(other, '.ssh', 'known_hosts'), '');
      const r = await curl(['-sS', '-u', `${sshd.user}:`, '--key', join(home, 'key'), url('sftp', 'hello.txt')], {
        cwd: other,
        env: { HOME: other },
      });
      expect(r.exitCode).toBe(60);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
