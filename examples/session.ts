// SPDX-License-Identifier: MIT
// Session: a connection limit per host, default headers, the cookie jar
// (exported as Netscape text and as JSON, imported into other sessions), and
// opt-in retries of a flaky endpoint; the top-level fetch(), which keeps no
// cookies, beside it. One loopback server answers all of it.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { fetch, Session } from 'libcurl-wasm';

const ports = new Set<number>(); // client ports seen: one per connection
let flaky = 0;
const server = createServer((req, res) => {
  ports.add(req.socket.remotePort!);
  if (req.url === '/login') res.setHeader('set-cookie', ['sid=s3cr3t; HttpOnly', 'lang=en; Max-Age=3600']);
  if (req.url === '/flaky' && ++flaky < 3) return void res.writeHead(503).end('busy'); // fails twice
  setTimeout(() => res.end(JSON.stringify({ url: req.url, agent: req.headers['user-agent'], app: req.headers['x-app'], cookie: req.headers.cookie })), 20);
}).listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

const a = new Session({
  maxConnectionsPerHost: 1, // requests to one host queue for one connection
  headers: { 'user-agent': 'example/1.0', 'x-app': 'demo' }, // sent unless a request sets its own
  retry: { retries: 3, delayMs: 50 }, // 502/503/504 and connect failures, idempotent requests only
});

// 1. four requests at once, one connection
const all = await Promise.all([1, 2, 3, 4].map((i) => a.request(`${base}/page/${i}`).then((r) => r.json())));
console.log('4 parallel requests over', ports.size, 'connection(s); first answer:', all[0]);

// 2. a request's own header wins over the session default
console.log('own user-agent:', await (await a.request(`${base}/ua`, { headers: { 'user-agent': 'mine' } })).json());

// 3. cookies: log in, export the jar
await (await a.request(`${base}/login`)).text();
const jar = await a.cookies();
const netscape = jar.toNetscape();
console.log('Netscape export:\n' + netscape.trimEnd());
console.log(
  'JSON export:',
  jar.toJSON().map((c) => `${c.name}=${c.value} httpOnly=${c.httpOnly} expires=${c.expires}`),
);

// ...and import it elsewhere: b from the Netscape text, c from the JSON
const b = new Session();
(await b.cookies()).fromNetscape(netscape);
console.log('session b sends cookie:', ((await (await b.request(`${base}/me`)).json()) as { cookie: string }).cookie);
const c = new Session();
(await c.cookies()).fromJSON(jar.toJSON());
console.log('session c sends cookie:', ((await (await c.request(`${base}/me`)).json()) as { cookie: string }).cookie);

// 4. the top-level fetch() keeps no cookies between calls; with { session } it uses that session's jar
await (await fetch(`${base}/login`)).text();
const cookieOf = async (res: Response) => ((await res.json()) as { cookie?: string }).cookie ?? '(none)';
console.log('top-level fetch sends cookie:', await cookieOf(await fetch(`${base}/me`)));
console.log('fetch with { session: a } sends cookie:', await cookieOf(await fetch(`${base}/me`, { session: a })));

// 5. retries: /flaky answers 503 twice, then 200
const r = await a.request(`${base}/flaky`);
console.log(`retried /flaky: status ${r.status} after ${flaky} attempts`);
await r.text();

await Promise.all([a.close(), b.close(), c.close()]);
server.close();
