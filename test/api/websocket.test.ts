// SPDX-License-Identifier: MIT
// WebSocket and ws() through libcurl.wasm against the `ws` package's
// server on loopback, plain and TLS.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseEvent, CurlEasyError, Session, WebSocket, ws as wsOpen, type WsConnection, type WsMessage } from '../../ts/index.js';
import type { Runtime } from '../../ts/host/runtime.js';
import { certs, patternBytes } from '../fixtures/servers.js';
import { startWsServer, type WsTestServer } from '../fixtures/ws-server.js';

let server: WsTestServer;
let tlsServer: WsTestServer;
let session: Session;
let rt: Runtime;

beforeAll(async () => {
  [server, tlsServer] = await Promise.all([startWsServer(), startWsServer({ tls: true })]);
  session = new Session({ ca: certs.ca });
  rt = (await session.engine()).rt;
});
afterAll(async () => {
  await Promise.all([server.close(), tlsServer.close()]);
  await session.close();
});

let ids = 0;
/** A WebSocket to `path` and the server's side of it. */
const open = (path: string, protocols?: string | string[], srv = server) => {
  const id = String(++ids);
  const ws = new WebSocket(`${srv.url}${path}?id=${id}`, protocols, { session });
  return { ws, peer: srv.peer(id) };
};
const connect = async (path: string) => {
  const id = String(++ids);
  const conn = await session.ws(`${server.url}${path}?id=${id}`);
  return { conn, peer: await server.peer(id) };
};
/** Resolves with the next event of `type`. */
const next = <E extends Event = Event>(target: EventTarget, type: string) =>
  new Promise<E>((resolve) => target.addEventListener(type, (ev) => resolve(ev as E), { once: true }));
const descriptors = () => new Set(rt.sockets.entries().map((e) => e.fd));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function collect(conn: WsConnection, n: number): Promise<WsMessage[]> {
  const out: WsMessage[] = [];
  for await (const m of conn) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

describe('WebSocket', () => {
  it('opens, echoes text, and closes with a code and reason the server sees', async () => {
    const before = descriptors();
    const { ws, peer } = open('/echo');
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    expect(ws.url).toBe(`${server.url}/echo?id=${ids}`);
    expect(ws.binaryType).toBe('blob');
    await next(ws, 'open');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(ws.protocol).toBe('');
    expect(ws.extensions).toBe('');
    const got = next<MessageEvent>(ws, 'message');
    ws.send('héllo');
    expect((await got).data).toBe('héllo');
    const closed = next<CloseEvent>(ws, 'close');
    ws.close(1000, 'done here');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const ev = await closed;
    expect(ev).toBeInstanceOf(CloseEvent);
    expect({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean }).toEqual({ code: 1000, reason: 'done here', wasClean: true });
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    expect(await (await peer).closed).toEqual({ code: 1000, reason: 'done here' });
    expect((await peer).messages.map((m) => m.data.toString())).toEqual(['héllo']);
    // the connection's socket is gone from the bridge
    expect([...descriptors()].filter((fd) => !before.has(fd))).toEqual([]);
  });

  it('echoes binary messages, 1 MiB included, as ArrayBuffer and Blob', async () => {
    const { ws } = open('/echo');
    ws.binaryType = 'arraybuffer';
    await next(ws, 'open');
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const got = next<MessageEvent>(ws, 'message');
    ws.send(big);
    const data = (await got).data as ArrayBuffer;
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect(data.byteLength).toBe(big.length);
    expect(sha(new Uint8Array(data))).toBe(sha(big));
    expect(ws.bufferedAmount).toBe(0);

    ws.binaryType = 'blob';
    const got2 = next<MessageEvent>(ws, 'message');
    ws.send(new Blob([new Uint8Array([9, 8, 7])]));
    const blob = (await got2).data as Blob;
    expect(blob).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([9, 8, 7]);
    const closed = next<CloseEvent>(ws, 'close');
    ws.close();
    expect((await closed).code).toBe(1005); // no code sent, none echoed
  });

  it('queues what the socket cannot take, answers a ping meanwhile, and sends it all when it drains', async () => {
    const { ws, peer } = open('/echo');
    ws.binaryType = 'arraybuffer';
    await next(ws, 'open');
    const c = await peer;
    c.raw.pause(); // the server stops reading: kernel buffers fill, then the bridge's
    const big = patternBytes(16 << 20);
    ws.send(big);
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    expect(ws.bufferedAmount).toBeLessThan(big.length);
    // a ping while the message is half sent: the pong must not land inside its frame
    const ping = next(ws, 'ping');
    c.socket.ping('mid-frame');
    await ping;
    const got = next<MessageEvent>(ws, 'message');
    c.raw.resume();
    const data = (await got).data as ArrayBuffer;
    expect(data.byteLength).toBe(big.length);
    expect(sha(new Uint8Array(data))).toBe(sha(big));
    expect(ws.bufferedAmount).toBe(0);
    if (!c.pongs.length) await once(c.socket, 'pong');
    expect(c.pongs.map(String)).toEqual(['mid-frame']);
    ws.close();
    expect(await c.closed).toMatchObject({ code: 1005 });
  });

  it('assembles fragmented messages, with a ping between the fragments', async () => {
    const { ws, peer } = open('/fragmented');
    ws.binaryType = 'arraybuffer';
    const messages: unknown[] = [];
    ws.onmessage = (ev) => messages.push((ev as MessageEvent).data);
    await next(ws, 'open');
    while (messages.length < 2) await next(ws, 'message');
    expect(messages[0]).toBe('hello fragmented world');
    expect([...new Uint8Array(messages[1] as ArrayBuffer)]).toEqual([1, 2, 3, 4, 5]);
    const c = await peer;
    while (!c.pongs.length) await once(c.socket, 'pong');
    expect(c.pongs[0]!.toString()).toBe('between fragments');
    ws.close();
  });

  it('answers a ping from the server, and its own ping gets a pong', async () => {
    const { ws, peer: p } = open('/ping');
    const ping = next<MessageEvent>(ws, 'ping');
    await next(ws, 'open');
    expect(Buffer.from((await ping).data as ArrayBuffer).toString()).toBe('are you there');
    const peer = await p;
    if (!peer.pongs.length) await once(peer.socket, 'pong');
    expect(peer.pongs.map(String)).toEqual(['are you there']);
    const pong = next<MessageEvent>(ws, 'pong');
    ws.ping('marco');
    expect(Buffer.from((await pong).data as ArrayBuffer).toString()).toBe('marco');
    ws.close();
  });

  it('reports the server closing with 4001 bye as a clean close', async () => {
    const before = descriptors();
    const { ws } = open('/close');
    const events: string[] = [];
    ws.onopen = () => events.push('open');
    ws.onerror = () => events.push('error');
    const ev = await next<CloseEvent>(ws, 'close');
    expect(events).toEqual(['open']);
    expect({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean }).toEqual({ code: 4001, reason: 'bye', wasClean: true });
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    expect([...descriptors()].filter((fd) => !before.has(fd))).toEqual([]);
  });

  it('reports a dropped connection: error, then close 1006', async () => {
    const before = descriptors();
    const { ws } = open('/drop');
    await next(ws, 'open');
    const events: string[] = [];
    ws.onerror = () => events.push('error');
    const closed = next<CloseEvent>(ws, 'close');
    ws.send('drop it');
    const ev = await closed;
    expect(events).toEqual(['error']);
    expect({ code: ev.code, wasClean: ev.wasClean }).toEqual({ code: 1006, wasClean: false });
    expect([...descriptors()].filter((fd) => !before.has(fd))).toEqual([]);
  });

  it('fails to connect: error then close 1006; a refused upgrade too', async () => {
    for (const url of ['ws://127.0.0.1:1/', `${server.url}/reject`]) {
      const ws = new WebSocket(url, [], { session });
      const events: string[] = [];
      ws.onerror = () => events.push('error');
      ws.onopen = () => events.push('open');
      const ev = await next<CloseEvent>(ws, 'close');
      expect(events).toEqual(['error']);
      expect({ code: ev.code, wasClean: ev.wasClean }).toEqual({ code: 1006, wasClean: false });
    }
  });

  it('close() while connecting fails the connection', async () => {
    const { ws } = open('/echo');
    const events: string[] = [];
    ws.onerror = () => events.push('error');
    ws.onopen = () => events.push('open');
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const ev = await next<CloseEvent>(ws, 'close');
    expect(events).toEqual(['error']);
    expect(ev.code).toBe(1006);
  });

  it('negotiates a subprotocol', async () => {
    const { ws, peer } = open('/echo', ['superchat', 'chat']);
    await next(ws, 'open');
    expect(ws.protocol).toBe('chat');
    expect((await peer).headers['sec-websocket-protocol']).toBe('superchat, chat');
    ws.close();
  });

  it('speaks wss with the test CA, and refuses it without', async () => {
    const { ws } = open('/echo', [], tlsServer);
    ws.binaryType = 'arraybuffer';
    await next(ws, 'open');
    const got = next<MessageEvent>(ws, 'message');
    ws.send(new Uint8Array([1, 2, 3]));
    expect([...new Uint8Array((await got).data as ArrayBuffer)]).toEqual([1, 2, 3]);
    const big = patternBytes(1 << 20);
    const got2 = next<MessageEvent>(ws, 'message');
    ws.send(big);
    expect(sha(new Uint8Array((await got2).data as ArrayBuffer))).toBe(sha(big));
    const closed = next<CloseEvent>(ws, 'close');
    ws.close(4000);
    expect((await closed).wasClean).toBe(true);

    const untrusting = new Session({ ca: certs.otherCa });
    try {
      const err = await wsOpen(`${tlsServer.url}/echo`, { session: untrusting }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CurlEasyError);
      expect((err as CurlEasyError).code).toBe('CURLE_PEER_FAILED_VERIFICATION');
    } finally {
      await untrusting.close();
    }
  });

  it('validates its arguments as WHATWG says', () => {
    expect(() => new WebSocket('ftp://x/', [], { session })).toThrow(DOMException);
    expect(() => new WebSocket(`${server.url}/#frag`, [], { session })).toThrow(/fragment/);
    expect(() => new WebSocket(`${server.url}/`, ['a', 'a'], { session })).toThrow(/twice/);
    const { ws } = open('/echo');
    expect(() => ws.send('x')).toThrow(/CONNECTING/);
    expect(() => ws.close(1001)).toThrow(DOMException);
    expect(() => ws.close(1000, 'x'.repeat(124))).toThrow(DOMException);
    ws.close();
  });
});

describe('ws()', () => {
  it('closing the session ends its open connections first (1006), then frees the share', async () => {
    const own = new Session();
    const conn = await own.ws(`${server.url}/echo`);
    await own.close(); // would throw CURLSHE_IN_USE while the connection held the share
    expect(await conn.closed).toMatchObject({ code: 1006, wasClean: false });
  });

  it('iterates messages and control frames, and ends after the close', async () => {
    const before = descriptors();
    const { conn } = await connect('/fragmented');
    const [ping, text, binary] = await collect(conn, 3); // the ping came between the text's fragments
    expect(text).toMatchObject({ type: 'text', text: 'hello fragmented world' });
    expect(ping!.type).toBe('ping');
    expect(Buffer.from(ping!.data).toString()).toBe('between fragments');
    expect(binary!.type).toBe('binary');
    expect([...binary!.data]).toEqual([1, 2, 3, 4, 5]);
    const info = await conn.close(4002, 'enough');
    expect(info).toEqual({ code: 4002, reason: 'enough', wasClean: true }); // the server's echo
    const rest: WsMessage[] = [];
    for await (const m of conn) rest.push(m);
    expect(rest.map((m) => [m.type, m.code])).toEqual([['close', 4002]]);
    expect([...descriptors()].filter((fd) => !before.has(fd))).toEqual([]);
  });

  it('sends text, binary and pings; the server close arrives as a frame', async () => {
    const { conn, peer } = await connect('/echo');
    conn.send('text');
    conn.send(new Uint8Array([0, 255]));
    conn.send('bytes as text?', { binary: true });
    conn.ping('p');
    const got = await collect(conn, 4);
    expect(got.map((m) => m.type)).toEqual(['text', 'binary', 'binary', 'pong']);
    expect(peer.messages.map((m) => m.binary)).toEqual([false, true, true]);
    peer.socket.close(4001, 'bye');
    const [close] = await collect(conn, 1);
    expect(close).toMatchObject({ type: 'close', code: 4001, reason: 'bye' });
    expect(await conn.closed).toEqual({ code: 4001, reason: 'bye', wasClean: true });
    expect(() => conn.send('late')).toThrow(/closed/);
  });

  it('throws from the iterator when the connection drops', async () => {
    const { conn } = await connect('/drop');
    conn.send('bye');
    await expect(collect(conn, 10)).rejects.toThrow(/lost/);
    expect(await conn.closed).toMatchObject({ code: 1006, wasClean: false });
  });

  it('rejects with CurlEasyError when it cannot connect', async () => {
    const err = await session.ws('ws://127.0.0.1:1/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect((err as CurlEasyError).code).toBe('CURLE_COULDNT_CONNECT');
  });

  it('stops reading while nobody iterates, and close() still completes', async () => {
    const { conn, peer } = await connect('/echo');
    const written = Array.from({ length: 200 }, (_, i) => new Promise((r) => peer.socket.send(`m${i}`, r)));
    await Promise.all(written); // all 200 are on the wire before anyone reads
    const [first] = await collect(conn, 1);
    expect(first!.text).toBe('m0');
    expect(await conn.close(1000)).toMatchObject({ code: 1000, wasClean: true });
  });

  it('holds many connections at once on one instance', async () => {
    const conns = await Promise.all(Array.from({ length: 20 }, () => session.ws(`${server.url}/echo`)));
    conns.forEach((c, i) => c.send(`n${i}`));
    const texts = await Promise.all(conns.map(async (c) => (await collect(c, 1))[0]!.text));
    expect(texts).toEqual(conns.map((_, i) => `n${i}`));
    await Promise.all(conns.map((c) => c.close(1000)));
  });
});
