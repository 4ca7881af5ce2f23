// SPDX-License-Identifier: MIT
// Progress and tracing: onProgress during a 2 MiB download and a 1 MiB
// upload (printed at each quarter), then onDebug printing curl's own trace as
// `curl -v` does: '* ' for curl's notes, '> ' for the head sent, '< ' for the
// head received.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { request, type Progress } from 'libcurl-wasm';

const MiB = 1 << 20;
const server = createServer(async (req, res) => {
  if (req.method === 'POST') {
    let n = 0;
    for await (const c of req) n += c.length;
    return void res.end(`received ${n} bytes`);
  }
  if (req.url === '/hello') return void res.end('hello');
  res.writeHead(200, { 'content-length': 2 * MiB });
  for (let i = 0; i < 32; i++) if (!res.write(Buffer.alloc(MiB / 16, i))) await once(res, 'drain');
  res.end();
}).listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

// prints a line when `side` passes the next quarter of its total
function quarters(side: 'download' | 'upload') {
  let next = 0.25;
  return (p: Progress) => {
    const { loaded, total } = p[side];
    if (!total || loaded / total < next) return;
    console.log(`${side}: ${loaded} / ${total} bytes (${Math.floor((loaded / total) * 100)}%)`);
    while (loaded / total >= next) next += 0.25;
  };
}

const down = await request(url, { onProgress: quarters('download') });
console.log('downloaded', (await down.bytes()).length, 'bytes');

const up = await request(url, { body: new Uint8Array(MiB), onProgress: quarters('upload') });
console.log(await up.text());

// curl_infotype: 0 TEXT, 1 HEADER_IN, 2 HEADER_OUT (3..6 are data and TLS bytes, skipped here)
const PREFIX: Record<number, string> = { 0: '* ', 1: '< ', 2: '> ' };
const traced = await request(`${url}hello`, {
  headers: { 'x-demo': 'yes' },
  curl: { FRESH_CONNECT: 1 }, // a new connection, so the trace shows the connect
  onDebug: (type, data) => {
    const prefix = PREFIX[type];
    if (prefix === undefined) return;
    for (const line of Buffer.from(data).toString('latin1').split(/\r?\n/)) if (line) console.log(prefix + line);
  },
});
await traced.bytes();

server.close();
