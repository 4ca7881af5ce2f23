// SPDX-License-Identifier: MIT
// The benchmark's Node servers, run as a child of bench/run.ts so that they
// never share an event loop with a client: plain HTTP/1.1, HTTPS (TLS 1.3
// only, HTTP/1.1) and HTTP/2 over TLS 1.3, on 127.0.0.1 with ephemeral ports,
// using the test certificates in test/fixtures/certs.
//
// Routes (the same on all three):
//   GET /big?n=BYTES   n bytes (Content-Length), written by repeating one
//                      1 MiB buffer with backpressure; never allocated whole
//   GET /small         a 128-byte body
//   PUT|POST /upload   counts the request body; answers the count as text
//   GET /small?close=1 the same, and closes the connection (HTTP/1.1)
//   GET /slow?ms=N     the small body after N ms (bench/soak.ts: timeouts, aborts)
//   GET /redirect      a 302 to /small
//
// The parent talks over IPC: { cmd: 'stats' } answers the counters since the
// last { cmd: 'reset' }: TCP connections accepted per listener, requests (or
// HTTP/2 streams), response statuses, bytes uploaded.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type * as net from 'node:net';
import { PATTERN_BLOCK, SMALL_BODY } from './jobs.js';

const certDir = new URL('../test/fixtures/certs/', import.meta.url);
const cert = readFileSync(new URL('server.pem', certDir));
const key = readFileSync(new URL('server-key.pem', certDir));

const MiB = 1 << 20;
const block = PATTERN_BLOCK;

type Proto = 'http' | 'https' | 'h2';
interface Counters {
  connections: Record<Proto, number>;
  requests: Record<Proto, number>;
  statuses: Record<string, number>;
  uploaded: number;
  /** Connections still open now, per listener. */
  open: Record<Proto, number>;
  /** Most connections open at once since the reset, per listener. */
  peakOpen: Record<Proto, number>;
}
const zero = (): Record<Proto, number> => ({ http: 0, https: 0, h2: 0 });
const open = zero();
const fresh = (): Counters => ({ connections: zero(), requests: zero(), statuses: {}, uploaded: 0, open: zero(), peakOpen: { ...open } });
let counters = fresh();

function count(proto: Proto, status: number): void {
  counters.requests[proto]++;
  counters.statuses[status] = (counters.statuses[status] ?? 0) + 1;
}

function parse(url: string | undefined): { path: string; n: number; ms: number; close: boolean } {
  const u = new URL(url ?? '/', 'http://x');
  const q = u.searchParams;
  return { path: u.pathname, n: Number(q.get('n') ?? 0), ms: Number(q.get('ms') ?? 0), close: q.get('close') === '1' };
}

/** /slow: runs `answer` after `ms` unless the peer went away first. */
function later(ms: number, gone: { once(e: 'close', f: () => void): unknown }, answer: () => void): void {
  const t = setTimeout(answer, ms);
  gone.once('close', () => clearTimeout(t));
}

/** Writes `n` bytes of the repeated block to a Writable, honouring backpressure. */
function stream(out: NodeJS.WritableStream & { writableLength?: number }, n: number, done: () => void): void {
  let left = n;
  const pump = (): void => {
    while (left > 0) {
      const len = Math.min(left, MiB);
      left -= len;
      const ok = out.write(len === MiB ? block : block.subarray(0, len));
      if (!ok) {
        out.once('drain', pump);
        return;
      }
    }
    done();
  };
  pump();
}

function h1Handler(proto: 'http' | 'https') {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const { path, n, ms, close } = parse(req.url);
    const small = (): void => {
      count(proto, 200);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': SMALL_BODY.length, ...(close ? { connection: 'close' } : {}) });
      res.end(SMALL_BODY);
    };
    if (path === '/small') small();
    else if (path === '/slow') later(ms, res, small);
    else if (path === '/redirect') {
      count(proto, 302);
      res.writeHead(302, { location: '/small', 'content-length': 0 });
      res.end();
    } else if (path === '/big') {
      count(proto, 200);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
      stream(res, n, () => res.end());
    } else if (path === '/upload') {
      let got = 0;
      req.on('data', (c: Buffer) => (got += c.length));
      req.on('end', () => {
        counters.uploaded += got;
        count(proto, 200);
        const body = String(got);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    } else {
      count(proto, 404);
      res.writeHead(404, { 'content-length': 0 });
      res.end();
    }
  };
}

function track(proto: Proto, server: net.Server): void {
  server.on('connection', (sock: net.Socket) => {
    counters.connections[proto]++;
    open[proto]++;
    if (open[proto] > counters.peakOpen[proto]) counters.peakOpen[proto] = open[proto];
    sock.once('close', () => open[proto]--);
  });
}

function tune(server: http.Server): void {
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  server.maxRequestsPerSocket = 0;
  server.timeout = 0;
}

const httpServer = http.createServer({ noDelay: true }, h1Handler('http'));
tune(httpServer);
track('http', httpServer);

const httpsServer = https.createServer({ cert, key, minVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'], noDelay: true }, h1Handler('https'));
tune(httpsServer);
track('https', httpsServer);

const h2Server = http2.createSecureServer({
  cert,
  key,
  minVersion: 'TLSv1.3',
  allowHTTP1: false,
  settings: { maxConcurrentStreams: 1000, initialWindowSize: 16 * MiB - 1 },
  peerMaxConcurrentStreams: 1000,
});
track('h2', h2Server);
h2Server.on('session', (session) => {
  // a large connection window for uploads and many streams
  session.setLocalWindowSize?.(64 * MiB);
});
h2Server.on('stream', (st: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
  const { path, n, ms } = parse(headers[':path'] as string);
  st.on('error', () => {});
  const small = (): void => {
    count('h2', 200);
    st.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': SMALL_BODY.length });
    st.end(SMALL_BODY);
  };
  if (path === '/small') small();
  else if (path === '/slow') later(ms, st, small);
  else if (path === '/redirect') {
    count('h2', 302);
    st.respond({ ':status': 302, location: '/small' });
    st.end();
  } else if (path === '/big') {
    count('h2', 200);
    st.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': n });
    stream(st, n, () => st.end());
  } else if (path === '/upload') {
    let got = 0;
    st.on('data', (c: Buffer) => (got += c.length));
    st.on('end', () => {
      counters.uploaded += got;
      count('h2', 200);
      const body = String(got);
      st.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      st.end(body);
    });
  } else {
    count('h2', 404);
    st.respond({ ':status': 404 });
    st.end();
  }
});

const listen = (s: net.Server): Promise<number> =>
  new Promise((resolve) => s.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve((s.address() as net.AddressInfo).port)));

const ports = { http: await listen(httpServer), https: await listen(httpsServer), h2: await listen(h2Server) };

process.on('message', (m: { cmd: string; id: number }) => {
  if (m.cmd === 'reset') counters = fresh();
  process.send!({ id: m.id, stats: { ...counters, open: { ...open } } });
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true, ports, pid: process.pid });
