// SPDX-License-Identifier: MIT
// fetch() through libcurl.wasm: the runtime's own Response, with a body read
// chunk by chunk, a JSON POST, an AbortController timeout, redirect: 'manual'
// and several Set-Cookie headers. One loopback server answers every route.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { fetch } from 'libcurl-wasm';

const server = createServer(async (req, res) => {
  if (req.url === '/stream') {
    for (let i = 1; i <= 3; i++) {
      // three chunks, a little apart
      res.write(`chunk ${i}\n`);
      await new Promise((r) => setTimeout(r, 50));
    }
    res.end();
  } else if (req.url === '/echo') {
    // answers the JSON it was sent
    let body = '';
    for await (const c of req) body += c;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], got: JSON.parse(body) }));
  } else if (req.url === '/old') {
    res.writeHead(302, { location: '/stream' }).end();
  } else if (req.url === '/login') {
    res.setHeader('set-cookie', ['session=abc123; HttpOnly', 'theme=dark; Path=/']);
    res.end('welcome');
  } // '/slow' never answers: the client gives up
}).listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

// 1. GET, reading the body stream as it arrives
const res = await fetch(`${base}/stream`);
console.log('GET /stream', res.status, res.headers.get('transfer-encoding'));
const decoder = new TextDecoder();
for await (const chunk of res.body!) console.log('  read', chunk.length, 'bytes:', JSON.stringify(decoder.decode(chunk)));

// 2. POST with a JSON body
const posted = await fetch(`${base}/echo`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hello: 'world' }),
});
console.log('POST /echo', posted.status, await posted.json());

// 3. a timeout with AbortController: the handle is removed and its socket closed at once
const controller = new AbortController();
const timer = setTimeout(() => controller.abort(new Error('gave up after 200 ms')), 200);
await fetch(`${base}/slow`, { signal: controller.signal }).catch((err) => console.log('GET /slow aborted:', err.message));
clearTimeout(timer);

// 4. redirect: 'manual' hands back the 302 itself
const hop = await fetch(`${base}/old`, { redirect: 'manual' });
console.log('GET /old manual:', hop.status, 'location', hop.headers.get('location'), 'redirected', hop.redirected);
const followed = await fetch(`${base}/old`); // the default, 'follow'
await followed.arrayBuffer();
console.log('GET /old follow:', followed.status, followed.url, 'redirected', followed.redirected);

// 5. every Set-Cookie header, kept apart
const login = await fetch(`${base}/login`);
console.log('getSetCookie():', login.headers.getSetCookie(), await login.text());

server.close();
