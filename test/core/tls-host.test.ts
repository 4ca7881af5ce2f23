// SPDX-License-Identifier: MIT
// Host TLS (wasm/glue/tls.c, ts/host/tls.ts): the handshake and record layer
// in node:tls while curl judges the peer with its own options. Real servers
// on loopback with the test PKI; each case that differs from mbedTLS says so.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aeadStats } from '../../ts/host/aead.js';
import { Multi, Runtime, Session, type OptionValue } from '../../ts/index.js';
import { startHttpProxy } from '../fixtures/proxies.js';
import { certs, patternBytes, startHttp2Server, startHttpsServer, type CertName, type TestServer } from '../fixtures/servers.js';
import { transfer } from './transfer.js';

let rt: Runtime;
let multi: Multi;
const trustTestCa = { CAINFO_BLOB: certs.ca };

beforeAll(async () => {
  rt = await Runtime.create({ tls: 'host' });
  multi = new Multi(rt);
});
afterAll(() => multi.close());

/** curl's verbose text lines for one transfer. */
function traced(opts: Record<string, OptionValue>, lines: string[]): Record<string, OptionValue> {
  return { ...opts, VERBOSE: 1, DEBUGFUNCTION: (type: number, d: Uint8Array) => void (type === 0 && lines.push(Buffer.from(d).toString().trimEnd())) };
}

async function withServer<T>(cert: CertName, test: (s: TestServer) => Promise<T>): Promise<T> {
  const server = await startHttpsServer({ cert });
  try {
    return await test(server);
  } finally {
    await server.close();
  }
}

const spkiPin = (pem: string): string =>
  `sha256//${createHash('sha256')
    .update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64')}`;

describe('host TLS', () => {
  it('is the default, can be switched per runtime, and its records never reach the wasm', async () => {
    expect((await Runtime.create()).tls).toBe(process.env.LIBCURL_WASM_TLS === 'mbedtls' ? 'mbedtls' : 'host');
    expect(rt.tls).toBe('host');
    await expect(Runtime.create({ tls: 'openssl' as never })).rejects.toThrow(TypeError);
    await withServer('server', async (server) => {
      const before = aeadStats.opened + aeadStats.sealed;
      const lines: string[] = [];
      const r = await transfer(rt, multi, `${server.url}/bytes/200000`, traced(trustTestCa, lines));
      expect(r.body.length).toBe(200_000);
      expect(lines).toContain(`host TLS: connecting to localhost:${new URL(server.url).port}`);
      expect(aeadStats.opened + aeadStats.sealed).toBe(before); // no record went through mbedTLS
      r.easy.close();
    });
  });

  it('reports the TLS version and cipher from the host', async () => {
    await withServer('server', async (server) => {
      const session = new Session({ runtime: rt, ca: certs.ca });
      try {
        const r = await session.request(`${server.url}/hello`);
        await r.text();
        expect(r.info().tls).toEqual({ version: 'TLSv1.3', cipher: expect.stringMatching(/^TLS_AES_|^TLS_CHACHA20/), verifyResult: 0 });
      } finally {
        await session.close();
      }
    });
  });

  it.each([
    ['untrusted', /^SSL certificate problem: unable to (get local issuer certificate|verify the first certificate)$/],
    ['expired', /^SSL certificate problem: certificate has expired$/],
    ['wronghost', /^SSL: no alternative certificate subject name matches target hostname '127\.0\.0\.1'$/],
  ] as [CertName, RegExp][])("refuses %s with CURLE_PEER_FAILED_VERIFICATION and curl's text", async (cert, text) => {
    await withServer(cert, async (server) => {
      const err = await transfer(rt, multi, `${server.url}/hello`, trustTestCa).catch((e) => e);
      expect(err.curlCode).toBe(60);
      expect(err.message).toMatch(text);
    });
  });

  it('refuses a CA certificate served as the leaf, from a CA curl was not told to trust', async () => {
    // the test CA itself, served as the leaf: self-signed
    const self = https.createServer({ cert: certs.ca, key: readFileSync(new URL('../fixtures/certs/ca-key.pem', import.meta.url), 'utf8') }, (_q, s) =>
      s.end('x'),
    );
    await new Promise<void>((r) => self.listen(0, '127.0.0.1', r));
    try {
      const port = (self.address() as AddressInfo).port;
      const err = await transfer(rt, multi, `https://127.0.0.1:${port}/`, { CAINFO_BLOB: certs.otherCa }).catch((e) => e);
      expect(err.curlCode).toBe(60);
      expect(err.message).toMatch(/^SSL certificate problem: /);
    } finally {
      self.close();
    }
  });

  it('VERIFYPEER=0 accepts an unknown CA; VERIFYHOST=0 accepts a wrong name; each is judged alone', async () => {
    await withServer('untrusted', async (server) => {
      const r = await transfer(rt, multi, `${server.url}/hello`, { SSL_VERIFYPEER: 0 });
      expect(r.body.toString()).toBe('hello world');
      expect(r.easy.getInfo('SSL_VERIFYRESULT')).not.toBe(0); // what verification would have said
      r.easy.close();
    });
    await withServer('wronghost', async (server) => {
      const r = await transfer(rt, multi, `${server.url}/hello`, { ...trustTestCa, SSL_VERIFYHOST: 0 });
      expect(r.body.toString()).toBe('hello world');
      r.easy.close();
      // as curl's OpenSSL backend: VERIFYHOST still holds without VERIFYPEER
      // (mbedTLS's backend skips the name check then)
      const err = await transfer(rt, multi, `${server.url}/hello`, { SSL_VERIFYPEER: 0, FORBID_REUSE: 1 }).catch((e) => e);
      expect(err.curlCode).toBe(60);
      const both = await transfer(rt, multi, `${server.url}/hello`, { SSL_VERIFYPEER: 0, SSL_VERIFYHOST: 0 });
      expect(both.status).toBe(200);
      both.easy.close();
    });
  });

  it('fails with CURLE_SSL_CERTPROBLEM for a CA blob that is no certificate, and trusts nothing without a CA', async () => {
    await withServer('server', async (server) => {
      const bad = await transfer(rt, multi, `${server.url}/hello`, { CAINFO_BLOB: 'not a certificate' }).catch((e) => e);
      expect(bad.code).toBe('CURLE_SSL_CERTPROBLEM');
      const none = await transfer(rt, multi, `${server.url}/hello`, {}).catch((e) => e);
      expect(none.curlCode).toBe(60);
    });
  });

  it('pins the public key through curl (match, mismatch, and on a resumed session)', async () => {
    await withServer('server', async (server) => {
      const url = `${server.url}/hello`;
      const ok = await transfer(rt, multi, url, { ...trustTestCa, PINNEDPUBLICKEY: spkiPin(certs.server.cert), FORBID_REUSE: 1 });
      expect(ok.status).toBe(200);
      ok.easy.close();
      // the next handshake resumes the session, which shows no certificate:
      // the verdicts come from the handshake that made the session
      const bad = await transfer(rt, multi, url, { ...trustTestCa, PINNEDPUBLICKEY: spkiPin(certs.untrusted.cert), FORBID_REUSE: 1 }).catch((e) => e);
      expect(bad.code).toBe('CURLE_SSL_PINNEDPUBKEYNOTMATCH');
      expect(server.connections).toBe(2);
    });
  });

  it("gives CERTINFO from the peer's chain", async () => {
    await withServer('server', async (server) => {
      const r = await transfer(rt, multi, `${server.url}/hello`, { ...trustTestCa, CERTINFO: 1, SSL_SESSIONID_CACHE: 0 });
      const info = r.easy.getInfo('CERTINFO') as string[][];
      r.easy.close();
      expect(info.length).toBeGreaterThanOrEqual(1);
      expect(info[0]).toContainEqual(expect.stringMatching(/^Subject:.*localhost|^Subject:/));
      expect(info[0]).toContainEqual(expect.stringMatching(/^Cert:-----BEGIN CERTIFICATE-----/));
    });
  });

  it("negotiates h2 by ALPN with Node's http2 secure server", async () => {
    const server = await startHttp2Server();
    try {
      const r = await transfer(rt, multi, `${server.url}/bytes/5000`, { ...trustTestCa, HTTP_VERSION: 4 });
      expect(r.body.length).toBe(5000);
      expect(r.easy.getInfo('HTTP_VERSION')).toBe(3);
      r.easy.close();
    } finally {
      await server.close();
    }
  });

  it('an HTTP/2 body of many DATA frames arrives whole and in order, with one pass taking in several (curl patch 0012)', async () => {
    const server = await startHttp2Server();
    try {
      const n = 3 * 1024 * 1024 + 7;
      const r = await transfer(rt, multi, `${server.url}/bytes/${n}`, { ...trustTestCa, HTTP_VERSION: 4 });
      expect(r.easy.getInfo('HTTP_VERSION')).toBe(3);
      expect(r.body.length).toBe(n);
      expect(r.body.equals(patternBytes(n))).toBe(true);
      r.easy.close();
    } finally {
      await server.close();
    }
  });

  it('runs through an HTTP CONNECT tunnel', async () => {
    const proxy = await startHttpProxy();
    try {
      await withServer('server', async (server) => {
        const lines: string[] = [];
        const r = await transfer(rt, multi, `${server.url}/hello`, traced({ ...trustTestCa, PROXY: proxy.url, HTTPPROXYTUNNEL: 1 }, lines));
        expect(r.body.toString()).toBe('hello world');
        expect(proxy.connects).toBe(1);
        expect(lines.some((l) => l.startsWith('host TLS: connecting'))).toBe(true);
        r.easy.close();
      });
    } finally {
      await proxy.close();
    }
  });

  it('hands a connection with a client certificate to mbedTLS, which sends it', async () => {
    let presented: tls.PeerCertificate | undefined;
    const server = https.createServer({ ...certs.server, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      presented = (req.socket as tls.TLSSocket).getPeerCertificate();
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const lines: string[] = [];
      const port = (server.address() as AddressInfo).port;
      const r = await transfer(
        rt,
        multi,
        `https://localhost:${port}/`,
        traced(
          {
            ...trustTestCa,
            SSLCERT_BLOB: certs.server.cert,
            SSLKEY_BLOB: `${certs.server.key}\0`, // mbedTLS parses a PEM key only with its NUL RESOLVE: [`localhost:${port}:127.0.0.1`],
          },
          lines,
        ),
      );
      expect(r.body.toString()).toBe('ok');
      expect(lines).toContain('host TLS: a client certificate needs mbedTLS, which takes this connection');
      expect(presented?.subject?.CN).toBeDefined();
      r.easy.close();
    } finally {
      server.close();
    }
  });

  it('hands a cipher list to mbedTLS, whose suite names it knows', async () => {
    await withServer('server', async (server) => {
      const lines: string[] = [];
      const r = await transfer(rt, multi, `${server.url}/hello`, traced({ ...trustTestCa, TLS13_CIPHERS: 'TLS_AES_128_GCM_SHA256' }, lines));
      expect(r.status).toBe(200);
      expect(lines).toContain('host TLS: a cipher, curve or signature list needs mbedTLS, which takes this connection');
      r.easy.close();
    });
  });
});
