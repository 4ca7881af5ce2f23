// SPDX-License-Identifier: MIT
// The TLS record layer's AEAD done by the runtime's crypto (ts/host/aead.ts,
// curl-src/patches/mbedtls/0001-aead-host-offload.patch): every suite, both
// directions, against Node's https server; and a record corrupted on the
// wire, which the host's tag check must catch.
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aeadStats } from '../../ts/host/aead.js';
import { Multi, Runtime } from '../../ts/index.js';
import { certs } from '../fixtures/servers.js';
import { transfer } from './transfer.js';

let rt: Runtime;
let multi: Multi;

beforeAll(async () => {
  rt = await Runtime.create({ tls: 'mbedtls' }); // the record layer under test is mbedTLS's
  multi = new Multi(rt);
});
afterAll(() => multi.close());

interface EchoServer {
  port: number;
  /** The suite of each TLS connection accepted, as the server saw it. */
  suites: string[];
  close(): Promise<void>;
}

/** An https server that answers each request with its body. */
async function startEchoServer(version: 'TLSv1.2' | 'TLSv1.3', ciphers: string): Promise<EchoServer> {
  const suites: string[] = [];
  const server = https.createServer({ ...certs.server, minVersion: version, maxVersion: version, ciphers }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
  });
  server.on('secureConnection', (s: tls.TLSSocket) => suites.push(s.getCipher().standardName));
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    suites,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** PUTs `body` and returns what came back. */
async function echo(url: string, body: Buffer, opts: Record<string, string | number> = {}) {
  let offset = 0;
  return transfer(rt, multi, url, {
    CAINFO_BLOB: certs.ca,
    UPLOAD: 1,
    INFILESIZE_LARGE: body.length,
    READFUNCTION: (buf: Uint8Array) => {
      const n = Math.min(buf.length, body.length - offset);
      buf.set(body.subarray(offset, offset + n));
      offset += n;
      return n;
    },
    ...opts,
  });
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('TLS records sealed and opened by the host', () => {
  it.each([
    ['TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
    ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
    ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
    ['TLSv1.2', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    ['TLSv1.2', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
    ['TLSv1.2', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  ] as const)('%s %s: 1 MiB up and back', async (version, cipher, standardName) => {
    // TLS 1.3 suites are chosen on the client, TLS 1.2 ones on the server
    const server = await startEchoServer(
      version,
      version === 'TLSv1.3' ? 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256' : cipher,
    );
    const before = { ...aeadStats };
    try {
      const body = randomBytes(1 << 20);
      const r = await echo(`https://localhost:${server.port}/`, body, version === 'TLSv1.3' ? { TLS13_CIPHERS: cipher } : {});
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(body.length);
      expect(sha(r.body)).toBe(sha(body));
      r.easy.close();
      expect(server.suites).toEqual([standardName]);
      // 1 MiB each way is at least 64 full records each way, all on the host
      expect(aeadStats.sealed - before.sealed).toBeGreaterThanOrEqual(64);
      expect(aeadStats.opened - before.opened).toBeGreaterThanOrEqual(64);
      expect(aeadStats.badTag).toBe(before.badTag);
    } finally {
      await server.close();
    }
  });

  it('fails the transfer when a record from the server is altered on the wire', async () => {
    const server = await startEchoServer('TLSv1.3', 'TLS_AES_128_GCM_SHA256');
    // a TCP relay that flips one bit in the 20th encrypted record it passes
    // to the client (the handshake's own records come first)
    let records = 0;
    let altered = false;
    const relay = net.createServer((client) => {
      const upstream = net.connect(server.port, 'localhost');
      client.pipe(upstream);
      let pending = Buffer.alloc(0);
      upstream.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        let off = 0;
        while (pending.length - off >= 5) {
          const len = pending.readUInt16BE(off + 3);
          if (pending.length - off < 5 + len) break;
          if (pending[off] === 23 && ++records === 20) {
            const at = off + 5 + Math.floor(len / 2);
            pending.writeUInt8(pending.readUInt8(at) ^ 0x01, at);
            altered = true;
          }
          off += 5 + len;
        }
        client.write(pending.subarray(0, off));
        pending = pending.subarray(off);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('close', end).on('error', end);
      client.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => relay.listen(0, 'localhost', resolve));
    const before = { ...aeadStats };
    try {
      const port = (relay.address() as AddressInfo).port;
      const err = await echo(`https://localhost:${port}/`, randomBytes(1 << 20), {
        TLS13_CIPHERS: 'TLS_AES_128_GCM_SHA256',
      }).catch((e) => e);
      expect(altered).toBe(true);
      expect(err.code).toBe('CURLE_RECV_ERROR');
      expect(aeadStats.badTag - before.badTag).toBe(1);
    } finally {
      relay.close();
      await server.close();
    }
  });
});
