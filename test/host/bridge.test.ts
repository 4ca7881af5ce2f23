// SPDX-License-Identifier: MIT
// The socket bridge under curl: options reach the runtime socket, both
// directions are bounded by their high-water marks, and closing frees
// every descriptor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECV_HIGH_WATER, SEND_HIGH_WATER, TcpSocket } from '../../ts/host/sockets.js';
import { Easy, Multi, Runtime } from '../../ts/index.js';
import { startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';

let rt: Runtime;
let server: TestServer;
const tcpSockets = () => rt.sockets.entries().filter((e): e is TcpSocket => e instanceof TcpSocket);

beforeAll(async () => {
  rt = await Runtime.create();
  server = await startHttpServer();
});
afterAll(() => server.close());

describe('socket bridge', () => {
  it('TCP_NODELAY and keepalive reach the runtime socket', async () => {
    const multi = new Multi(rt);
    const easy = new Easy(rt).setOpt('URL', `${server.url}/hello`).setOpt('TCP_NODELAY', 1).setOpt('TCP_KEEPALIVE', 1);
    let seen: TcpSocket[] = [];
    easy.setOpt('WRITEFUNCTION', () => void (seen = tcpSockets()));
    await multi.run(easy);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.noDelay).toBe(true);
    expect(seen[0]!.keepAlive).toBe(true);
    easy.close();
    multi.close();
  });

  it('a paused download stops reading at the high-water mark', async () => {
    const multi = new Multi(rt);
    const easy = new Easy(rt).setOpt('URL', `${server.url}/bytes/${64 << 20}`);
    let paused = false;
    let queuedWhilePaused = 0;
    let total = 0;
    easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => {
      if (!paused) {
        paused = true;
        setTimeout(() => {
          queuedWhilePaused = tcpSockets()[0]!.queuedIn;
          easy.pause(0);
        }, 500);
        return 0x10000001; // CURL_WRITEFUNC_PAUSE
      }
      total += d.length;
    });
    await multi.run(easy);
    expect(total).toBe(64 << 20);
    expect(queuedWhilePaused).toBeGreaterThan(0);
    expect(queuedWhilePaused).toBeLessThan(RECV_HIGH_WATER + (1 << 20)); // bounded, not the 64 MiB on offer
    easy.close();
    multi.close();
  });

  it('an upload to a server that never reads is bounded by the send high-water mark', async () => {
    const raw = await startRawServer((sock) => sock.pause()); // accepts, never reads
    const multi = new Multi(rt);
    let offered = 0;
    let maxQueued = 0;
    const easy = new Easy(rt).setOpt('URL', `${raw.url}/sink`).setOpt('UPLOAD', 1).setOpt('TIMEOUT_MS', 1500);
    easy.setOpt('READFUNCTION', (buf: Uint8Array) => {
      maxQueued = Math.max(maxQueued, ...tcpSockets().map((s) => s.queuedOut));
      offered += buf.length;
      return buf.length;
    });
    const err = await multi.run(easy).catch((e) => e);
    expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
    expect(maxQueued).toBeLessThanOrEqual(SEND_HIGH_WATER + (1 << 20));
    expect(offered).toBeLessThan(64 << 20); // curl stopped asking for data
    easy.close();
    multi.close();
    await raw.close();
  });

  it('closing the handles frees every descriptor', async () => {
    const local = await Runtime.create();
    const multi = new Multi(local);
    const easies = [0, 1, 2].map(() => new Easy(local).setOpt('URL', `${server.url}/hello`).setOpt('FORBID_REUSE', 0));
    await Promise.all(easies.map((e) => multi.run(e)));
    expect(local.sockets.size).toBeGreaterThan(0); // idle connections in curl's cache
    for (const e of easies) e.close();
    multi.close();
    expect(local.sockets.size).toBe(0);
  });
});
