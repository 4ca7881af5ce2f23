// SPDX-License-Identifier: MIT
// Soak test: many transfers through one Session (one Runtime, one Multi)
// against local node:http and node:https servers, in waves of concurrent
// requests: a mix of successes, 404s, refused connections, aborts and TLS
// transfers that each need a new connection (the server closes it), verified
// against the runtime's full root store plus the test CA. It prints the instance's
// vital signs at checkpoints and, at the end, compares them after warm-up
// with the end (flat = within a few percent). It exits non-zero when
// descriptors or easy handles leak, or when a transfer ends in a way the mix
// does not explain.
//
//   npx tsx bench/soak.ts [count] [wave]          (defaults: 100000, 200)
//   NODE_OPTIONS=--expose-gc npx tsx bench/soak.ts   (steadier heap figures)
import * as http from 'node:http';
import * as https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { CurlEasyError, Runtime, Session } from '../ts/index.js';
import { certs } from '../test/fixtures/servers.js';

const count = Number(process.argv[2] ?? 100_000);
const wave = Number(process.argv[3] ?? 200);
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(wave) || wave <= 0) {
  console.error('usage: npx tsx bench/soak.ts [count] [wave]');
  process.exit(2);
}
const every = count >= 20_000 ? 10_000 : Math.max(wave, Math.floor(count / 4 / wave) * wave);

// --- the server ------------------------------------------------------------
const small = Buffer.alloc(512, 0x61);
const large = Buffer.alloc(64 << 10, 0x62);
const server = http.createServer((req, res) => {
  switch (req.url) {
    case '/ok':
      return void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': small.length }).end(small);
    case '/large':
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': large.length }).end(large);
    case '/slow': {
      const t = setTimeout(() => res.writeHead(200, { 'content-length': 4 }).end('slow'), 50);
      res.once('close', () => clearTimeout(t));
      return;
    }
    default:
      res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 }).end('not found');
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const tlsServer = https.createServer(certs.server, (_req, res) => {
  // a fresh TLS connection (handshake, chain verification) for every transfer
  res.writeHead(200, { 'content-length': small.length, connection: 'close' }).end(small);
});
tlsServer.listen(0, '127.0.0.1');
await new Promise((r) => tlsServer.once('listening', r));
const tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;

/**
 * A port nothing listens on, below the ephemeral range: a free port inside it
 * may later be the local port of one of our own connections, and a connect
 * from 127.0.0.1:P to 127.0.0.1:P is a TCP self-connect, not a refusal.
 */
async function closedPort(): Promise<number> {
  let low = 32768;
  try {
    const { readFileSync } = await import('node:fs');
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: assume the IANA range starts above
  }
  for (let port = low - 1; port > 1024; port--) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below the ephemeral range');
}
const closed = await closedPort();

// --- the client --------------------------------------------------------------
const rt = await Runtime.create();
const session = new Session({ runtime: rt, cookies: false, ca: [...rootCertificates, certs.ca] });

type Kind = 'ok' | 'large' | 'notfound' | 'refused' | 'abort' | 'tls';
const MIX: Kind[] = ['ok', 'ok', 'ok', 'tls', 'large', 'notfound', 'tls', 'refused', 'abort', 'abort'];
const outcomes = new Map<string, number>();
const unexpected: string[] = [];
const note = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);

async function one(i: number): Promise<void> {
  const kind = MIX[i % MIX.length]!;
  const url =
    kind === 'ok'
      ? `${base}/ok`
      : kind === 'large'
        ? `${base}/large`
        : kind === 'notfound'
          ? `${base}/missing`
          : kind === 'refused'
            ? `http://127.0.0.1:${closed}/`
            : kind === 'tls'
              ? `${tlsBase}/tls`
              : `${base}/slow`;
  const ac = kind === 'abort' ? new AbortController() : undefined;
  const timer = ac ? setTimeout(() => ac.abort(), i % 20) : undefined;
  try {
    const res = await session.request(url, { signal: ac?.signal, timeoutMs: 30_000 });
    const body = await res.bytes();
    const expected =
      kind === 'ok' || kind === 'tls'
        ? [200, small.length]
        : kind === 'large'
          ? [200, large.length]
          : kind === 'notfound'
            ? [404, 9]
            : kind === 'abort'
              ? [200, 4]
              : undefined;
    if (!expected || res.status !== expected[0] || body.length !== expected[1]) {
      unexpected.push(`${kind}: HTTP ${res.status}, ${body.length} bytes`);
      note(`${kind}: unexpected`);
    } else note(kind === 'abort' ? 'abort: finished first' : kind);
  } catch (err) {
    const name = (err as Error)?.name;
    if (kind === 'abort' && name === 'AbortError') note('abort: aborted');
    else if (kind === 'refused' && err instanceof CurlEasyError && err.code === 'CURLE_COULDNT_CONNECT') note('refused');
    else {
      const what = err instanceof CurlEasyError ? `${err.code} ${err.message}` : `${name}: ${(err as Error)?.message}`;
      unexpected.push(`${kind}: ${what}`);
      note(`${kind}: unexpected`);
    }
  } finally {
    clearTimeout(timer);
  }
}

// --- vital signs -------------------------------------------------------------
interface Sample {
  done: number;
  wasm: number;
  inUse: number;
  rss: number;
  heapUsed: number;
  sockets: number;
  easy: number;
  ms: number;
}
const gc = (globalThis as { gc?: () => void }).gc;
const t0 = performance.now();
function sample(done: number): Sample {
  gc?.();
  const m = process.memoryUsage();
  return {
    done,
    wasm: rt.memory.size,
    inUse: rt.memory.inUse,
    rss: m.rss,
    heapUsed: m.heapUsed,
    sockets: rt.sockets.size,
    easy: rt.relays.easy.size,
    ms: performance.now() - t0,
  };
}
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const show = (s: Sample) =>
  `${String(s.done).padStart(7)} transfers  ${(s.ms / 1000).toFixed(1).padStart(6)} s  wasm ${mib(s.wasm)} (in use ${mib(s.inUse)})  rss ${mib(s.rss)}  heapUsed ${mib(s.heapUsed)}  sockets ${s.sockets}  easy handles ${s.easy}`;

console.log(`soak: ${count} transfers in waves of ${wave} against ${base} (${rt.version})${gc ? '' : ' — no --expose-gc: heap figures are noisy'}`);
const samples: Sample[] = [];
let maxSockets = 0;
let maxEasy = 0;
for (let done = 0; done < count; ) {
  const n = Math.min(wave, count - done);
  const inFlight = Array.from({ length: n }, (_, k) => one(done + k));
  // what is open while the wave runs
  await new Promise((r) => setImmediate(r));
  maxSockets = Math.max(maxSockets, rt.sockets.size);
  maxEasy = Math.max(maxEasy, rt.relays.easy.size);
  await Promise.all(inFlight);
  done += n;
  if (done % every === 0 || done === count) {
    const s = sample(done);
    samples.push(s);
    console.log(show(s));
  }
}

// --- the verdict ---------------------------------------------------------------
const end = samples.at(-1)!;
const warm = samples.length > 1 ? samples[0]! : end;
const pct = (a: number, b: number) => (a === 0 ? 0 : ((b - a) / a) * 100);
const flat = (label: string, a: number, b: number, tolerance: number) => {
  const p = pct(a, b);
  return `  ${label.padEnd(9)} ${mib(a).padStart(10)} -> ${mib(b).padStart(10)}  ${p >= 0 ? '+' : ''}${p.toFixed(1)}%  ${Math.abs(p) <= tolerance ? 'flat' : p > 0 ? 'GROWING' : 'shrank'}`;
};
const steady = { sockets: end.sockets, easy: end.easy, active: rt.activeTransfers };
await session.close();
const after = { sockets: rt.sockets.size, easy: rt.relays.easy.size, multi: rt.relays.multi.size };
server.closeAllConnections();
server.close();
tlsServer.closeAllConnections();
tlsServer.close();

console.log(
  `\noutcomes: ${[...outcomes]
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`,
);
console.log(`throughput: ${(count / (end.ms / 1000)).toFixed(0)} transfers/s; at most ${maxSockets} descriptors and ${maxEasy} easy handles open at once`);
console.log(`after warm-up (${warm.done}) vs end (${end.done}):`);
console.log(flat('wasm', warm.wasm, end.wasm, 2));
console.log(flat('in use', warm.inUse, end.inUse, 5));
console.log(flat('rss', warm.rss, end.rss, 5));
console.log(flat('heapUsed', warm.heapUsed, end.heapUsed, 10));
console.log(`between waves: ${steady.sockets} descriptors (curl's connection pool), ${steady.easy} easy handles, ${steady.active} transfers active`);
console.log(`after session.close(): ${after.sockets} descriptors, ${after.easy} easy handles, ${after.multi} multi handles`);

const failures: string[] = [];
if (steady.easy !== 0) failures.push(`${steady.easy} easy handles still open after every transfer settled`);
if (steady.active !== 0) failures.push(`${steady.active} transfers still counted active`);
if (after.sockets !== 0) failures.push(`${after.sockets} descriptors open after the session closed`);
if (after.easy !== 0 || after.multi !== 0) failures.push(`${after.easy} easy / ${after.multi} multi relays registered after the session closed`);
if (steady.sockets > wave * 4) failures.push(`${steady.sockets} descriptors open between waves (more than the pool can explain)`);
if (unexpected.length) failures.push(`${unexpected.length} unexpected outcomes, e.g. ${[...new Set(unexpected)].slice(0, 5).join(' | ')}`);
if (failures.length) {
  console.log(`\nFAIL\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('\nOK: no descriptor or handle leaked');
