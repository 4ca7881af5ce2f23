// SPDX-License-Identifier: MIT
// Response heads cross from the glue as one block per head (wasm/glue/api.c
// header_cb, LCW_HEAD_BLOCK) while a HEADERFUNCTION still gets each line
// (LCW_HEAD_LINES): 1xx and redirect heads, a head bigger than the handle's
// buffer (and one line bigger than it), trailers that follow no head, a
// user's HEADERFUNCTION beside request()'s own, reset and duphandle. The
// server is a raw socket, so every byte of each head is the test's own.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Easy, Multi, Runtime, Session } from '../../ts/index.js';
import { startRawServer, type TestServer } from '../fixtures/servers.js';

/** Fields of /big: 60 of ~150 bytes and one of 5,000 (the head is ~14 KB, past the 2 KiB buffer). */
const BIG: [string, string][] = [
  ...Array.from({ length: 60 }, (_, i): [string, string] => [`X-Field-${i}`, `${i}-${'v'.repeat(140)}`]),
  ['X-Long', 'L'.repeat(5000)],
  ['Content-Length', '2'],
];
const head = (status: string, fields: [string, string][]) => `HTTP/1.1 ${status}\r\n${fields.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

/** One response per request on a keep-alive socket, chosen by path. */
function answer(socket: Socket, path: string, expectContinue: boolean, body: () => Promise<void>): Promise<void> | void {
  switch (path) {
    case '/continue':
      if (expectContinue) socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      return body().then(() => {
        socket.write(
          `${head('103 Early Hints', [['Link', '</a.css>; rel=preload']])}${head('200 OK', [
            ['X-Final', 'yes'],
            ['Content-Length', '2'],
          ])}ok`,
        );
      });
    case '/hop':
      socket.write(
        head('302 Found', [
          ['Location', '/big'],
          ['X-Hop', '1'],
          ['Content-Length', '0'],
        ]),
      );
      return;
    case '/big':
      socket.write(`${head('200 OK', BIG)}ok`);
      return;
    case '/trailers':
      socket.write(
        `${head('200 OK', [
          ['Transfer-Encoding', 'chunked'],
          ['Trailer', 'X-Trailer'],
        ])}2\r\nok\r\n0\r\nX-Trailer: done\r\nX-Trailer-2: also\r\n\r\n`,
      );
      return;
    default:
      socket.write(
        head('200 OK', [
          ['X-Plain', 'yes'],
          ['Content-Length', '2'],
        ]) + 'ok',
      );
  }
}

let rt: Runtime;
let server: TestServer;
let session: Session;

beforeAll(async () => {
  rt = await Runtime.create();
  server = await startRawServer((socket) => {
    let buf: Buffer = Buffer.alloc(0);
    let waiting: { need: number; done: () => void } | undefined;
    let busy = Promise.resolve();
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (waiting) {
          if (buf.length < waiting.need) return;
          buf = buf.subarray(waiting.need);
          const w = waiting;
          waiting = undefined;
          w.done();
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        const path = text.split(' ')[1] ?? '/';
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
        const expectContinue = /\r\nexpect: *100-continue/i.test(text);
        let body: () => Promise<void> = () => Promise.resolve();
        if (length) {
          const got = new Promise<void>((done) => (waiting = { need: length, done }));
          body = () => got;
        }
        busy = busy.then(() => answer(socket, path, expectContinue, body));
      }
    });
  });
  session = new Session({ runtime: rt });
});
afterAll(async () => {
  await session.close();
  await server.close();
});

describe('request() and fetch() with heads from the glue', () => {
  it('100 Continue and 103 Early Hints before the final head, each its own head', async () => {
    const res = await session.request(`${server.url}/continue`, { method: 'POST', body: 'hello', headers: { expect: '100-continue' } });
    expect(res.status).toBe(200);
    expect(res.previous.map((h) => [h.status, h.statusText])).toEqual([
      [100, 'Continue'],
      [103, 'Early Hints'],
    ]);
    expect(res.previous[1]!.headers).toEqual([['Link', '</a.css>; rel=preload']]);
    expect(res.rawHeaders).toEqual([
      ['X-Final', 'yes'],
      ['Content-Length', '2'],
    ]);
    expect(await res.text()).toBe('ok');
  });

  it('a redirect hop, then a head of ~14 KB with a 5,000-byte line (past the 2 KiB buffer), every field exact', async () => {
    const res = await session.request(`${server.url}/hop`);
    expect(res.previous.map((h) => h.status)).toEqual([302]);
    expect(res.previous[0]!.headers).toEqual([
      ['Location', '/big'],
      ['X-Hop', '1'],
      ['Content-Length', '0'],
    ]);
    // each head's URL comes with the block that ends it (the big head crosses in parts)
    expect(res.previous[0]!.url).toBe(`${server.url}/hop`);
    expect(res.url).toBe(`${server.url}/big`);
    expect(res.rawHeaders).toEqual(BIG);
    expect(res.headers.get('x-long')).toBe('L'.repeat(5000));
    expect(await res.text()).toBe('ok');

    const f = await session.fetch(`${server.url}/hop`);
    expect(f.redirected).toBe(true);
    expect([...f.headers].length).toBe(BIG.length);
    expect(f.headers.get('x-field-59')).toBe(BIG[59]![1]);
    expect(await f.text()).toBe('ok');
  });

  it("a head's URL is curl's effective URL (normalised as curl sends it), not the one asked for", async () => {
    const res = await session.request(`${server.url}?q=1`);
    expect(res.url).toBe(`${server.url}/?q=1`);
    expect(res.info().url).toBe(res.url);
    await res.text();
  });

  it('trailers after the final head are not a head, and the next request on the same handle starts clean', async () => {
    const res = await session.request(`${server.url}/trailers`);
    expect(res.rawHeaders).toEqual([
      ['Transfer-Encoding', 'chunked'],
      ['Trailer', 'X-Trailer'],
    ]);
    expect(await res.text()).toBe('ok');
    await res.done;
    expect(res.previous).toEqual([]);
    const next = await session.request(`${server.url}/plain`);
    expect(next.previous).toEqual([]);
    expect(next.rawHeaders).toEqual([
      ['X-Plain', 'yes'],
      ['Content-Length', '2'],
    ]);
    await next.text();
  });

  it("a HEADERFUNCTION given in request()'s curl options gets each line, and request() still gets the heads", async () => {
    const lines: string[] = [];
    const res = await session.request(`${server.url}/hop`, {
      curl: { HEADERFUNCTION: (d: Uint8Array) => void lines.push(Buffer.from(d).toString('latin1')) },
    });
    expect(res.status).toBe(200);
    expect(res.rawHeaders).toEqual(BIG);
    expect(lines[0]).toBe('HTTP/1.1 302 Found\r\n');
    expect(lines).toContain('HTTP/1.1 200 OK\r\n');
    expect(lines).toContain(`X-Long: ${'L'.repeat(5000)}\r\n`);
    expect(lines.filter((l) => l === '\r\n')).toHaveLength(2);
    expect(lines).toHaveLength(5 + 1 + BIG.length + 1); // the hop's status, 3 fields, blank; the final's status, fields, blank
    await res.text();
  });

  it('heads still come after the kept handle is reset (a POST, then a GET on the same session)', async () => {
    const s = new Session({ runtime: rt, cookies: false });
    try {
      const post = await s.request(`${server.url}/continue`, { method: 'POST', body: 'x' });
      expect(post.rawHeaders).toEqual([
        ['X-Final', 'yes'],
        ['Content-Length', '2'],
      ]);
      await post.text();
      await post.done;
      const get = await s.request(`${server.url}/plain`);
      expect(get.rawHeaders).toEqual([
        ['X-Plain', 'yes'],
        ['Content-Length', '2'],
      ]);
      await get.text();
    } finally {
      await s.close();
    }
  });
});

describe("a finished request's info() (read from its idle handle only when asked)", () => {
  it('is its own after the handle ran other requests, and after the session closed', async () => {
    const s = new Session({ runtime: rt, cookies: false });
    const first = await s.request(`${server.url}/plain`);
    await first.text();
    await first.done;
    const second = await s.request(`${server.url}/big`); // the same idle handle
    await second.text();
    await second.done;
    const third = await s.request(`${server.url}/plain?3`);
    await third.text();
    await third.done;
    expect(first.info().url).toBe(`${server.url}/plain`);
    expect(first.info().bytes.headers).toBeLessThan(100);
    expect(second.info().url).toBe(`${server.url}/big`);
    expect(second.info().bytes.headers).toBeGreaterThan(10_000);
    await s.close();
    expect(third.info().url).toBe(`${server.url}/plain?3`);
    expect(third.info().status).toBe(200);
  });
});

describe('the binding: a HEADERFUNCTION gets lines', () => {
  const lineCatcher = () => {
    const lines: string[] = [];
    return { lines, fn: (d: Uint8Array) => void lines.push(Buffer.from(d).toString('latin1')) };
  };

  it('one call per line, a line longer than the glue buffer whole', async () => {
    const multi = new Multi(rt);
    const { lines, fn } = lineCatcher();
    const easy = new Easy(rt).setOpt('URL', `${server.url}/big`).setOpt('HEADERFUNCTION', fn);
    await multi.run(easy);
    expect(lines).toEqual(['HTTP/1.1 200 OK\r\n', ...BIG.map(([k, v]) => `${k}: ${v}\r\n`), '\r\n']);
    easy.close();
    multi.close();
  });

  it("a duplicate's lines go to its own callback, and reset() stops them", async () => {
    const multi = new Multi(rt);
    const a = lineCatcher();
    const b = lineCatcher();
    const easy = new Easy(rt).setOpt('URL', `${server.url}/plain`).setOpt('HEADERFUNCTION', a.fn);
    const copy = easy.duphandle().setOpt('HEADERFUNCTION', b.fn);
    await Promise.all([multi.run(easy), multi.run(copy)]);
    expect(a.lines).toEqual(['HTTP/1.1 200 OK\r\n', 'X-Plain: yes\r\n', 'Content-Length: 2\r\n', '\r\n']);
    expect(b.lines).toEqual(a.lines);
    a.lines.length = 0;
    easy.reset();
    easy.setOpt('URL', `${server.url}/plain`);
    await multi.run(easy);
    expect(a.lines).toEqual([]);
    easy.setOpt('HEADERFUNCTION', a.fn);
    await multi.run(easy);
    expect(a.lines).toHaveLength(4);
    easy.close();
    copy.close();
    multi.close();
  });
});
