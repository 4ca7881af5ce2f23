// SPDX-License-Identifier: MIT
// request(): the curl-flavoured API over HTTPS. A loopback HTTP/2 server
// (certificate from the test CA) redirects twice; the response shows its
// status, HTTP version, the redirect chain, and what curl measured.
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createSecureServer } from 'node:http2';
import { Session } from 'libcurl-wasm';

const cert = (name: string) => readFileSync(new URL(`../test/fixtures/certs/${name}`, import.meta.url), 'utf8');

// HTTP/2 over TLS (HTTP/1.1 too, for clients that do not offer h2)
const server = createSecureServer({ cert: cert('server.pem'), key: cert('server-key.pem'), allowHTTP1: true }, (req, res) => {
  if (req.url === '/start') res.writeHead(301, { location: '/middle' }).end();
  else if (req.url === '/middle') res.writeHead(302, { location: '/end' }).end();
  else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, via: req.httpVersion }));
}).listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };

// trust the test CA only (the runtime's roots are not used); the certificate names 127.0.0.1
const session = new Session({ ca: cert('ca.pem') });
const res = await session.request(`https://127.0.0.1:${port}/start`);

console.log('status:', res.status, res.statusText || '(HTTP/2 has no reason phrase)');
console.log('httpVersion:', res.httpVersion);
console.log('url:', res.url);
for (const h of res.previous) console.log(`previous: HTTP/${h.httpVersion} ${h.status} ${h.url} -> ${h.headers.find(([k]) => k === 'location')?.[1]}`);
console.log('body:', await res.json());

await res.done; // info() is final once the transfer is over
const info = res.info();
console.log('primaryIp:', `${info.primaryIp}:${info.primaryPort}`, 'redirects:', info.redirectCount);
console.log('tls:', info.tls);
const t = info.timings;
console.log(`timings (ms): lookup ${t.nameLookup}, connect ${t.connect}, tls ${t.tls}, first byte ${t.firstByte}, redirects ${t.redirect}, total ${t.total}`);

await session.close();
server.close();
