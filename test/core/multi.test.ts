// SPDX-License-Identifier: MIT
// The semantics of the faithful multi layer: perform, infoRead, wait, fdset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURLMSG, CurlMultiError, Easy, Multi, Runtime, type DoneMessage } from '../../ts/index.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';

let rt: Runtime;
let server: TestServer;

beforeAll(async () => {
  rt = await Runtime.create();
  server = await startHttpServer();
});
afterAll(() => server.close());

function easyFor(url: string, sink: Buffer[] = []): Easy {
  const easy = new Easy(rt);
  easy.setOpt('URL', url);
  easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => void sink.push(Buffer.from(d)));
  return easy;
}

/** The classic loop: perform, wait, read messages, until nothing runs. */
async function performLoop(multi: Multi, onRunning: (n: number) => void): Promise<DoneMessage[]> {
  const done: DoneMessage[] = [];
  for (;;) {
    const running = multi.perform();
    onRunning(running);
    for (let m = multi.infoRead(); m; m = multi.infoRead()) done.push(m);
    if (running === 0) return done;
    await multi.wait(1000);
  }
}

describe('curl_multi_perform semantics', () => {
  it('the running count falls to 0 and each transfer yields exactly one DONE', async () => {
    const multi = new Multi(rt);
    const easies = [0, 1, 2, 3].map((i) => easyFor(`${server.url}/slow?ms=${50 + i * 100}`));
    for (const e of easies) multi.addHandle(e);
    const counts: number[] = [];
    const done = await performLoop(multi, (n) => counts.push(n));
    expect(counts[0]).toBe(4);
    expect(counts.at(-1)).toBe(0);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]!);
    expect(new Set(counts).size).toBeGreaterThan(2); // fell in steps as transfers finished
    expect(done).toHaveLength(4);
    expect(new Set(done.map((m) => m.easy))).toEqual(new Set(easies));
    for (const m of done) {
      expect(m).toMatchObject({ msg: CURLMSG.CURLMSG_DONE, result: 0, code: 'CURLE_OK', error: undefined });
      multi.removeHandle(m.easy);
      m.easy.close();
    }
    expect(multi.infoRead()).toBeUndefined();
    multi.close();
  });

  it('a handle that fails at once is DONE without ever counting as running', async () => {
    const multi = new Multi(rt);
    const bad = easyFor('unknownscheme://example/');
    const malformed = easyFor('http://[::1');
    multi.addHandle(bad);
    multi.addHandle(malformed);
    expect(multi.perform()).toBe(0);
    const done = [multi.infoRead(), multi.infoRead()];
    expect(multi.infoRead()).toBeUndefined();
    const byEasy = new Map(done.map((m) => [m!.easy, m!]));
    expect(byEasy.get(bad)!.code).toBe('CURLE_UNSUPPORTED_PROTOCOL');
    expect(byEasy.get(malformed)!.code).toBe('CURLE_URL_MALFORMAT');
    expect(byEasy.get(bad)!.error!.message).toMatch(/unknownscheme/);
    multi.close();
    bad.close();
    malformed.close();
  });

  it('perform() returns at once when nothing is ready', async () => {
    const multi = new Multi(rt);
    const easy = easyFor(`${server.url}/slow?ms=2000`);
    multi.addHandle(easy);
    expect(multi.perform()).toBe(1);
    await multi.wait(100);
    const t0 = performance.now();
    let calls = 0;
    while (performance.now() - t0 < 20) {
      expect(multi.perform()).toBe(1);
      calls++;
    }
    expect(calls).toBeGreaterThan(10); // each call came straight back
    expect(multi.infoRead()).toBeUndefined();
    multi.close();
    easy.close();
  });

  it('fdset() and timeout() report what curl waits on', async () => {
    const multi = new Multi(rt);
    const easy = easyFor(`${server.url}/slow?ms=500`);
    multi.addHandle(easy);
    multi.perform();
    let set = multi.fdset();
    for (let i = 0; i < 50 && set.read.length === 0; i++) {
      await multi.wait(50);
      multi.perform();
      set = multi.fdset();
    }
    expect(set.read.length).toBe(1); // waiting for the response
    expect(set.maxFd).toBe(set.read[0]);
    expect(multi.timeout()).toBeGreaterThanOrEqual(-1);
    multi.close();
    easy.close();
  });

  it('socketAction() drives a transfer by hand', async () => {
    const multi = new Multi(rt);
    const sink: Buffer[] = [];
    const easy = easyFor(`${server.url}/hello`, sink);
    multi.addHandle(easy);
    let running = multi.socketAction(-1, 0);
    while (running) {
      await multi.wait(1000);
      const { read, write } = multi.fdset();
      for (const fd of new Set([...read, ...write])) running = multi.socketAction(fd, (read.includes(fd) ? 1 : 0) | (write.includes(fd) ? 2 : 0));
      running = multi.socketAction(-1, 0);
    }
    expect(multi.infoRead()!.result).toBe(0);
    expect(Buffer.concat(sink).toString()).toBe('hello world');
    multi.close();
    easy.close();
  });

  it('a multi error is typed', () => {
    const multi = new Multi(rt);
    const easy = easyFor(`${server.url}/hello`);
    multi.addHandle(easy);
    let err: unknown;
    try {
      multi.addHandle(easy);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CurlMultiError);
    expect(err).toMatchObject({ code: 'CURLM_ADDED_ALREADY', curlCode: 7 });
    multi.close();
    easy.close();
  });
});

describe('the connection pool under a burst (curl patch 0011)', () => {
  it('connections a burst kept busy are found again once idle, and the next burst reuses every one', async () => {
    const multi = new Multi(rt);
    // no cap below the burst: curl's default shrinks as transfers end at once
    multi.setOpt('MAXCONNECTS', 100);
    const n = 40;
    const burst = async (): Promise<number> => {
      const easies = Array.from({ length: n }, () => easyFor(`${server.url}/slow?ms=200`));
      await Promise.all(easies.map((e) => multi.run(e)));
      const reused = easies.filter((e) => e.getInfo('NUM_CONNECTS') === 0).length;
      for (const e of easies) {
        expect(e.getInfo('RESPONSE_CODE')).toBe(200);
        e.close();
      }
      return reused;
    };
    const before = server.connections;
    // the first burst opens one connection per transfer: each search meets
    // only busy ones, which the pool moves out of later searches' way
    expect(await burst()).toBe(0);
    expect(server.connections - before).toBe(n);
    // the second finds every one of them idle again
    expect(await burst()).toBe(n);
    expect(server.connections - before).toBe(n);
    multi.close();
  });
});
