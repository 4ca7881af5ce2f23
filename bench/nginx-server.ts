// SPDX-License-Identifier: MIT
// The benchmark's second server: Debian's nginx (scripts/nginx.sh install),
// a server nobody here wrote and one that is not the bottleneck the way a
// Node server can be. Same listeners, routes and IPC as bench/server.ts, so
// bench/run.ts drives either (`--server nginx`):
//   http   plain HTTP/1.1          https  TLS 1.3 only, HTTP/1.1 only (ALPN)
//   h2     TLS 1.3 only, HTTP/2
//   GET /big?n=BYTES   a file of exactly n bytes (sparse: zeros from the page
//                      cache; argv lists the sizes the run asks for)
//   GET /small         the same 128-byte body as bench/server.ts
//   PUT /upload        reads the whole body, answers its length
// One worker process, as the Node server has one event loop.
//
// Counters come from nginx itself: the access log (one JSON line per request
// with $connection, so connections are counted per listener) and stub_status
// on a listener of its own (connections open now). nginx has no counter of
// connections open at once, so peakOpen stays 0 (run.ts only warns on it).
import { openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchNginx, preamble } from '../test/interop/nginx.js';
import { SMALL_BODY } from './jobs.js';

type Proto = 'http' | 'https' | 'h2';
const certDir = fileURLToPath(new URL('../test/fixtures/certs/', import.meta.url));
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isSafeInteger(n) && n >= 0);

const LOG = `{"c":$connection,"port":$server_port,"status":$status,"uri":"$uri","len":"$content_length"}`;

// nginx's directory in RAM: the sparse files, and the temporary file nginx
// buffers an upload body in before /upload answers
if (process.platform === 'linux') process.env.TMPDIR = '/dev/shm';
const nginx = await launchNginx({
  listeners: ['http', 'https', 'h2', 'status'] as const,
  prepare: (dir) => {
    for (const n of new Set(sizes)) {
      const fd = openSync(join(dir, 'www', `big-${n}.bin`), 'w');
      ftruncateSync(fd, n);
      closeSync(fd);
    }
    writeFileSync(join(dir, 'www', 'small.txt'), SMALL_BODY);
  },
  config: (dir, loadEcho, p) => {
    const routes = `
    root ${dir}/www;
    location = /big { try_files /big-$arg_n.bin =404; }
    location = /small { try_files /small.txt =404; }
    location = /upload {
      echo_read_request_body;
      echo -n $content_length;
    }`;
    const tls = `
    ssl_certificate ${certDir}server.pem;
    ssl_certificate_key ${certDir}server-key.pem;
    ssl_protocols TLSv1.3;`;
    // H opens 10,000 connections at once
    return `${preamble(dir, loadEcho, 'bench/nginx-server.ts', 1, 16384)}
  log_format bench escape=json '${LOG}';
  access_log ${dir}/access.log bench;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  client_max_body_size 0;
  client_body_buffer_size 1m;
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  http2_max_concurrent_streams 1000;
  http2_body_preread_size 1m;
  server { listen 127.0.0.1:${p.http} backlog=4096; ${routes} }
  server { listen 127.0.0.1:${p.https} ssl backlog=4096; ${tls} ${routes} }
  server { listen 127.0.0.1:${p.h2} ssl http2 backlog=4096; ${tls} ${routes} }
  server { listen 127.0.0.1:${p.status}; access_log off; location = /status { stub_status; } }
}
`;
  },
  probe: { listener: 'status', path: '/status' },
});

const protoOfPort = new Map<number, Proto>([
  [nginx.ports.http, 'http'],
  [nginx.ports.https, 'https'],
  [nginx.ports.h2, 'h2'],
]);
const zero = (): Record<Proto, number> => ({ http: 0, https: 0, h2: 0 });
let logOffset = 0;

/** Connections open now, the status request's own excepted. */
function openNow(): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: nginx.ports.status, path: '/status', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve(Number(/Active connections:\s*(\d+)/.exec(text)?.[1] ?? 1) - 1));
      })
      .on('error', reject);
  });
}

async function stats() {
  const log = nginx.readLog('access.log').slice(logOffset);
  const connections = zero();
  const requests = zero();
  const statuses: Record<string, number> = {};
  const seen = new Set<number>();
  let uploaded = 0;
  for (const line of log.split('\n')) {
    if (!line.endsWith('}')) continue;
    const e = JSON.parse(line) as { c: number; port: number; status: number; uri: string; len: string };
    const proto = protoOfPort.get(e.port);
    if (!proto) continue;
    requests[proto]++;
    statuses[e.status] = (statuses[e.status] ?? 0) + 1;
    if (!seen.has(e.c)) {
      seen.add(e.c);
      connections[proto]++;
    }
    if (e.uri === '/upload' && e.status === 200) uploaded += Number(e.len || 0);
  }
  return { connections, requests, statuses, uploaded, open: { ...zero(), http: await openNow() }, peakOpen: zero() };
}

process.on('message', (m: { cmd: string; id: number }) => {
  void (async () => {
    if (m.cmd === 'reset') logOffset = nginx.readLog('access.log').length;
    process.send!({ id: m.id, stats: await stats() });
  })();
});
process.on('disconnect', () => void nginx.stop().then(() => process.exit(0)));
process.send!({ ready: true, ports: { http: nginx.ports.http, https: nginx.ports.https, h2: nginx.ports.h2 }, pid: process.pid, server: nginx.version });
