// SPDX-License-Identifier: MIT
// TFTP inside a Sandbox: off unless `protocols` lists it; when on, the first
// datagram's destination is judged like a connect, and after it the socket
// talks with that host only (the reply from the server's new port is
// admitted, another host's datagram is dropped, a refused destination ends
// the transfer at once with the PolicyDenied as its cause).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../ts/index.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { patternBytes } from '../fixtures/servers.js';
import { startTftpServer, type TftpTestServer } from '../fixtures/tftp.js';
import { expectClean, expectDenied, expectLimit, failure, LOOPBACK_IS_PUBLIC, sandbox } from './helpers.js';

const HELLO = Buffer.from('hello over tftp\n');
const BIG = patternBytes(200_000);

let server: TftpTestServer;
let http: TestServer;
beforeAll(async () => {
  server = await startTftpServer({ 'hello.txt': HELLO, 'big.bin': BIG });
  http = await startHttpServer();
});
afterAll(async () => {
  await server.close();
  await http.close();
});

describe('TFTP in a Sandbox', () => {
  it('is off by default: the URL and a redirect to it fail with CURLE_UNSUPPORTED_PROTOCOL, and no datagram leaves', async () => {
    const sb = await sandbox();
    const before = server.requests.length;
    expect((await failure(sb.request(`${server.url}/hello.txt`))).err.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
    const redirect = `${http.url}/redirect?to=${encodeURIComponent(`${server.url}/hello.txt`)}`;
    expect((await failure(sb.request(redirect))).err.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
    expect(server.requests.length).toBe(before);
    await expectClean(sb);
  });

  it("runs with protocols: ['tftp']; the answer from the server's new port is admitted, even under allowPorts", async () => {
    const sb = await sandbox({ protocols: ['tftp'], policy: { ...LOOPBACK_IS_PUBLIC, allowPorts: [server.port] } });
    const r = await sb.request(`${server.url}/big.bin`, { curl: { TFTP_BLKSIZE: 1024 } });
    expect(Buffer.from(await r.bytes()).equals(BIG)).toBe(true);
    await expectClean(sb);
  });

  it('uploads under the policy', async () => {
    const sb = await sandbox({ protocols: ['tftp'] });
    const data = patternBytes(5000);
    const r = await sb.request(`${server.url}/sb-up.bin`, { method: 'PUT', body: data });
    await r.bytes();
    expect(server.files.get('sb-up.bin')?.equals(data)).toBe(true);
    await expectClean(sb);
  });

  it('a datagram to a denied address is refused before it leaves: CURLE_COULDNT_CONNECT, PolicyDenied', async () => {
    const internal = await startTftpServer({ 'hello.txt': HELLO }, {});
    try {
      // the public preset (loopback is not public), and a deny list
      for (const policy of [{}, { ...LOOPBACK_IS_PUBLIC, denyAddresses: ['127.0.0.1'] }]) {
        const sb = await Sandbox.create({ protocols: ['tftp'], policy });
        try {
          const { err } = await failure(sb.request(`${internal.url}/hello.txt`));
          expect(err.code).toBe('CURLE_COULDNT_CONNECT');
          expectDenied(err, /preset public|denyAddresses 127\.0\.0\.1/);
          await expectClean(sb);
        } finally {
          await sb.destroy();
        }
      }
      expect(internal.requests).toEqual([]);
    } finally {
      await internal.close();
    }
  });

  it("another host's answer is dropped: the transfer times out rather than talk to it", async () => {
    const spoofing = await startTftpServer({ 'hello.txt': HELLO }, { replyFrom: '127.0.0.3' });
    try {
      const sb = await sandbox({ protocols: ['tftp'], limits: { timeoutMs: 1500 } });
      const { err } = await failure(sb.request(`${spoofing.url}/hello.txt`));
      expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
      expect(spoofing.requests.length).toBeGreaterThan(0);
      await expectClean(sb);
    } finally {
      await spoofing.close();
    }
  });

  it('wire limits count datagrams: maxWireBytesIn ends the transfer', async () => {
    const sb = await sandbox({ protocols: ['tftp'], limits: { maxWireBytesIn: 20_000 } });
    const { err } = await failure(sb.request(`${server.url}/big.bin`));
    expectLimit(err, 'maxWireBytesIn');
    await expectClean(sb);
  });

  it('TFTP_BLKSIZE and TFTP_NO_OPTIONS pass the option gate', async () => {
    const sb = await sandbox({ protocols: ['tftp'] });
    const before = server.requests.length;
    const r = await sb.request(`${server.url}/hello.txt`, { curl: { TFTP_NO_OPTIONS: 1 } });
    expect(Buffer.from(await r.bytes()).equals(HELLO)).toBe(true);
    expect(server.requests[before]!.options).toEqual({});
    await expectClean(sb);
  });
});
