// SPDX-License-Identifier: MIT
// IDN through the real wasm build (curl's USE_HOST_IDN backend, curl-src/
// patches/0008-host-idn.patch): the punycode name is what curl resolves and
// what reaches the server in Host: and in the TLS SNI; names that fail the
// mapping fail with curl's CURLE_URL_MALFORMAT, before any lookup.
import { once } from 'node:events';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURL_VERSION } from '../../ts/curl/generated/enums.js';
import { CurlEasyError, Multi, Runtime, type LookupFunction } from '../../ts/index.js';
import { certs, startHttpServer, type TestServer } from '../fixtures/servers.js';
import { transfer } from './transfer.js';

/** Names only this lookup knows (no query leaves the machine); every name asked is recorded. */
const lookedUp: string[] = [];
const lookup: LookupFunction = (hostname, _opts, cb) => {
  lookedUp.push(hostname);
  if (/^(xn--bcher-kva|ab|strasse|xn--strae-oqa)\.test$/.test(hostname)) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
};

let rt: Runtime;
let multi: Multi;
let server: TestServer;
let tlsServer: tls.Server;
const sniSeen: string[] = [];
const tlsSockets = new Set<tls.TLSSocket>();

beforeAll(async () => {
  rt = await Runtime.create({ lookup });
  multi = new Multi(rt);
  server = await startHttpServer();
  tlsServer = tls.createServer(
    {
      ...certs.server,
      SNICallback: (name, cb) => {
        sniSeen.push(name);
        cb(null, tls.createSecureContext(certs.server));
      },
    },
    (socket) => {
      tlsSockets.add(socket);
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    },
  );
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
});
afterAll(async () => {
  multi.close();
  await server.close();
  for (const s of tlsSockets) s.destroy();
  await new Promise((r) => tlsServer.close(r));
});

async function hostHeader(url: string): Promise<string> {
  const r = await transfer(rt, multi, url);
  r.easy.close();
  return JSON.parse(r.body.toString()).headers.host;
}

async function failure(url: string): Promise<CurlEasyError> {
  try {
    (await transfer(rt, multi, url)).easy.close();
  } catch (err) {
    expect(err).toBeInstanceOf(CurlEasyError);
    return err as CurlEasyError;
  }
  throw new Error(`${url}: expected a failure`);
}

describe('IDN (host runtime backend)', () => {
  it('curl reports the IDN feature, as with libidn2, WinIDN or AppleIDN', () => {
    const info = rt.exports.curl_version_info(0);
    expect(rt.heap.i32(info + 16) & CURL_VERSION.CURL_VERSION_IDN).toBe(CURL_VERSION.CURL_VERSION_IDN);
    expect(rt.version).toMatch(/ HostIDN( |$)/);
  });

  it('a *.localhost name reaches the server as punycode in Host:', async () => {
    expect(await hostHeader(`http://bücher.localhost:${server.port}/inspect`)).toBe(`xn--bcher-kva.localhost:${server.port}`);
  });

  it('the resolver is asked for the punycode name, and the server sees it', async () => {
    lookedUp.length = 0;
    expect(await hostHeader(`http://BÜCHER.test:${server.port}/inspect`)).toBe(`xn--bcher-kva.test:${server.port}`);
    expect(lookedUp).toEqual(['xn--bcher-kva.test']);
  });

  it('non-transitional first (ß stays ß), as curl asks libidn2', async () => {
    lookedUp.length = 0;
    expect(await hostHeader(`http://straße.test:${server.port}/inspect`)).toBe(`xn--strae-oqa.test:${server.port}`);
    expect(lookedUp).toEqual(['xn--strae-oqa.test']);
  });

  it('transitional as the fallback: a joiner where non-transitional refuses it is dropped', async () => {
    lookedUp.length = 0;
    expect(await hostHeader(`http://a\u200db.test:${server.port}/inspect`)).toBe(`ab.test:${server.port}`);
    expect(lookedUp).toEqual(['ab.test']);
  });

  it('the TLS server name (SNI) is the punycode name', async () => {
    sniSeen.length = 0;
    const port = (tlsServer.address() as net.AddressInfo).port;
    const r = await transfer(rt, multi, `https://bücher.test:${port}/`, { SSL_VERIFYPEER: 0, SSL_VERIFYHOST: 0 });
    expect(r.body.toString()).toBe('ok');
    r.easy.close();
    expect(sniSeen).toEqual(['xn--bcher-kva.test']);
  });

  it.each([
    ['a leading combining mark', '\u0301a.test'],
    ['a label of more than 63 octets once encoded', `ü${'a'.repeat(62)}.test`],
    ['a disallowed code point', '\ufffd.test'],
  ])('%s fails with CURLE_URL_MALFORMAT before any lookup', async (_what, name) => {
    lookedUp.length = 0;
    const err = await failure(`http://${name}:${server.port}/`);
    expect(err.code).toBe('CURLE_URL_MALFORMAT');
    expect(err.message).toMatch(/URL using bad\/illegal format/);
    expect(lookedUp).toEqual([]);
  });
});
