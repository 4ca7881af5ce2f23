// SPDX-License-Identifier: MIT
// Hostile peers for the sandbox tests, all on 127.0.0.1: servers that
// dribble, never stop, lie about framing, reset mid-body, never read, bomb
// with compression or speak an old TLS. Each is a TestServer (close() is
// idempotent and destroys every socket) built on startRawServer or node:http.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as zlib from 'node:zlib';
import { certs, startRawServer, type TestServer } from '../fixtures/servers.js';

const fixtures = new URL('./fixtures/', import.meta.url);
export const selfSigned = {
  cert: readFileSync(new URL('selfsigned.pem', fixtures), 'utf8'),
  key: readFileSync(new URL('selfsigned-key.pem', fixtures), 'utf8'),
};

/** Answers every request on `socket` once: `onRequest` runs at the first bytes the client sends. */
function onFirstRequest(socket: net.Socket, onRequest: () => void): void {
  socket.on('error', () => {});
  socket.once('data', onRequest);
}

/** Runs `tick` every `ms` until the socket closes. */
function every(socket: net.Socket, ms: number, tick: () => void): void {
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : tick()), ms);
  socket.once('close', () => clearInterval(timer));
}

/** Sends a status line and headers one byte per `ms` (slowloris, server side). */
export function slowHeaders(ms = 200): Promise<TestServer> {
  const head = `HTTP/1.1 200 OK\r\n${'X-Drip: drip\r\n'.repeat(10_000)}\r\n`;
  return startRawServer((socket) =>
    onFirstRequest(socket, () => {
      let i = 0;
      every(socket, ms, () => socket.write(head[i++ % head.length]!));
    }),
  );
}

/** A full head promising 100000 bytes, then the body one byte per `ms`. */
export function slowBody(ms = 200): Promise<TestServer> {
  return startRawServer((socket) =>
    onFirstRequest(socket, () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
      every(socket, ms, () => socket.write('x'));
    }),
  );
}

/** A status line, then header lines for ever, as fast as the client reads. */
export function endlessHeaders(): Promise<TestServer> {
  const line = Buffer.from(`X-Filler: ${'a'.repeat(100)}\r\n`);
  const block = Buffer.concat(Array.from({ length: 64 }, () => line));
  return startRawServer((socket) =>
    onFirstRequest(socket, () => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const pump = (): void => {
        while (!socket.destroyed && socket.write(block));
      };
      socket.on('drain', pump);
      pump();
    }),
  );
}

/** One header line of `bytes` bytes. */
export function hugeHeaderLine(bytes = 1 << 20): Promise<TestServer> {
  return startRawServer((socket) =>
    onFirstRequest(socket, () => {
      socket.write(`HTTP/1.1 200 OK\r\nX-Huge: ${'h'.repeat(bytes)}\r\nContent-Length: 2\r\n\r\nok`);
    }),
  );
}

/** Chunked framing that breaks after the first chunk: `bad` is what follows it (then a close, with `end`). */
export function badChunked(bad: string, end = false): Promise<TestServer> {
  return startRawServer((socket) =>
    onFirstRequest(socket, () => {
      const reply = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n${bad}`;
      if (end) socket.end(reply);
      else socket.write(reply);
    }),
  );
}

/** Promises 100000 bytes, sends 1000, then resets the connection (RST). */
export function resetMidBody(): Promise<TestServer> {
  return startRawServer((socket) =>
    onFirstRequest(socket, () => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`, () => {
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    }),
  );
}

/** Promises 100000 bytes, sends 1000, then closes cleanly (FIN). */
export function closeMidBody(): Promise<TestServer> {
  return startRawServer((socket) =>
    onFirstRequest(socket, () => {
      socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
    }),
  );
}

/** Accepts and never reads a byte: uploads fill every buffer on the way and stall. */
export function neverReads(): Promise<TestServer> {
  return startRawServer((socket) => {
    socket.on('error', () => {});
    socket.pause();
  });
}

/** Answers a TLS ClientHello with `reply` (garbage, an alert…) and closes. */
export function tlsReply(reply: Buffer): Promise<TestServer> {
  return startRawServer((socket) => onFirstRequest(socket, () => socket.end(reply)));
}

/** A TestServer around an http(s).Server of our own. */
async function serve(server: http.Server | https.Server, scheme: 'http' | 'https'): Promise<TestServer & { hits: number }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  server.on('connection', (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  let hits = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    hits++;
    peakInFlight = Math.max(peakInFlight, ++inFlight);
    res.once('close', () => inFlight--);
  });
  // an object literal keeps the getters live (Object.assign would copy their values once)
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    get hits() {
      return hits;
    },
    get connections() {
      return connections;
    },
    get requests() {
      return hits;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    get openSockets() {
      return sockets.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

/** node:http with a handler of our own; `hits` counts requests. */
export function httpServer(handler: http.RequestListener): Promise<TestServer & { hits: number }> {
  return serve(http.createServer({ keepAliveTimeout: 60_000 }, handler), 'http');
}

/** An HTTPS server speaking only TLS 1.0 and 1.1 (OpenSSL needs security level 0 for them). */
export function oldTlsServer(): Promise<TestServer & { hits: number }> {
  const server = https.createServer({ ...certs.server, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (_req, res) =>
    res.end('downgraded'),
  );
  server.on('tlsClientError', () => {});
  return serve(server, 'https');
}

/** An HTTPS server with a self-signed certificate. */
export function selfSignedServer(): Promise<TestServer & { hits: number }> {
  const server = https.createServer(selfSigned, (_req, res) => res.end('self-signed'));
  server.on('tlsClientError', () => {});
  return serve(server, 'https');
}

/** 64 MiB of zeros as zstd (made by make-fixtures.sh; Node 20 cannot encode zstd). */
export const zstdBomb = readFileSync(new URL('bomb.zst', fixtures));
/** The same, in a frame that asks for a 128 MiB window. */
export const zstdWindowBomb = readFileSync(new URL('bomb-window.zst', fixtures));

const BOMB_BYTES = 16 << 20;
let made: Record<string, Buffer> | undefined;
/** Decompression bombs: 16 MiB of zeros per encoding (64 MiB for zstd), each a few KB on the wire. */
export function bombs(): Record<string, Buffer> {
  if (made) return made;
  const zeros = Buffer.alloc(BOMB_BYTES);
  made = {
    gzip: zlib.gzipSync(zeros, { level: 9 }),
    deflate: zlib.deflateSync(zeros, { level: 9 }),
    br: zlib.brotliCompressSync(zeros, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: BOMB_BYTES },
    }),
    zstd: zstdBomb,
  };
  return made;
}

/** Serves /<encoding> from bombs(), /zstd-window from zstdWindowBomb. */
export function bombServer(): Promise<TestServer & { hits: number }> {
  const table = { ...bombs(), 'zstd-window': zstdWindowBomb };
  return httpServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    const body = table[name as keyof typeof table];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-encoding': name.replace('-window', ''), 'content-length': body.length });
    res.end(body);
  });
}
