// SPDX-License-Identifier: MIT
// The routes test/tool/differential.test.ts needs beyond the shared fixtures':
// validators and ranges (-C -, -r, -z, --etag-*), Content-Disposition (-J), an
// error with a body (--fail-with-body), a body past --max-filesize, a flaky
// resource (--retry) and cookies with fixed expiry (-c). No Date header, so a
// head is the same for every run.
import { once } from 'node:events';
import * as http from 'node:http';
import type * as net from 'node:net';
import type { TestServer } from '../fixtures/servers.js';

/** The body of /file: 100 bytes, each a printable character. */
export const FILE_BODY = Buffer.from(Array.from({ length: 100 }, (_, i) => 33 + (i % 90)));
const ETAG = '"v1"';
const LAST_MODIFIED = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
/** Failures still due per /retry key (a key's first request arms it). */
const flaky = new Map<string, number>();

/** Forgets a /retry key: its next request arms it again. */
export function forget(key: string): void {
  flaky.delete(key);
}

function file(req: http.IncomingMessage, res: http.ServerResponse): void {
  const validators = { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString(), 'accept-ranges': 'bytes' };
  const since = req.headers['if-modified-since'];
  const unmodified = req.headers['if-unmodified-since'];
  if (req.headers['if-none-match'] === ETAG || (since && Date.parse(since) >= LAST_MODIFIED.getTime())) {
    res.writeHead(304, validators).end();
    return;
  }
  if (unmodified && Date.parse(unmodified) < LAST_MODIFIED.getTime()) {
    res.writeHead(412, { 'content-length': 0 }).end();
    return;
  }
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const size = FILE_BODY.length;
    const start = range[1] === '' ? size - Number(range[2]) : Number(range[1]);
    const end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    if (start >= size || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
      return;
    }
    const part = FILE_BODY.subarray(start, end + 1);
    res.writeHead(206, { ...validators, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': part.length });
    res.end(req.method === 'HEAD' ? undefined : part);
    return;
  }
  res.writeHead(200, { ...validators, 'content-type': 'text/plain', 'content-length': FILE_BODY.length });
  res.end(req.method === 'HEAD' ? undefined : FILE_BODY);
}

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://x');
  switch (u.pathname) {
    case '/file':
      return file(req, res);
    case '/cd':
      res.writeHead(200, { 'content-disposition': 'attachment; filename="served.txt"', 'content-length': 7 }).end('served\n');
      return;
    case '/fail':
      res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 8 }).end('missing\n');
      return;
    case '/big':
      res.writeHead(200, { 'content-length': 5000 }).end(Buffer.alloc(5000, 'x'));
      return;
    case '/retry': {
      // ?key=K&n=N: the first N requests for K answer 503, the next 200 and forget K
      const key = u.searchParams.get('key') ?? '';
      const left = flaky.get(key) ?? Number(u.searchParams.get('n') ?? 1);
      if (left > 0) {
        flaky.set(key, left - 1);
        res.writeHead(503, { 'content-length': 5, 'retry-after': '1' }).end('busy\n');
      } else {
        flaky.delete(key);
        res.writeHead(200, { 'content-length': 3 }).end('ok\n');
      }
      return;
    }
    case '/cookies':
      res.writeHead(200, {
        'set-cookie': [
          'keep=1; Expires=Fri, 01 Jan 2038 00:00:00 GMT; Path=/',
          'session=2; Path=/; HttpOnly',
          'secure=3; Secure; Path=/',
          'scoped=4; Path=/cookies; Domain=127.0.0.1',
        ],
        'content-length': 3,
      });
      res.end('ok\n');
      return;
    case '/hsts':
      res.writeHead(200, { 'strict-transport-security': 'max-age=31536000', 'content-length': 3 }).end('ok\n');
      return;
  }
  res.writeHead(404, { 'content-length': 10 }).end('not found\n');
}

/** An HTTP/1.1 server with the routes above on 127.0.0.1, an ephemeral port. */
export async function startDiffServer(): Promise<TestServer> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    requests++;
    res.sendDate = false;
    route(req, res);
  });
  server.on('connection', (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    peakInFlight: 0,
    get openSockets() {
      return sockets.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
