// SPDX-License-Identifier: MIT
// Debian's OpenSSH server as a foreground child on loopback, for the SFTP and
// SCP tests of curl-wasm: a server nobody here wrote. Its configuration, host
// key, the client's key pair and the files it serves live in one temporary
// directory that stop() removes. scripts/sshd.sh install puts sshd in place
// (CI runs it). Public-key login only, as the user running the tests (sshd
// run by a user other than root can log in no one else).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = process.env.SSHD ?? '/usr/sbin/sshd';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
const INSTALL_HINT = 'run `bash scripts/sshd.sh install` (as root; .ci/run does through npm run test:interop)';

export interface Sshd {
  /** 'OpenSSH_9.2' */
  readonly version: string;
  readonly port: number;
  /** the user the client logs in as */
  readonly user: string;
  /** the directory whose files the tests serve and upload to (absolute: an sftp:// URL's path) */
  readonly root: string;
  /** the client's key pair, PEM and OpenSSH public-key line (the tool reads them as files) */
  readonly clientKey: { private: string; public: string };
  /** the host key's SHA-256 fingerprint, base64 without padding (what --hostpubsha256 takes) */
  readonly hostKeySha256: string;
  /** a known_hosts line for 127.0.0.1:port */
  readonly knownHosts: string;
  /** sshd's log so far (stderr, -e) */
  log(): string;
  /** Stops sshd and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

function keygen(file: string): void {
  // ECDSA in PEM: libssh2 on mbedTLS has no Ed25519, and reads PEM keys
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-m', 'PEM', '-N', '', '-f', file], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`ssh-keygen failed: ${r.error?.message ?? r.stderr}`);
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts sshd on a free loopback port; `files` are written under {@link Sshd.root}. */
export async function startSshd(files: Record<string, Uint8Array | string> = {}): Promise<Sshd> {
  if (!existsSync(SSHD) || !existsSync(SFTP_SERVER)) {
    throw new Error(`OpenSSH's server is not installed (${SSHD} or ${SFTP_SERVER} is missing): ${INSTALL_HINT}`);
  }
  const v = spawnSync(SSHD, ['-V'], { encoding: 'utf8' });
  const version = /OpenSSH_[\w.]+/.exec(`${v.stdout}${v.stderr}`)?.[0] ?? 'OpenSSH_?';
  const dir = mkdtempSync(join(tmpdir(), 'lcw-sshd-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(root, name), body);
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
  const user = userInfo().username;
  const port = await freePort();
  // root logs in with its key only (prohibit-password); a root sshd needs
  // Debian's privilege separation directory (scripts/sshd.sh makes it)
  writeFileSync(
    join(dir, 'sshd_config'),
    `# written by test/interop/sshd.ts
ListenAddress 127.0.0.1:${port}
HostKey ${dir}/host_key
PidFile ${dir}/sshd.pid
AuthorizedKeysFile ${dir}/authorized_keys
AllowUsers ${user}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem sftp ${SFTP_SERVER}
LogLevel VERBOSE
`,
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sshd exited (${code}) before listening:\n${log}`)));
    child.once('error', reject);
  });
  try {
    await listening;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const hostPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ');
  const blob = Buffer.from(hostPub[1] ?? '', 'base64');
  let stopped = false;
  return {
    version,
    port,
    user,
    root,
    clientKey: { private: readFileSync(join(dir, 'client_key'), 'utf8'), public: readFileSync(join(dir, 'client_key.pub'), 'utf8') },
    hostKeySha256: createHash('sha256').update(blob).digest('base64').replace(/=+$/, ''),
    knownHosts: `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`,
    log: () => log,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
