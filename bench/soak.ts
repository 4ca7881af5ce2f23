// SPDX-License-Identifier: MIT
// Soak test: many transfers through one Runtime, in waves of concurrent
// requests, against bench/server.ts in a child process (so the servers'
// memory is not the client's). Each transfer takes its layer in turn — the
// binding (a fresh Easy on one Multi, Multi.run), request() and fetch() on
// one default Session (no `ca`: the runtime's default trust store, with the
// test CA added the way a user adds one, NODE_EXTRA_CA_CERTS) — and its kind
// from a mix: HTTP/1.1, HTTPS on a fresh connection for every transfer (a
// full handshake and chain check), HTTP/2 over TLS, a 64 KiB body, a 404, a
// redirect, a refused connection, a timeout and an abort. It samples RSS, the
// JS heap and wasm memory over the run, prints the series, and compares each
// sample after warm-up with the level at the end of warm-up (flat = within
// 5%). It exits non-zero when descriptors or easy handles leak, when a
// transfer ends in a way the mix does not explain, or when memory grows.
//
//   NODE_OPTIONS=--expose-gc npx tsx bench/soak.ts [count] [wave]        (defaults: 100000, 200)
//   LIBCURL_WASM_TLS=mbedtls NODE_OPTIONS=--expose-gc npx tsx bench/soak.ts  (TLS in the wasm)
//   SOAK_HEAP_SNAPSHOTS=DIR …   V8 heap snapshots after warm-up and at the end, to compare
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { CurlEasyError, Easy, Multi, Runtime, Session } from '../ts/index.js';
import { SMALL_BODY } from './jobs.js';

const caPath = fileURLToPath(new URL('../test/fixtures/certs/ca.pem', import.meta.url));
if (process.env.NODE_EXTRA_CA_CERTS !== caPath) {
  // Node reads it once at start-up: run again with the test CA, as a user would add theirs
  // (replacing any file the environment names: it takes one)
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
  });
  process.exit(r.status ?? 1);
}

const count = Number(process.argv[2] ?? 100_000);
const wave = Number(process.argv[3] ?? 200);
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(wave) || wave <= 0) {
  console.error('usage: npx tsx bench/soak.ts [count] [wave]');
  process.exit(2);
}
/** A sample every `every` transfers; the first tenth of the run is the warm-up. */
const every = Math.max(wave, Math.floor(count / 20 / wave) * wave);
const warmUp = Math.max(every, Math.floor(count / 10 / every) * every);
const TOLERANCE = 5; // percent
const BIG = 64 << 10;
const TIMEOUT_MS = 100; // against a 2 s /slow
const PATIENCE_MS = 60_000; // every other transfer's own timeout

// --- the servers (bench/server.ts, a child process) ------------------------------
const here = fileURLToPath(new URL('.', import.meta.url));
const server: ChildProcess = fork(`${here}server.ts`, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ports = await new Promise<Record<'http' | 'https' | 'h2', number>>((resolve, reject) => {
  server.once('error', reject);
  server.once('exit', (code) => reject(new Error(`bench/server.ts exited (${code})`)));
  server.on('message', (m: { ready?: boolean; ports?: Record<'http' | 'https' | 'h2', number> }) => m.ready && resolve(m.ports!));
});
const http1 = `http://127.0.0.1:${ports.http}`;
const https1 = `https://127.0.0.1:${ports.https}`;
const h2 = `https://127.0.0.1:${ports.h2}`;

/**
 * A port nothing listens on, below the ephemeral range: a free port inside it
 * may later be the local port of one of our own connections, and a connect
 * from 127.0.0.1:P to 127.0.0.1:P is a TCP self-connect, not a refusal.
 */
async function closedPort(): Promise<number> {
  let low = 32768;
  try {
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
const refusedPort = await closedPort();
const refused = `http://127.0.0.1:${refusedPort}/`;
/** Whether something accepts a connection on `port` now. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// --- the client ------------------------------------------------------------------------
const rt = await Runtime.create();
const session = new Session({ runtime: rt });
const multi = new Multi(rt);
// what a user of the binding passes for the runtime's default store (Session does the same itself)
const defaultCa = `${[...rootCertificates, readFileSync(caPath, 'latin1')].join('\n')}\n`;

type Layer = 'binding' | 'request' | 'fetch';
const LAYERS: Layer[] = ['binding', 'request', 'fetch'];
type Kind = 'http' | 'https-fresh' | 'h2' | 'big' | 'notfound' | 'redirect' | 'refused' | 'timeout' | 'abort' | 'h2-big';
const MIX: Kind[] = ['http', 'https-fresh', 'h2', 'big', 'notfound', 'redirect', 'refused', 'timeout', 'abort', 'h2-big'];
const URLS: Record<Kind, string> = {
  http: `${http1}/small`,
  'https-fresh': `${https1}/small?close=1`,
  h2: `${h2}/small`,
  big: `${http1}/big?n=${BIG}`,
  notfound: `${http1}/missing`,
  redirect: `${http1}/redirect`,
  refused,
  timeout: `${http1}/slow?ms=2000`,
  abort: `${http1}/slow?ms=50`,
  'h2-big': `${h2}/big?n=${BIG}`,
};
const EXPECTED: Partial<Record<Kind, [number, number]>> = {
  http: [200, SMALL_BODY.length],
  'https-fresh': [200, SMALL_BODY.length],
  h2: [200, SMALL_BODY.length],
  big: [200, BIG],
  notfound: [404, 0],
  redirect: [200, SMALL_BODY.length],
  abort: [200, SMALL_BODY.length], // when the server answers before the abort
  'h2-big': [200, BIG],
};

const outcomes = new Map<string, number>();
const unexpected: string[] = [];
const note = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);

/** One transfer through the binding: status and body length, or a throw. */
async function viaBinding(url: string, kind: Kind, signal: AbortSignal | undefined): Promise<[number, number]> {
  const easy = new Easy(rt);
  let bytes = 0;
  try {
    easy.setOpt('URL', url).setOpt('WRITEFUNCTION', (d: Uint8Array) => void (bytes += d.length));
    easy.setOpt('FOLLOWLOCATION', 1).setOpt('TIMEOUT_MS', kind === 'timeout' ? TIMEOUT_MS : PATIENCE_MS);
    if (url.startsWith('https:')) easy.setOpt('CAINFO_BLOB', defaultCa);
    if (kind === 'h2' || kind === 'h2-big') easy.setOpt('HTTP_VERSION', 3 /* 2_0 */).setOpt('PIPEWAIT', 1);
    const onAbort = () => multi.abort(easy, signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await multi.run(easy);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return [easy.getInfo('RESPONSE_CODE') as number, bytes];
  } finally {
    easy.close();
  }
}

async function one(i: number): Promise<void> {
  const layer = LAYERS[i % LAYERS.length]!;
  const kind = MIX[i % MIX.length]!;
  const url = URLS[kind];
  const ac = kind === 'abort' ? new AbortController() : undefined;
  const timer = ac ? setTimeout(() => ac.abort(), i % 20) : undefined;
  const timeoutMs = kind === 'timeout' ? TIMEOUT_MS : PATIENCE_MS;
  try {
    let got: [number, number];
    if (layer === 'binding') got = await viaBinding(url, kind, ac?.signal);
    else if (layer === 'request') {
      const res = await session.request(url, { signal: ac?.signal, timeoutMs });
      got = [res.status, (await res.bytes()).length];
    } else {
      const res = await session.fetch(url, { signal: ac?.signal, timeoutMs });
      got = [res.status, (await res.arrayBuffer()).byteLength];
    }
    const want = EXPECTED[kind];
    if (!want || got[0] !== want[0] || got[1] !== want[1]) {
      unexpected.push(`${layer} ${kind}: HTTP ${got[0]}, ${got[1]} bytes`);
      note(`${kind}: unexpected`);
    } else note(kind === 'abort' ? 'abort: finished first' : kind);
  } catch (err) {
    const name = (err as Error)?.name;
    // fetch() rejects with TypeError('fetch failed', { cause }) as WHATWG fetch does
    const curl = err instanceof CurlEasyError ? err : (err as Error)?.cause instanceof CurlEasyError ? ((err as Error).cause as CurlEasyError) : undefined;
    if (kind === 'abort' && name === 'AbortError') note('abort: aborted');
    else if (kind === 'refused' && curl?.code === 'CURLE_COULDNT_CONNECT') note('refused');
    else if (kind === 'timeout' && curl?.code === 'CURLE_OPERATION_TIMEDOUT') note('timeout');
    else {
      let what = curl ? `${curl.code} ${curl.message}` : `${name}: ${(err as Error)?.message}`;
      // this machine is shared: another process may have started listening on the port chosen as closed
      if (kind === 'refused') what += (await listening(refusedPort)) ? ` (port ${refusedPort} now has a listener)` : ` (port ${refusedPort} still refuses)`;
      unexpected.push(`${layer} ${kind}: ${what}`);
      note(`${kind}: unexpected`);
    }
  } finally {
    clearTimeout(timer);
  }
}

// --- vital signs -----------------------------------------------------------------
interface Sample {
  done: number;
  wasm: number;
  inUse: number;
  rss: number;
  heapUsed: number;
  sockets: number;
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
    ms: performance.now() - t0,
  };
}
const mib = (n: number) => (n / 2 ** 20).toFixed(1);

console.log(
  `soak: ${count} transfers in waves of ${wave}, ${rt.tls} TLS, ${rt.version.split(' ')[0]}; warm-up ${warmUp}, a sample every ${every}` +
    (gc ? '' : ' — no --expose-gc: heap figures are noisy'),
);
console.log(`servers: bench/server.ts (pid ${server.pid}); trust store: the runtime's default + NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`);
console.log('   done      s   rss MiB  heap MiB  wasm MiB  in use MiB  sockets');
const samples: Sample[] = [];
let maxSockets = 0;
for (let done = 0; done < count; ) {
  const n = Math.min(wave, count - done);
  const inFlight = Array.from({ length: n }, (_, k) => one(done + k));
  await new Promise((r) => setImmediate(r));
  maxSockets = Math.max(maxSockets, rt.sockets.size);
  await Promise.all(inFlight);
  done += n;
  if (done % every === 0 || done === count) {
    const s = sample(done);
    samples.push(s);
    const snapshots = process.env.SOAK_HEAP_SNAPSHOTS;
    if (snapshots && (done === warmUp || done === count)) writeHeapSnapshot(`${snapshots}/soak-${done}.heapsnapshot`);
    console.log(
      `${String(s.done).padStart(7)} ${(s.ms / 1000).toFixed(1).padStart(6)} ${mib(s.rss).padStart(9)} ${mib(s.heapUsed).padStart(9)} ${mib(s.wasm).padStart(9)} ${mib(s.inUse).padStart(11)} ${String(s.sockets).padStart(8)}${s.done === warmUp ? '  <- warm-up done' : ''}`,
    );
  }
}

// --- the verdict ---------------------------------------------------------------------
const end = samples.at(-1)!;
const warm = samples.find((s) => s.done === warmUp) ?? samples[0]!;
const after = samples.filter((s) => s.done > warm.done);
const pct = (a: number, b: number) => (a === 0 ? 0 : ((b - a) / a) * 100);
const sign = (p: number) => `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
const growth: string[] = [];
function flat(label: string, pick: (s: Sample) => number, judged: boolean): string {
  const base = pick(warm);
  const devs = after.map((s) => pct(base, pick(s)));
  const lo = Math.min(0, ...devs);
  const hi = Math.max(0, ...devs);
  const last = pct(base, pick(end));
  // only growth fails: memory given back below the warm-up level is no leak
  const grew = last > TOLERANCE || hi > TOLERANCE;
  if (judged && grew) growth.push(`${label} ${sign(last)} at the end, at most ${sign(hi)}`);
  const verdict = grew ? (judged ? 'GROWING' : 'grew') : lo < -TOLERANCE ? 'shrank' : 'flat';
  return `  ${label.padEnd(8)} ${mib(base).padStart(7)} MiB -> ${mib(pick(end)).padStart(7)} MiB  end ${sign(last).padStart(6)}  range over the run [${sign(lo)}, ${sign(hi)}]  ${verdict}`;
}
const steady = { sockets: end.sockets, easy: rt.relays.easy.size, active: rt.activeTransfers };
multi.close();
await session.close();
const closed = { sockets: rt.sockets.size, easy: rt.relays.easy.size, multi: rt.relays.multi.size };
server.disconnect();

console.log(
  `\noutcomes: ${[...outcomes]
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`,
);
console.log(`throughput: ${(count / (end.ms / 1000)).toFixed(0)} transfers/s; at most ${maxSockets} descriptors open at once`);
console.log(`after warm-up (${warm.done}) vs each later sample (${after.length}), tolerance ${TOLERANCE}%:`);
console.log(flat('rss', (s) => s.rss, true));
console.log(flat('heapUsed', (s) => s.heapUsed, true));
console.log(flat('wasm', (s) => s.wasm, true));
console.log(flat('in use', (s) => s.inUse, false));
console.log(
  `between waves: ${steady.sockets} descriptors (curl's connection pool), ${steady.easy} easy handles (the Session's idle ones), ${steady.active} transfers active`,
);
console.log(`after close(): ${closed.sockets} descriptors, ${closed.easy} easy handles, ${closed.multi} multi handles`);

const failures: string[] = [];
// the Session keeps up to 256 reset handles for its next requests (IDLE_HANDLES in ts/api/session.ts)
if (steady.easy > 256) failures.push(`${steady.easy} easy handles still open after every transfer settled`);
if (steady.active !== 0) failures.push(`${steady.active} transfers still counted active`);
if (closed.sockets !== 0) failures.push(`${closed.sockets} descriptors open after the session and the multi closed`);
if (closed.easy !== 0 || closed.multi !== 0) failures.push(`${closed.easy} easy / ${closed.multi} multi relays registered after close`);
if (steady.sockets > wave * 4) failures.push(`${steady.sockets} descriptors open between waves (more than the pool can explain)`);
if (unexpected.length) failures.push(`${unexpected.length} unexpected outcomes, e.g. ${[...new Set(unexpected)].slice(0, 5).join(' | ')}`);
if (after.length >= 2) failures.push(...growth);
if (failures.length) {
  console.log(`\nFAIL\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('\nOK: memory flat, no descriptor or handle leaked');
