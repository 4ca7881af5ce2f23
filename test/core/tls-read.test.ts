// SPDX-License-Identifier: MIT
// How a TLS connection's bytes reach curl, on both TLS paths: host TLS reads
// node:tls's plaintext straight into the socket's receive buffer
// (ts/host/read-into.ts), mbedTLS reads ciphertext like any TCP socket. A
// TLS server on loopback whose records are cut at odd places, bodies checked
// byte for byte, backpressure while curl is paused, and a peer that stops
// half-way.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInto, readIntoSwitch } from '../../ts/host/read-into.js';
import { RECV_HIGH_WATER, TcpSocket } from '../../ts/host/sockets.js';
import { CURL_HTTP_VERSION, Easy, Multi, Runtime, type TlsBackend } from '../../ts/index.js';
import { certs, patternBytes } from '../fixtures/servers.js';
import { transfer } from './transfer.js';

type Reply = (sock: tls.TLSSocket) => void;

interface Peer {
  url: string;
  /** Options that point `localhost` at the server (its certificate's name). */
  opts: { CAINFO_BLOB: string; RESOLVE: string[] };
  close(): Promise<void>;
}

/** A TLS server answering every request with `reply`; `split` puts a TCP relay in front that cuts what it sends into pieces of 1 byte to 17 KB. */
async function startPeer(reply: Reply, split = false): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ ...certs.server, minVersion: 'TLSv1.3' }, (sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      reply(sock);
    };
    sock.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let port = (server.address() as net.AddressInfo).port;
  let relay: net.Server | undefined;
  if (split) {
    const target = port;
    relay = net.createServer((client) => {
      sockets.add(client);
      const upstream = net.connect(target, '127.0.0.1');
      sockets.add(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      // pieces that end inside a record's header, body and tag, one write each, a turn apart
      const sizes = [1, 4, 5, 100, 3000, 16_401, 17_000, 2];
      let i = 0;
      const queue: Buffer[] = [];
      let sending = false;
      const pump = () => {
        const chunk = queue[0];
        if (!chunk) {
          sending = false;
          if (upstream.readableEnded) client.end();
          return;
        }
        const n = Math.min(chunk.length, sizes[i++ % sizes.length]!);
        client.write(chunk.subarray(0, n));
        if (n === chunk.length) queue.shift();
        else queue[0] = chunk.subarray(n);
        setImmediate(pump);
      };
      upstream.on('data', (d: Buffer) => {
        queue.push(d);
        if (!sending) {
          sending = true;
          setImmediate(pump);
        }
      });
      upstream.on('end', () => {
        if (!sending) client.end();
      });
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    port = (relay.address() as net.AddressInfo).port;
  }
  return {
    url: `https://localhost:${port}/`,
    opts: { CAINFO_BLOB: certs.ca, RESOLVE: [`localhost:${port}:127.0.0.1`] },
    async close() {
      for (const s of sockets) s.destroy();
      relay?.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/** `body` written in pieces of the given sizes, each its own write (and so its own records). */
function sendPieces(sock: tls.TLSSocket, body: Buffer, sizes: number[], then: (sock: tls.TLSSocket) => void = (s) => s.end()): void {
  let at = 0;
  let i = 0;
  const next = () => {
    while (at < body.length) {
      const n = Math.min(body.length - at, sizes[i++ % sizes.length]!);
      const more = sock.write(body.subarray(at, at + n));
      at += n;
      if (!more) {
        sock.once('drain', next);
        return;
      }
    }
    then(sock);
  };
  next();
}

const head = (length?: number) => `HTTP/1.1 200 OK\r\n${length === undefined ? 'connection: close\r\n' : `content-length: ${length}\r\n`}\r\n`;

// host TLS twice: reading into the receive buffer, and on 'data' events as where node's internals are missing
describe.each<[string, TlsBackend, boolean]>([
  ['host', 'host', true],
  ['host, data events', 'host', false],
  ['mbedtls', 'mbedtls', true],
])('TLS reads (%s)', (_name, backend, direct) => {
  let rt: Runtime;
  let multi: Multi;
  beforeAll(async () => {
    rt = await Runtime.create({ tls: backend });
    multi = new Multi(rt);
    readIntoSwitch.enabled = direct;
  });
  afterAll(() => {
    readIntoSwitch.enabled = true;
    multi.close();
  });

  it('a body in records of every size, cut by TCP at odd places, arrives byte for byte', async () => {
    const n = 5 * 1024 * 1024 + 13;
    const body = patternBytes(n);
    const peer = await startPeer((sock) => {
      sock.write(head(n));
      sendPieces(sock, body, [1, 7, 16_383, 16_384, 16_385, 100_000, 3]);
    }, true);
    try {
      const r = await transfer(rt, multi, peer.url, peer.opts);
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(n);
      expect(r.body.equals(body)).toBe(true);
      r.easy.close();
    } finally {
      await peer.close();
    }
  });

  it('three connections read at once each get their own bytes (the tap shares one read buffer)', async () => {
    const bodies = [3, 100, 200].map((shift) => patternBytes(3 * 1024 * 1024 + shift).subarray(shift));
    const peers = await Promise.all(
      bodies.map((body) =>
        startPeer((sock) => {
          sock.write(head(body.length));
          sendPieces(sock, body, [16_384, 65_536, 5]);
        }),
      ),
    );
    try {
      const got = await Promise.all(peers.map((peer) => transfer(rt, multi, peer.url, peer.opts)));
      for (const [i, r] of got.entries()) {
        expect(r.body.equals(bodies[i]!)).toBe(true);
        r.easy.close();
      }
    } finally {
      await Promise.all(peers.map((p) => p.close()));
    }
  });

  it('a body that ends with the connection (close_notify, then EOF) arrives whole', async () => {
    const n = 2 * 1024 * 1024 + 1;
    const body = patternBytes(n);
    const peer = await startPeer((sock) => {
      sock.write(head());
      sendPieces(sock, body, [65_536]);
    });
    try {
      const r = await transfer(rt, multi, peer.url, peer.opts);
      expect(r.body.equals(body)).toBe(true);
      r.easy.close();
    } finally {
      await peer.close();
    }
  });

  it('holds at most about the high-water mark while curl is paused, then delivers the rest in order', async () => {
    const n = 12 * 1024 * 1024;
    const body = patternBytes(n);
    const peer = await startPeer((sock) => {
      sock.write(head(n));
      sendPieces(sock, body, [16_384]);
    });
    try {
      const easy = new Easy(rt);
      const got: Buffer[] = [];
      let paused: ((v?: unknown) => void) | undefined;
      const pausedNow = new Promise((r) => (paused = r));
      easy.setOpt('URL', peer.url);
      easy.setOpt('CAINFO_BLOB', peer.opts.CAINFO_BLOB);
      easy.setOpt('RESOLVE', peer.opts.RESOLVE);
      easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => {
        if (paused) {
          paused();
          paused = undefined;
          return 0x10000001; // CURL_WRITEFUNC_PAUSE: curl keeps this chunk and reads no more
        }
        got.push(Buffer.from(d));
      });
      const done = multi.run(easy);
      done.catch(() => {}); // a failed check below leaves it to afterAll's close()
      await pausedNow;
      // this transfer's socket: the newest (an earlier test's connection may wait in curl's pool)
      const socket = () =>
        rt.sockets
          .entries()
          .filter((e): e is TcpSocket => e instanceof TcpSocket)
          .at(-1);
      // the bridge reads on until its queue reaches the high-water mark, then stops the runtime socket
      while ((socket()?.queuedIn ?? 0) < RECV_HIGH_WATER) await new Promise((r) => setTimeout(r, 5));
      // a stopped socket's queue stays put (what TLS had decrypted already lands, no more)
      const queued: number[] = [];
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 5));
        queued.push(socket()!.queuedIn);
      }
      expect(Math.max(...queued)).toBeLessThan(RECV_HIGH_WATER + 512 * 1024);
      expect(new Set(queued.slice(10)).size).toBe(1);
      easy.pause(0);
      await done;
      expect(Buffer.concat(got).equals(body)).toBe(true);
      easy.close();
    } finally {
      await peer.close();
    }
  });

  // host TLS tells a bare TCP end from close_notify through its ciphertext tap (ts/host/tls-tap.ts);
  // where the runtime lacks node's internals (the 'data' events run) it cannot, and a cut body reads as whole
  const tcp = (s: tls.TLSSocket) => (s as unknown as { _parent: net.Socket })._parent;
  const protectedPath = backend === 'mbedtls' || direct;
  it.each([
    ['closes the TCP connection', protectedPath ? 'CURLE_RECV_ERROR' : 'whole', (s: tls.TLSSocket): void => void tcp(s).end()],
    // what arrived before the reset depends on the peer's kernel: whole or short, but no error
    ['resets the TCP connection', protectedPath ? 'CURLE_RECV_ERROR' : 'whole or short', (s: tls.TLSSocket): void => void tcp(s).resetAndDestroy()],
  ] as const)('a body that ends with the connection: a peer that %s without close_notify gives %s', async (_what, expected, stop) => {
    const body = patternBytes(100_000);
    const peer = await startPeer((sock) => {
      sock.write(head());
      sendPieces(sock, body, [16_384], stop);
    });
    try {
      const r = await transfer(rt, multi, peer.url, peer.opts).then(
        (x) => {
          x.easy.close();
          return x.body.equals(body) ? 'whole' : 'short';
        },
        (e: { code?: string; message?: string }) => e.code,
      );
      if (expected === 'whole or short') expect(['whole', 'short']).toContain(r);
      else expect(r).toBe(expected);
    } finally {
      await peer.close();
    }
  });

  it('a body that ends with the connection, cut without close_notify, fails with the text of curl with OpenSSL 3', async () => {
    if (!protectedPath || backend !== 'host') return;
    const peer = await startPeer((sock) => {
      sock.write(head());
      sendPieces(sock, patternBytes(50_000), [16_384], (s) => void tcp(s).end());
    });
    try {
      const err = await transfer(rt, multi, peer.url, peer.opts).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CURLE_RECV_ERROR' });
      expect((err as Error).message).toMatch(/OpenSSL SSL_read: OpenSSL\/[^:]+: error:0A000126:SSL routines::unexpected eof while reading, errno 0/);
    } finally {
      await peer.close();
    }
  });

  it('a connection-delimited body of every size, ended with close_notify, arrives byte for byte', async () => {
    for (const n of [0, 1, 16_384, 16_385, 300_001]) {
      const body = patternBytes(n);
      const peer = await startPeer((sock) => {
        sock.write(head());
        sendPieces(sock, body, [7, 16_384, 40_000]);
      }, n === 300_001);
      try {
        const r = await transfer(rt, multi, peer.url, peer.opts);
        expect(r.body.equals(body)).toBe(true);
        r.easy.close();
      } finally {
        await peer.close();
      }
    }
  });

  // a body with a length, or chunked, cut short: curl finds it short (18), unless the TLS layer failed the read first (56, as curl with OpenSSL 3)
  const cut = backend === 'host' && !direct ? 'CURLE_PARTIAL_FILE' : 'CURLE_RECV_ERROR';
  const stops = [
    ['ends the TLS session (close_notify)', 'CURLE_PARTIAL_FILE', (s: tls.TLSSocket): void => void s.end()],
    ['closes the TCP connection without close_notify', cut, (s: tls.TLSSocket): void => void tcp(s).end()],
    ['resets the TCP connection', cut, (s: tls.TLSSocket): void => void tcp(s).resetAndDestroy()],
  ] as const;
  it.each(stops)('fails a transfer whose peer %s half-way with %s', async (_what, code, stop) => {
    const n = 3 * 1024 * 1024;
    const peer = await startPeer((sock) => {
      sock.write(head(n));
      sendPieces(sock, patternBytes(n / 2), [16_384], stop);
    });
    try {
      const err = await transfer(rt, multi, peer.url, peer.opts).catch((e: unknown) => e);
      expect(err).toMatchObject({ code });
    } finally {
      await peer.close();
    }
  });

  it.each(stops)('fails a chunked transfer whose peer %s half-way with %s', async (_what, code, stop) => {
    const peer = await startPeer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
      const chunk = patternBytes(16_000);
      for (let i = 0; i < 20; i++) sock.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
      stop(sock); // no last chunk
    });
    try {
      const err = await transfer(rt, multi, peer.url, peer.opts).catch((e: unknown) => e);
      expect(err).toMatchObject({ code });
    } finally {
      await peer.close();
    }
  });

  // host TLS's writes go through its tap (ts/host/tls-tap.ts): done at once while the TCP socket takes them, after 'drain' when it is full
  it.each([
    ['stops reading for a while', 'the sha-256 of the body'],
    ['resets the connection half-way', 'an error'],
  ] as const)('an upload larger than the socket buffers, to a peer that %s, gives %s', async (what, _expected) => {
    const body = patternBytes(24 * 1024 * 1024 + 5);
    const reset = what.startsWith('resets');
    const server = tls.createServer({ ...certs.server, minVersion: 'TLSv1.3' }, (sock) => {
      sock.on('error', () => {});
      const hash = createHash('sha256');
      let head = Buffer.alloc(0);
      let got = -1; // body bytes seen, once the head has ended
      let stalled = false;
      sock.on('data', (d: Buffer) => {
        if (got < 0) {
          head = Buffer.concat([head, d]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          d = head.subarray(end + 4);
          got = 0;
        }
        hash.update(d);
        got += d.length;
        if (got > 8 * 1024 * 1024 && !stalled) {
          stalled = true;
          if (reset) return void tcp(sock).resetAndDestroy();
          sock.pause();
          setTimeout(() => sock.resume(), 300);
        }
        if (got === body.length) sock.end(`HTTP/1.1 200 OK\r\ncontent-length: 64\r\n\r\n${hash.digest('hex')}`);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    let offset = 0;
    try {
      const r = await transfer(rt, multi, `https://localhost:${port}/`, {
        CAINFO_BLOB: certs.ca,
        RESOLVE: [`localhost:${port}:127.0.0.1`],
        UPLOAD: 1,
        INFILESIZE_LARGE: body.length,
        READFUNCTION: (buf: Uint8Array) => {
          const n = Math.min(buf.length, body.length - offset);
          buf.set(body.subarray(offset, offset + n));
          offset += n;
          return n;
        },
      }).then(
        (x) => {
          x.easy.close();
          return x.body.toString('latin1');
        },
        (e: { code?: string }) => e.code,
      );
      if (reset) expect(['CURLE_SEND_ERROR', 'CURLE_RECV_ERROR']).toContain(r);
      else expect(r).toBe(createHash('sha256').update(body).digest('hex'));
    } finally {
      server.close();
    }
  });

  // HTTP/2 over TLS: a connection that ends without GOAWAY while a stream is open, with or
  // without close_notify, fails at once with what native curl 8.14.1 (OpenSSL) gives on the same
  // server: 18 once body bytes came, 16 before any (lib/http2.c stream_recv), 56 for a cut seen by
  // the TLS layer. The TLSSocket is the server's own: session.socket is a proxy that throws on
  // end() (ERR_HTTP2_NO_SOCKET_MANIPULATION), which left the server silent and the transfer
  // waiting for its timeout
  it.each([
    ['ends the TLS session (close_notify) mid-stream', 'CURLE_PARTIAL_FILE', true, (s: tls.TLSSocket): void => void s.end()],
    ['ends the TLS session (close_notify) before answering', 'CURLE_HTTP2', false, (s: tls.TLSSocket): void => void s.end()],
    [
      'closes the TCP connection mid-stream',
      backend === 'host' && !direct ? 'CURLE_PARTIAL_FILE' : 'CURLE_RECV_ERROR',
      true,
      (s: tls.TLSSocket): void => void tcp(s).end(),
    ],
  ] as const)('fails an HTTP/2 transfer whose peer %s with %s', async (_what, code, answer, stop) => {
    const server = http2.createSecureServer({ ...certs.server, minVersion: 'TLSv1.3' });
    // one connection per test: the last one is the stream's ('session' comes before 'secureConnection')
    const sockets: tls.TLSSocket[] = [];
    server.on('secureConnection', (s: tls.TLSSocket) => void sockets.push(s));
    server.on('session', (session: http2.ServerHttp2Session) => void session.on('error', () => {}));
    server.on('stream', (stream: http2.ServerHttp2Stream) => {
      stream.on('error', () => {});
      const socket = sockets.at(-1)!;
      if (!answer) return stop(socket);
      stream.respond({ ':status': 200 });
      stream.write(patternBytes(100_000), () => setImmediate(() => stop(socket)));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      const err = await transfer(rt, multi, `https://localhost:${port}/`, {
        CAINFO_BLOB: certs.ca,
        RESOLVE: [`localhost:${port}:127.0.0.1`],
        HTTP_VERSION: CURL_HTTP_VERSION.CURL_HTTP_VERSION_2TLS,
        TIMEOUT_MS: 30_000,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});

describe('readInto', () => {
  it('takes a fresh TLSSocket on Node, and leaves a socket that reads into a buffer of its own alone', () => {
    const t = new tls.TLSSocket(new net.Socket());
    expect(
      readInto(
        t,
        () => Buffer.alloc(1024),
        () => true,
      ),
    ).toBe(true);
    t.destroy();
    const own = new net.Socket({ onread: { buffer: Buffer.alloc(16), callback: () => true } });
    expect(
      readInto(
        own,
        () => Buffer.alloc(1024),
        () => true,
      ),
    ).toBe(false);
    own.destroy();
  });
});
