// SPDX-License-Identifier: MIT
// HTTPS (mbedTLS in wasm) and HTTP/2 (nghttp2, ALPN) against Node's servers.
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Multi, Runtime } from '../../ts/index.js';
import { certs, startHttp2Server, startHttpsServer, type CertName, type TestServer } from '../fixtures/servers.js';
import { transfer } from './transfer.js';

let rt: Runtime;
let multi: Multi;
const trustTestCa = { CAINFO_BLOB: certs.ca };

beforeAll(async () => {
  rt = await Runtime.create();
  multi = new Multi(rt);
});
afterAll(() => multi.close());

describe('HTTPS', () => {
  it.each(['TLSv1.2', 'TLSv1.3'] as const)('fetches over %s from a server the test CA signed', async (version) => {
    const server = await startHttpsServer({ minVersion: version, maxVersion: version });
    try {
      const r = await transfer(rt, multi, `${server.url}/hello`, trustTestCa);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('hello world');
      expect(r.easy.getInfo('SSL_VERIFYRESULT')).toBe(0);
      r.easy.close();
    } finally {
      await server.close();
    }
  });

  it.each([
    ['untrusted', 'an unknown CA'],
    ['wronghost', 'a wrong host name'],
    ['expired', 'an expired certificate'],
  ] as [CertName, string][])('fails with CURLE_PEER_FAILED_VERIFICATION for %s (%s)', async (cert) => {
    const server = await startHttpsServer({ cert });
    try {
      const err = await transfer(rt, multi, `${server.url}/hello`, trustTestCa).catch((e) => e);
      expect(err.code).toBe('CURLE_PEER_FAILED_VERIFICATION');
      expect(err.curlCode).toBe(60);
    } finally {
      await server.close();
    }
  });

  it('succeeds against an unknown CA only when verification is off', async () => {
    const server = await startHttpsServer({ cert: 'untrusted' });
    try {
      const r = await transfer(rt, multi, `${server.url}/hello`, { SSL_VERIFYPEER: 0 });
      expect(r.body.toString()).toBe('hello world');
      r.easy.close();
    } finally {
      await server.close();
    }
  });
});

describe('HTTP/2', () => {
  it('negotiates h2 over TLS and multiplexes 100 streams on one connection', async () => {
    const server = await startHttp2Server();
    const local = new Multi(rt);
    try {
      local.setOpt('PIPELINING', 2); // CURLPIPE_MULTIPLEX
      const opts = { ...trustTestCa, HTTP_VERSION: 4 /* CURL_HTTP_VERSION_2TLS */, PIPEWAIT: 1 };
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => transfer(rt, local, `${server.url}/bytes/${1000 + i}`, opts)));
      results.forEach((r, i) => {
        expect(r.status).toBe(200);
        expect(r.body.length).toBe(1000 + i);
        expect(r.easy.getInfo('HTTP_VERSION')).toBe(3); // CURL_HTTP_VERSION_2_0
        r.easy.close();
      });
      expect(server.requests).toBe(100);
      expect(server.sessions).toBe(1);
      expect(server.connections).toBe(1);
    } finally {
      local.close();
      await server.close();
    }
  });
});

describe('memory across TLS connections', () => {
  /** The runtime's roots with the test CA last: a ~216 KB bundle that parses to ~310 KB. */
  const fullBundle = `${rootCertificates.join('\n')}\n${certs.ca}`;

  /** A fresh instance (its memory is what the test measures) and a fresh HTTPS server. */
  async function withInstance(test: (local: Runtime, m: Multi, server: TestServer) => Promise<void>): Promise<void> {
    const server = await startHttpsServer();
    const local = await Runtime.create();
    const m = new Multi(local);
    try {
      await test(local, m, server);
    } finally {
      m.close();
      await server.close();
    }
  }

  // Regression: curl was compiled without mbedTLS's config overrides, so its
  // mbedtls_x509_crt was 4 bytes shorter than mbedTLS's; initialising the
  // next field zeroed the parsed chain's `next` link and every TLS
  // connection with a multi-certificate CA bundle leaked the bundle.
  it('60 closed TLS connections with the full root bundle leave memory flat', () =>
    withInstance(async (local, m, server) => {
      const run = async () => (await transfer(local, m, `${server.url}/hello`, { CAINFO_BLOB: fullBundle, FORBID_REUSE: 1 })).easy.close();
      for (let i = 0; i < 10; i++) await run(); // warm-up
      const before = local.memory;
      for (let i = 0; i < 60; i++) await run();
      // the bundle parses to ~310 KB: one leaked copy would show here
      expect(local.memory.inUse - before.inUse).toBeLessThan(64 << 10);
      expect(local.memory.size).toBe(before.size);
    }));

  // curl-src/patches/0003: connections that trust the same bytes share one
  // parsed chain instead of ~310 KB each for as long as they stay pooled
  it('20 pooled TLS connections share one parsed root bundle', () =>
    withInstance(async (local, m, server) => {
      (await transfer(local, m, `${server.url}/hello`, { CAINFO_BLOB: fullBundle })).easy.close(); // warm-up: parse once
      const before = local.memory.inUse;
      const all = await Promise.all(Array.from({ length: 20 }, () => transfer(local, m, `${server.url}/slow?ms=200`, { CAINFO_BLOB: fullBundle })));
      for (const r of all) r.easy.close();
      expect(server.connections).toBe(20);
      const pooled = local.sockets.size; // still open, each with its TLS state
      expect(pooled).toBeGreaterThanOrEqual(10);
      // Each pooled connection keeps its TLS state (~40 KB) and curl's copy
      // of the blob (~216 KB, its config for connection reuse); a parsed
      // bundle of its own would add ~310 KB more.
      expect((local.memory.inUse - before) / pooled).toBeLessThan(300 << 10);
    }));

  it('a shared chain is only used for the same bytes: another CA still decides', () =>
    withInstance(async (local, m, server) => {
      const status = async (ca: string) => {
        const r = await transfer(local, m, `${server.url}/hello`, { FORBID_REUSE: 1, CAINFO_BLOB: ca });
        r.easy.close();
        return r.status;
      };
      expect(await status(certs.ca)).toBe(200);
      await expect(status(rootCertificates.join('\n'))).rejects.toMatchObject({ code: 'CURLE_PEER_FAILED_VERIFICATION' });
      expect(await status(certs.ca)).toBe(200);
      await expect(status('not a certificate')).rejects.toMatchObject({ code: 'CURLE_SSL_CERTPROBLEM' });
    }));
});
