// SPDX-License-Identifier: MIT
// Debian's nginx (nginx-light: HTTP/1.1, HTTP/2, TLS 1.2 and 1.3, gzip, the
// echo module) as a foreground child on loopback, for the interop suite: a
// server nobody here wrote. Everything it writes (config, pid, logs, temp
// paths, the files it serves) lives in one temporary directory that stop()
// removes. scripts/nginx.sh install puts nginx in place (CI runs it).
//
// Listeners, all on 127.0.0.1 with ports picked here:
//   http     plain HTTP/1.1
//   https    TLS 1.2 and 1.3, ALPN h2 and http/1.1
//   tls12    TLS 1.2 only (h2 too)
//   tls13    TLS 1.3 only (h2 too)
// Each serves the same locations:
//   /index.html, /text.txt (gzip-able), /big.bin (4 MiB of patternBytes)
//   /upload  reads the whole body first, then answers its length (text)
//   /echo    reads the whole body first, then answers it back
//
// The access log is one JSON object per request (see AccessEntry), with
// nginx's $connection serial so tests can count connections.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressiblePayload, patternBytes } from '../fixtures/servers.js';

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const INSTALL_HINT = 'run `bash scripts/nginx.sh install` (as root; .ci/run does)';

const certDir = fileURLToPath(new URL('../fixtures/certs/', import.meta.url));

/** The files nginx serves, by path. */
export const files = {
  '/index.html': Buffer.from(
    `<!doctype html>\n<html><head><title>libcurl-wasm interop</title></head>\n<body>\n${'<p>served by nginx to libcurl.wasm</p>\n'.repeat(20)}</body></html>\n`,
  ),
  '/text.txt': Buffer.from(compressiblePayload),
  '/big.bin': patternBytes(4 << 20),
} as const;

export interface AccessEntry {
  /** nginx's connection serial number ($connection). */
  connection: number;
  /** Requests so far on that connection ($connection_requests). */
  connectionRequests: number;
  port: number;
  /** $server_protocol: 'HTTP/1.1', 'HTTP/2.0'. */
  protocol: string;
  /** $ssl_protocol: 'TLSv1.2', 'TLSv1.3' or '' on plain HTTP. */
  tls: string;
  method: string;
  uri: string;
  status: number;
  /** The request's Accept-Encoding ('' when absent). */
  acceptEncoding: string;
  /** $request_length: request line, header and body bytes. */
  requestLength: number;
  bodyBytesSent: number;
}

export interface Nginx {
  /** 'nginx/1.22.1' */
  readonly version: string;
  /** `nginx -V` configure arguments and the dynamic modules loaded. */
  readonly modules: string[];
  readonly ports: { http: number; https: number; tls12: number; tls13: number };
  /** http://127.0.0.1:PORT */
  readonly httpUrl: string;
  /** https://localhost:PORT (the test certificate names localhost) */
  readonly httpsUrl: string;
  readonly tls12Url: string;
  readonly tls13Url: string;
  readonly dir: string;
  /** The access log so far, parsed. */
  accessLog(): AccessEntry[];
  /**
   * The entries that match, once there are at least `count` of them: nginx
   * logs a request when it finalizes it, which (HTTP/2 above all) can be a
   * moment after the client has the whole response. Rejects after timeoutMs.
   */
  waitForLog(match: (e: AccessEntry) => boolean, count?: number, timeoutMs?: number): Promise<AccessEntry[]>;
  /** The error log so far. */
  errorLog(): string;
  /** Stops nginx and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

interface Build {
  version: string;
  modules: string[];
  /** load_module lines needed for the echo module (empty when it is static). */
  loadEcho: string;
}

function inspectBuild(): Build {
  if (!existsSync(NGINX)) {
    throw new Error(`nginx is not installed (${NGINX} is missing): ${INSTALL_HINT}`);
  }
  const text = nginxV();
  const version = /nginx version: (nginx\/\S+)/.exec(text)?.[1] ?? 'nginx/?';
  const configure = /configure arguments: (.*)/.exec(text)?.[1] ?? '';
  // built-in modules as configure named them: http_ssl, http_v2, ...
  const modules = [...configure.matchAll(/--with-(\w+?)_module(=dynamic)?/g)].map((m) => (m[2] ? `${m[1]} (dynamic)` : m[1]!));
  for (const need of ['http_ssl', 'http_v2']) {
    if (!modules.includes(need)) throw new Error(`${version} lacks ${need}_module: ${INSTALL_HINT}`);
  }
  // echo is a third-party module: Debian ships it as a dynamic one (libnginx-mod-http-echo)
  const modulesPath = /--modules-path=(\S+)/.exec(configure)?.[1] ?? '/usr/lib/nginx/modules';
  const echoSo = join(modulesPath, 'ngx_http_echo_module.so');
  let loadEcho = '';
  if (/--add-module=\S*echo/.test(configure)) {
    modules.push('http_echo (static)');
  } else if (existsSync(echoSo)) {
    loadEcho = `load_module ${echoSo};`;
    modules.push('http_echo (dynamic)');
  } else {
    throw new Error(`${version} has no echo module (${echoSo} is missing; nginx-light brings libnginx-mod-http-echo): ${INSTALL_HINT}`);
  }
  return { version, modules, loadEcho };
}

/** `nginx -V`: it prints to stderr. */
function nginxV(): string {
  const r = spawnSync(NGINX, ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${NGINX} -V failed: ${r.error?.message ?? r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** Free loopback ports: bind port 0, note the port, close. nginx binds them next. */
async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
      servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

const LOG_FORMAT = [
  '{"connection":$connection',
  '"connectionRequests":$connection_requests',
  '"port":$server_port',
  '"protocol":"$server_protocol"',
  '"tls":"$ssl_protocol"',
  '"method":"$request_method"',
  '"uri":"$request_uri"',
  '"status":$status',
  '"acceptEncoding":"$http_accept_encoding"',
  '"requestLength":$request_length',
  '"bodyBytesSent":$body_bytes_sent}',
].join(',');

/**
 * The top of an nginx.conf for a run in \`dir\`: pid, lock, logs and temp
 * paths inside it, `workers` worker processes of `connections` each, and the opening of the http block with the
 * MIME types the sites use; the caller closes the http block.
 */
export function preamble(dir: string, loadEcho: string, writer: string, workers = 1, connections = 4096): string {
  const asRoot = process.getuid?.() === 0;
  return `# written by ${writer}
${loadEcho}
${asRoot ? 'user root root;' : ''}
pid ${dir}/nginx.pid;
lock_file ${dir}/nginx.lock;
error_log ${dir}/error.log notice;
worker_processes ${workers};
worker_rlimit_nofile ${connections * 2 + 64};
events { worker_connections ${connections}; }
http {
  types {
    text/html html;
    text/plain txt;
    application/octet-stream bin;
  }
  default_type application/octet-stream;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;`;
}

function config(dir: string, loadEcho: string, p: Nginx['ports']): string {
  const locations = `
    root ${dir}/www;
    location = /upload {
      # read the whole body before answering, else the answer races the upload;
      # nginx gets past this only with exactly Content-Length body bytes read
      # (a short HTTP/1.1 body times out, a short HTTP/2 stream is a 400)
      echo_read_request_body;
      echo -n $content_length;
    }
    location = /echo {
      echo_read_request_body;
      echo_request_body;
    }`;
  const tls = (protocols: string) => `
    ssl_certificate ${certDir}server.pem;
    ssl_certificate_key ${certDir}server-key.pem;
    ssl_protocols ${protocols};
    ${locations}`;
  return `${preamble(dir, loadEcho, 'test/interop/nginx.ts')}
  log_format interop escape=json '${LOG_FORMAT}';
  access_log ${dir}/access.log interop;
  client_max_body_size 64m;
  client_body_buffer_size 1m;
  keepalive_timeout 120s;
  keepalive_requests 10000;
  http2_max_concurrent_streams 128;
  gzip on;
  gzip_min_length 64;
  gzip_types text/plain;   # text/html always
  gzip_vary on;
  server {
    listen 127.0.0.1:${p.http};
    ${locations}
  }
  server {
    listen 127.0.0.1:${p.https} ssl http2;
    ${tls('TLSv1.2 TLSv1.3')}
  }
  server {
    listen 127.0.0.1:${p.tls12} ssl http2;
    ${tls('TLSv1.2')}
  }
  server {
    listen 127.0.0.1:${p.tls13} ssl http2;
    ${tls('TLSv1.3')}
  }
}
`;
}

/** One plain GET with node:http; resolves with the status, rejects on failure. */
function probe(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * Runs nginx under a small sh watchdog that holds our end of a pipe on fd 3:
 * when that pipe closes (stop() ends it, or this process dies however it
 * dies) the watchdog sends nginx SIGTERM, its fast shutdown. The watchdog
 * exits with nginx's status, so an nginx that fails to start is seen too.
 */
const WATCHDOG = `
exec 3<&0
"$0" "$@" </dev/null 3<&- &
nginx=$!
{ read -r _ <&3; kill -TERM "$nginx" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$nginx"; status=$?
kill "$watcher" 2>/dev/null
exit "$status"
`;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.stdin?.destroy();
});

/** What a site run by launchNginx() is: its listeners, files and config. */
export interface NginxSite<P extends string> {
  /** Listener names; each gets a free loopback port. */
  listeners: readonly P[];
  /** Writes what the site serves under `dir` (www/ and tmp/ exist). */
  prepare?(dir: string): void;
  /** The whole nginx.conf (start it with preamble()). */
  config(dir: string, loadEcho: string, ports: Record<P, number>): string;
  /** A plain-HTTP listener and path that answers 200 once nginx is up. */
  probe: { listener: P; path: string };
}

/** A running nginx: its directory, ports and logs. */
export interface NginxProcess<P extends string> {
  readonly version: string;
  readonly modules: string[];
  readonly ports: Record<P, number>;
  readonly dir: string;
  /** A file nginx writes in its directory ('' when absent). */
  readLog(name: string): string;
  /** Stops nginx and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts nginx in the foreground for `site`, once every listener accepts and the probe answers 200. */
export async function launchNginx<P extends string>(site: NginxSite<P>): Promise<NginxProcess<P>> {
  const build = inspectBuild();
  let lastError: Error | undefined;
  // a picked port can be taken between our close() and nginx's bind(): retry
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launchOnce(build, site);
    } catch (err) {
      lastError = err as Error;
      if (!/Address already in use/.test(lastError.message)) throw err;
    }
  }
  throw lastError!;
}

async function launchOnce<P extends string>(build: Build, site: NginxSite<P>): Promise<NginxProcess<P>> {
  const dir = mkdtempSync(join(tmpdir(), 'libcurl-wasm-nginx-'));
  const picked = await freePorts(site.listeners.length);
  const ports = Object.fromEntries(site.listeners.map((name, i) => [name, picked[i]!])) as Record<P, number>;
  for (const d of ['www', 'tmp']) mkdirSync(join(dir, d));
  site.prepare?.(dir);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, site.config(dir, build.loadEcho, ports));

  const args = ['-p', `${dir}/`, '-c', conf, '-e', `${dir}/startup.log`, '-g', 'daemon off; master_process off;'];
  const child = spawn('/bin/sh', ['-c', WATCHDOG, NGINX, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => {}); // EPIPE once the watchdog is gone
  running.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    });
    child.once('error', (err) => {
      running.delete(child);
      resolve(err.message);
    });
  });
  const readLog = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end(); // the watchdog sends nginx SIGTERM: fast shutdown
        const timer = setTimeout(() => {
          const pid = Number.parseInt(readLog('nginx.pid'), 10);
          if (pid > 0) process.kill(pid, 'SIGKILL');
          child.kill('SIGKILL');
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  // wait until every listener accepts and nginx answers a request
  const deadline = Date.now() + 15_000;
  let exitStatus: number | string | null | undefined;
  void exited.then((s) => (exitStatus = s));
  for (;;) {
    if (exitStatus !== undefined) {
      const why = `${output}${readLog('startup.log')}${readLog('error.log')}`.trim();
      await stop();
      throw new Error(`nginx exited (${exitStatus}) while starting: ${why}`);
    }
    const up = (await Promise.all(Object.values<number>(ports).map(connects))).every(Boolean);
    if (up && (await probe(ports[site.probe.listener], site.probe.path).catch(() => 0)) === 200) break;
    if (Date.now() > deadline) {
      const why = `${output}${readLog('startup.log')}${readLog('error.log')}`.trim();
      await stop();
      throw new Error(`nginx did not answer within 15 s: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { version: build.version, modules: build.modules, ports, dir, readLog, stop };
}

/** The interop site (see the top of this file). */
export async function startNginx(): Promise<Nginx> {
  const n = await launchNginx({
    listeners: ['http', 'https', 'tls12', 'tls13'] as const,
    prepare: (dir) => {
      for (const [path, bytes] of Object.entries(files)) writeFileSync(join(dir, 'www', path), bytes);
    },
    config,
    probe: { listener: 'http', path: '/index.html' },
  });
  const accessLog = (): AccessEntry[] =>
    n
      .readLog('access.log')
      .split('\n')
      .filter((line) => line.endsWith('}')) // a line nginx is still writing is skipped
      .map((line) => JSON.parse(line) as AccessEntry);
  const { ports } = n;
  return {
    version: n.version,
    modules: n.modules,
    ports,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    httpsUrl: `https://localhost:${ports.https}`,
    tls12Url: `https://localhost:${ports.tls12}`,
    tls13Url: `https://localhost:${ports.tls13}`,
    dir: n.dir,
    accessLog,
    async waitForLog(match, count = 1, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = accessLog().filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(`nginx logged ${found.length} of ${count} expected requests within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    errorLog: () => n.readLog('error.log'),
    stop: n.stop,
  };
}
