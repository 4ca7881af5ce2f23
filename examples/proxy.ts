// SPDX-License-Identifier: MIT
// Proxies: an HTTPS server on loopback reached through a tiny HTTP CONNECT
// proxy and a tiny SOCKS5 server, both inline (minimal: no auth, and each
// SOCKS message is assumed to arrive in one piece, as it does on loopback).
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type Socket } from 'node:net';
import { Session } from 'libcurl-wasm';

const cert = (name: string) => readFileSync(new URL(`../test/fixtures/certs/${name}`, import.meta.url), 'utf8');
const listen = async <T extends { listen(port: number, host: string): unknown; address(): unknown }>(s: T) => {
  s.listen(0, '127.0.0.1');
  await once(s as never, 'listening');
  return (s.address() as { port: number }).port;
};
const show = async (session: Session, url: string) => {
  const res = await session.request(url);
  console.log(`${await res.text()} (curl's peer: ${res.info().primaryIp}:${res.info().primaryPort}, the proxy)`);
};
const tunnel = (a: Socket, b: Socket) => {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
};

// the destination: HTTPS with a certificate from the test CA
const target = createHttpsServer({ cert: cert('server.pem'), key: cert('server-key.pem') }, (req, res) => res.end(`hello ${req.headers.host}`));
const targetPort = await listen(target);

// 1. HTTP proxy: curl tunnels https:// through CONNECT host:port
const httpProxy = createHttpServer().on('connect', (req, client: Socket, head: Buffer) => {
  console.log(`[http proxy] CONNECT ${req.url}`);
  const [host, port] = req.url!.split(':');
  const upstream = connect(Number(port), host, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    tunnel(client, upstream);
  });
});
const viaHttp = new Session({ ca: cert('ca.pem'), proxy: `http://127.0.0.1:${await listen(httpProxy)}` });
await show(viaHttp, `https://127.0.0.1:${targetPort}/`);

// 2. SOCKS5 (RFC 1928): no-auth greeting, then CONNECT; socks5h sends the name, the proxy resolves it
const socks = createServer(async (client) => {
  await once(client, 'data'); // [5, nmethods, ...methods]
  client.write(Buffer.from([5, 0])); // version 5, method 0: no authentication
  const [req] = (await once(client, 'data')) as [Buffer]; // [5, CONNECT=1, 0, atyp, addr..., port(2)]
  const atyp = req[3];
  const host = atyp === 3 ? req.subarray(5, 5 + req[4]!).toString() : atyp === 1 ? [...req.subarray(4, 8)].join('.') : '::1';
  const port = req.readUInt16BE(req.length - 2);
  console.log(`[socks5] CONNECT ${atyp === 3 ? 'name' : 'address'} ${host}:${port}`);
  const upstream = connect({ host, port, family: 4 }, () => {
    client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0])); // succeeded (bound address unused)
    tunnel(client, upstream);
  });
});
const viaSocks = new Session({ ca: cert('ca.pem'), proxy: `socks5h://127.0.0.1:${await listen(socks)}` });
await show(viaSocks, `https://localhost:${targetPort}/`);

await Promise.all([viaHttp.close(), viaSocks.close()]);
for (const s of [target, httpProxy, socks]) s.close();
