// SPDX-License-Identifier: MIT
// Multi against curl's manual pages, one behaviour per test: wait/poll/
// wakeup, info_read's queue count and CURLMSG, extra descriptors, the
// user-driven socket_action mode with assign, get_handles, every CURLMOPT_*,
// HTTP/2 server push, and easy_cleanup of an added handle. Real loopback
// servers, the real wasm; readiness is awaited, never slept on.
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CURL_HTTP_VERSION,
  CURL_PUSH,
  CURL_WAIT_POLLIN,
  CURLMSG,
  CURL_POLL,
  CURL_SOCKET,
  CurlMultiError,
  Easy,
  EventFd,
  MULTI_OPTIONS,
  Multi,
  Runtime,
  SocketPoll,
  type CurlMsg,
  type MultiOptionValues,
} from '../../ts/index.js';
import { certs, startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';

let rt: Runtime;
let server: TestServer;

beforeAll(async () => {
  rt = await Runtime.create();
  server = await startHttpServer();
});
afterAll(() => server.close());

function easyFor(url: string, sink: Buffer[] = []): Easy {
  return new Easy(rt).setOpt('URL', url).setOpt('WRITEFUNCTION', (d: Uint8Array) => void sink.push(Buffer.from(d)));
}

/** A few event-loop turns: long enough for anything already due to happen. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** A promise's state without waiting for it. */
function track<T>(p: Promise<T>): { settled: boolean; promise: Promise<T> } {
  const t = { settled: false, promise: p };
  void p.then(
    () => void (t.settled = true),
    () => void (t.settled = true),
  );
  return t;
}

/** A server that reads a request and answers only when told to. */
async function heldServer(): Promise<{ server: TestServer; requested: Promise<net.Socket>; answer(body: string): void }> {
  let socket!: net.Socket;
  let gotRequest!: (s: net.Socket) => void;
  const requested = new Promise<net.Socket>((r) => (gotRequest = r));
  const s = await startRawServer((sock) => {
    socket = sock;
    sock.once('data', () => gotRequest(sock));
  });
  return {
    server: s,
    requested,
    answer: (body) => socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`),
  };
}

/** perform + poll until nothing runs. */
async function drive(multi: Multi): Promise<CurlMsg[]> {
  const done: CurlMsg[] = [];
  for (let running = multi.perform(); ; running = multi.perform()) {
    for (let m = multi.infoRead(); m; m = multi.infoRead()) done.push(m);
    if (!running) return done;
    await multi.poll(10_000);
  }
}

describe('curl_multi_wait', () => {
  it('with nothing to wait on returns at once (a 10-minute timeout never runs out)', async () => {
    const multi = new Multi(rt);
    await expect(multi.wait(600_000)).resolves.toBe(0);
    multi.close();
  });

  it('a negative timeout is CURLM_BAD_FUNCTION_ARGUMENT', async () => {
    const multi = new Multi(rt);
    for (const call of [() => multi.wait(-1), () => multi.poll(-1)]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CurlMultiError);
      expect(err).toMatchObject({ code: 'CURLM_BAD_FUNCTION_ARGUMENT', curlCode: 10 });
    }
    multi.close();
  });

  it('wakeup() does not end it; the socket becoming readable does', async () => {
    const held = await heldServer();
    const multi = new Multi(rt);
    const easy = easyFor(held.server.url);
    multi.addHandle(easy);
    while (!(await Promise.race([held.requested.then(() => true), multi.wait(1000).then(() => false)]))) multi.perform();
    multi.perform(); // the request is out: curl waits to read
    const w = track(multi.wait(600_000));
    multi.wakeup();
    await turns();
    expect(w.settled).toBe(false);
    held.answer('late');
    await expect(w.promise).resolves.toBe(1);
    expect(await drive(multi)).toHaveLength(1);
    // the wakeup wait() ignored is still owed to the next poll()
    await expect(multi.poll(600_000)).resolves.toBe(0);
    easy.close();
    multi.close();
    await held.server.close();
  });

  it('extra descriptors: the ready one gets revents and counts in numfds', async () => {
    const multi = new Multi(rt);
    const mine = new EventFd(rt);
    const extra = [{ fd: mine.fd, events: CURL_WAIT_POLLIN, revents: 0 }];
    const w = track(multi.wait(600_000, extra));
    await turns();
    expect(w.settled).toBe(false); // an extra descriptor is something to wait on
    mine.signal();
    await expect(w.promise).resolves.toBe(1);
    expect(extra[0]!.revents).toBe(CURL_WAIT_POLLIN);
    expect(mine.read()).toBe(1);
    await expect(multi.wait(0, extra)).resolves.toBe(0);
    expect(extra[0]!.revents).toBe(0);
    mine.close();
    multi.close();
  });
});

describe('curl_multi_poll and curl_multi_wakeup', () => {
  it('wakeup() before poll() makes the next poll() return at once, once', async () => {
    const multi = new Multi(rt);
    const easy = easyFor(`${server.url}/hello`);
    // the C idiom: wakeup() from a callback while perform() runs
    easy.setOpt('WRITEFUNCTION', () => multi.wakeup());
    multi.addHandle(easy);
    const held = await heldServer();
    const slow = easyFor(held.server.url);
    multi.addHandle(slow);
    let woken = false;
    while (!woken) {
      multi.perform();
      const m = multi.infoRead();
      if (m?.easy === easy) woken = true;
      else await multi.wait(1000);
    }
    await expect(multi.poll(600_000)).resolves.toBe(0); // no sleep: the wakeup was owed
    await held.requested;
    multi.perform();
    const p = track(multi.poll(600_000)); // this one waits: the wakeup is spent
    await turns();
    expect(p.settled).toBe(false);
    multi.wakeup(); // a pending poll() ends at once
    await expect(p.promise).resolves.toBe(0);
    held.answer('x');
    for (const e of [easy, slow]) e.close();
    multi.close();
    await held.server.close();
  });

  it('with nothing to wait on it waits (unlike wait())', async () => {
    const multi = new Multi(rt);
    const p = track(multi.poll(600_000));
    await turns();
    expect(p.settled).toBe(false);
    multi.wakeup();
    await expect(p.promise).resolves.toBe(0);
    multi.close();
  });

  it("an extra descriptor ends it with revents, as in the manual page's example", async () => {
    const multi = new Multi(rt);
    const myfd = new EventFd(rt);
    const myown = { fd: myfd.fd, events: CURL_WAIT_POLLIN, revents: 0 };
    const p = multi.poll(600_000, [myown]);
    setImmediate(() => myfd.signal());
    await expect(p).resolves.toBe(1);
    expect(myown.revents).toBe(CURL_WAIT_POLLIN);
    myfd.close();
    multi.close();
  });
});

describe('curl_multi_info_read', () => {
  it('reports msgs_in_queue, and msg compares equal to CURLMSG_DONE', () => {
    const multi = new Multi(rt);
    const easies = ['unknownscheme://a/', 'unknownscheme://b/', 'http://[::1'].map((u) => easyFor(u));
    for (const e of easies) multi.addHandle(e);
    expect(multi.perform()).toBe(0);
    const queue: number[] = [];
    for (let m = multi.infoRead(); m; m = multi.infoRead()) {
      expect(m.msg === CURLMSG.CURLMSG_DONE).toBe(true);
      expect(m.msg).toBe(1);
      queue.push(m.msgsInQueue);
    }
    expect(queue).toEqual([2, 1, 0]);
    for (const e of easies) e.close();
    multi.close();
  });
});

describe('handles', () => {
  it('getHandles() lists what is added (curl_multi_get_handles)', () => {
    const multi = new Multi(rt);
    const [a, b] = [easyFor(`${server.url}/hello`), easyFor(`${server.url}/hello`)];
    expect(multi.getHandles()).toEqual([]);
    multi.addHandle(a);
    multi.addHandle(b);
    expect(multi.getHandles()).toEqual([a, b]);
    multi.removeHandle(a);
    expect(multi.getHandles()).toEqual([b]);
    a.close();
    b.close();
    multi.close();
  });

  it('Easy.close() on an added handle removes it first, and the multi then closes', async () => {
    const multi = new Multi(rt);
    const easy = easyFor(`${server.url}/slow?ms=5000`);
    const other = easyFor(`${server.url}/hello`);
    multi.addHandle(easy);
    multi.addHandle(other);
    multi.perform();
    easy.close();
    expect(multi.getHandles()).toEqual([other]);
    const done = await drive(multi);
    expect(done.map((m) => m.easy)).toEqual([other]);
    multi.close();
    other.close();
  });

  it('Easy.close() of a handle run() drives rejects its promise', async () => {
    const multi = new Multi(rt);
    const easy = easyFor(`${server.url}/slow?ms=5000`);
    const p = multi.run(easy);
    easy.close();
    await expect(p).rejects.toThrow(/removed/);
    expect(multi.getHandles()).toEqual([]);
    multi.close();
  });
});

describe('CURLMOPT_*', () => {
  it('every option takes a value of its type', () => {
    const multi = new Multi(rt);
    const values: { [K in keyof MultiOptionValues]: MultiOptionValues[K] } = {
      SOCKETFUNCTION: null,
      SOCKETDATA: { any: 'thing' },
      TIMERFUNCTION: null,
      TIMERDATA: 42,
      PUSHFUNCTION: () => CURL_PUSH.CURL_PUSH_DENY,
      PUSHDATA: 'data',
      PIPELINING: 2,
      MAXCONNECTS: 10,
      MAX_HOST_CONNECTIONS: 4,
      MAX_PIPELINE_LENGTH: 5,
      CONTENT_LENGTH_PENALTY_SIZE: 0n,
      CHUNK_LENGTH_PENALTY_SIZE: 0,
      PIPELINING_SITE_BL: ['a.example'],
      PIPELINING_SERVER_BL: null,
      MAX_TOTAL_CONNECTIONS: 8,
      MAX_CONCURRENT_STREAMS: 50,
    };
    expect(Object.keys(values).sort()).toEqual(Object.keys(MULTI_OPTIONS).sort());
    for (const [k, v] of Object.entries(values)) {
      expect(() => multi.setOpt(k as keyof MultiOptionValues, v as never)).not.toThrow();
      expect(() => multi.setOpt(`CURLMOPT_${k}` as never, v as never)).not.toThrow();
    }
    expect(() => multi.setOpt('SOCKETFUNCTION', 1 as never)).toThrow(TypeError);
    multi.close();
  });
});

describe('user-driven mode: SOCKETFUNCTION, TIMERFUNCTION, assign, socket_action', () => {
  it("drives transfers from the application's own watchers, socketp from assign()", async () => {
    const multi = new Multi(rt);
    const polls = new Map<number, SocketPoll>();
    const seen: { what: number; socketp: unknown; clientp: unknown; easyKnown: boolean }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done: CurlMsg[] = [];
    let allDone!: () => void;
    const finished = new Promise<void>((r) => (allDone = r));
    const check = () => {
      for (let m = multi.infoRead(); m; m = multi.infoRead()) done.push(m);
      if (done.length === 3) allDone();
    };
    const action = (fd: number, ev: number) => {
      multi.socketAction(fd, ev);
      check();
    };
    multi.setOpt('SOCKETDATA', 'my-clientp');
    multi.setOpt('SOCKETFUNCTION', (easy, fd, what, clientp, socketp) => {
      seen.push({ what, socketp, clientp, easyKnown: easy !== undefined && multi.getHandles().includes(easy) });
      if (what === CURL_POLL.CURL_POLL_REMOVE) {
        polls.get(fd)?.stop();
        polls.delete(fd);
        return 0;
      }
      if (!socketp) multi.assign(fd, { mine: fd }); // hiperfifo's addsock: once per socket
      let p = polls.get(fd);
      if (!p) polls.set(fd, (p = new SocketPoll(rt, fd)));
      p.start(what, action); // CURL_POLL_IN/OUT match CURL_CSELECT_IN/OUT
      return 0;
    });
    multi.setOpt('TIMERFUNCTION', (m, ms) => {
      expect(m).toBe(multi);
      clearTimeout(timer);
      if (ms >= 0) timer = setTimeout(() => action(CURL_SOCKET.CURL_SOCKET_TIMEOUT, 0), ms);
      return 0;
    });
    const sinks = [[], [], []] as Buffer[][];
    const easies = sinks.map((s, i) => easyFor(`${server.url}/slow?ms=${20 * i}`, s));
    for (const e of easies) multi.addHandle(e);
    await finished;
    expect(done.map((m) => m.result)).toEqual([0, 0, 0]);
    expect(seen.some((s) => s.what === CURL_POLL.CURL_POLL_IN)).toBe(true);
    expect(seen.every((s) => s.clientp === 'my-clientp' && s.easyKnown)).toBe(true);
    // after assign(), every later call for that socket carries its value
    expect(seen.slice(1).some((s) => typeof s.socketp === 'object' && s.socketp !== null)).toBe(true);
    expect(() => multi.assign(999_999, 1)).toThrow(expect.objectContaining({ code: 'CURLM_BAD_SOCKET' }));
    for (const e of easies) e.close();
    clearTimeout(timer);
    multi.close();
  });

  it('is exclusive with run(): a clear TypeError either way', async () => {
    const user = new Multi(rt).setOpt('TIMERFUNCTION', () => 0);
    const easy = easyFor(`${server.url}/hello`);
    await expect(user.run(easy)).rejects.toThrow(/run\(\) cannot drive a Multi whose SOCKETFUNCTION or TIMERFUNCTION/);
    user.close();
    const auto = new Multi(rt);
    await auto.run(easy);
    expect(() => auto.setOpt('SOCKETFUNCTION', () => 0)).toThrow(/cannot be set on a Multi driven by run\(\)/);
    auto.close();
    easy.close();
  });

  it('SOCKETFUNCTION or TIMERFUNCTION answering -1 is CURLM_ABORTED_BY_CALLBACK', () => {
    const timerSaysNo = new Multi(rt).setOpt('TIMERFUNCTION', () => -1);
    const easy = easyFor(`${server.url}/hello`);
    expect(() => timerSaysNo.addHandle(easy)).toThrow(expect.objectContaining({ code: 'CURLM_ABORTED_BY_CALLBACK' }));
    expect(timerSaysNo.getHandles()).toEqual([]); // curl took it back
    timerSaysNo.close();
    easy.close();
    const socketSaysNo = new Multi(rt).setOpt('SOCKETFUNCTION', () => -1);
    const other = easyFor(`${server.url}/hello`);
    socketSaysNo.addHandle(other);
    expect(() => {
      for (let i = 0; i < 100; i++) socketSaysNo.socketAction(CURL_SOCKET.CURL_SOCKET_TIMEOUT, 0);
    }).toThrow(expect.objectContaining({ code: 'CURLM_ABORTED_BY_CALLBACK' }));
    socketSaysNo.setOpt('SOCKETFUNCTION', () => 0);
    other.close();
    socketSaysNo.close();
  });

  it('an exception in SOCKETFUNCTION reaches the caller of the curl call', () => {
    const multi = new Multi(rt).setOpt('SOCKETFUNCTION', () => {
      throw new Error('boom in socket callback');
    });
    const easy = easyFor(`${server.url}/hello`);
    expect(() => {
      multi.addHandle(easy);
      for (let i = 0; i < 100; i++) multi.socketAction(CURL_SOCKET.CURL_SOCKET_TIMEOUT, 0);
    }).toThrow('boom in socket callback');
    expect(multi.getHandles()).toEqual([easy]); // curl added it before the callback threw
    multi.setOpt('SOCKETFUNCTION', () => 0);
    easy.close();
    multi.close();
  });
});

describe('CURLMOPT_PUSHFUNCTION (HTTP/2 server push)', () => {
  it('accepts a pushed stream as a new handle in the multi, with its headers', async () => {
    const h2 = http2.createSecureServer({ ...certs.server });
    h2.on('stream', (stream: http2.ServerHttp2Stream, headers) => {
      if (headers[':path'] !== '/index') return;
      stream.pushStream({ ':path': '/pushed.css' }, (err: Error | null, push: http2.ServerHttp2Stream) => {
        if (err) throw err;
        push.respond({ ':status': 200, 'content-type': 'text/css' });
        push.end('body { color: red }');
        stream.respond({ ':status': 200 });
        stream.end('<html>');
      });
    });
    h2.listen(0, '127.0.0.1');
    await once(h2, 'listening');
    const { port } = h2.address() as net.AddressInfo;
    const multi = new Multi(rt);
    multi.setOpt('PIPELINING', 2); // CURLPIPE_MULTIPLEX
    const pushed: { path: string | null; first: string | null; n: number; data: unknown; parentIsMain: boolean }[] = [];
    const bodies = new Map<Easy, Buffer[]>();
    const main = easyFor(`https://localhost:${port}/index`, []).setOpt('CAINFO_BLOB', certs.ca);
    main.setOpt('HTTP_VERSION', CURL_HTTP_VERSION.CURL_HTTP_VERSION_2TLS);
    multi.setOpt('PUSHDATA', 'push-data');
    multi.setOpt('PUSHFUNCTION', (parent, easy, num, headers, data) => {
      pushed.push({ path: headers.byName(':path'), first: headers.byNum(0), n: num, data, parentIsMain: parent === main });
      const sink: Buffer[] = [];
      bodies.set(easy, sink);
      easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => void sink.push(Buffer.from(d)));
      return CURL_PUSH.CURL_PUSH_OK;
    });
    multi.addHandle(main);
    const done = await drive(multi);
    expect(pushed).toEqual([{ path: '/pushed.css', first: expect.stringMatching(/^:/), n: expect.any(Number), data: 'push-data', parentIsMain: true }]);
    expect(done).toHaveLength(2);
    const child = done.find((m) => m.easy !== main)!;
    expect(child.result).toBe(0);
    expect(Buffer.concat(bodies.get(child.easy)!).toString()).toBe('body { color: red }');
    expect(multi.getHandles()).toContain(child.easy);
    for (const m of done) m.easy.close();
    multi.close();
    h2.close();
  });
});
