// SPDX-License-Identifier: MIT
// Soak test: many transfers through one Runtime, in waves of concurrent
// requests, against bench/server.ts in a child process (so the servers'
// memory is not the client's). Each transfer takes its layer in turn — the
// binding (a fresh Easy on one Multi, Multi.run), request() and fetch() on
// one default Session (no `ca`: the runtime's default trust store, with the
// test CA added the way a user adds one, NODE_EXTRA_CA_CERTS) — and its kind
// from a mix: HTTP/1.1, HTTPS on a fresh connection for every transfer (a
// full handshake and chain check), HTTP/2 over TLS, a 64 KiB body, a 404, a
// redirect, a refused connection, a timeout and an abort. It samples memory
// fifty times (RSS with the kernel's split into file and anonymous pages, the
// V8 heap, external memory with the ArrayBuffers and the wasm memory, and what
// is left: native malloc), prints the series, and judges RSS, the JS heap and
// wasm memory against their level after warm-up, the first fifth of the run
// (./soak-verdict.ts), with V8's young generation fixed at its largest (it
// follows the throughput, not the count: V8_FLAGS below): the level at the
// end (the median of the last third) and the rise of the Theil-Sen line
// (median of pairwise slopes) through the samples after warm-up must stay
// within 5%, a single sample within 5% (RSS 10%: malloc keeps what a burst
// of throughput freed), and external memory's trend within 100 bytes per
// transfer. SOAK_LEAK=200 (200 bytes of ArrayBuffers per transfer) fails on
// external's trend; RSS alone may miss it within 100,000 transfers, since
// malloc first reuses the tens of MiB of free memory it keeps resident (one
// run: RSS +71 B/transfer, native -139). It exits non-zero when
// descriptors or easy handles leak, when a transfer ends in a way the mix does
// not explain, or when memory grows.
//
//   NODE_OPTIONS=--expose-gc npx tsx bench/soak.ts [count] [wave]        (defaults: 100000, 200)
//   LIBCURL_WASM_TLS=mbedtls NODE_OPTIONS=--expose-gc npx tsx bench/soak.ts  (TLS in the wasm)
//   SOAK_HEAP_SNAPSHOTS=DIR …   V8 heap snapshots after warm-up and at the end, to compare
//   SOAK_WITHOUT=https-fresh,… …  leaves kinds out of the mix, to locate growth
//   SOAK_LEAK=200 …              keeps 200 bytes of native memory per transfer: the verdict must fail
//   bench/soak-tls-control.ts    the fresh HTTPS connections alone, through plain node:tls
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { CurlEasyError, Easy, Multi, Runtime, Session } from '../ts/index.js';
import { SMALL_BODY } from './jobs.js';
import { judge, sign, slope } from './soak-verdict.js';

const caPath = fileURLToPath(new URL('../test/fixtures/certs/ca.pem', import.meta.url));
/**
 * V8 sizes its young generation by the allocation rate, up to 3 x 16 MiB: when
 * the throughput of this shared machine triples, heapTotal and RSS rise by
 * ~30 MiB and stay there while it lasts (an mbedTLS run: 130 -> 150 MiB at
 * 30 -> 200 transfers/s), which says nothing about leaks. The soak fixes it at
 * its largest; a leak still shows in the old generation and heapUsed.
 */
const V8_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
if (process.env.NODE_EXTRA_CA_CERTS !== caPath) {
  // Node reads it once at start-up: run again with the test CA, as a user would add theirs
  // (replacing any file the environment names: it takes one)
  const r = spawnSync(process.execPath, [...process.execArgv, ...V8_FLAGS, ...process.argv.slice(1)], {
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
/** Fifty samples; the first fifth of the run is the warm-up (RSS reaches its level within 10,000 transfers). */
const every = Math.max(wave, Math.floor(count / 50 / wave) * wave);
const warmUp = Math.max(every, Math.floor(count / 5 / every) * every);
const TOLERANCE = 5; // percent
/** A single RSS sample may stray further: V8 resizes its young generation with the allocation rate, malloc keeps what was freed. */
const RSS_PEAK = 10;
/** External memory (ArrayBuffers, wasm) is judged by its trend alone, in bytes per transfer: its samples jump by ±16 MiB. */
const EXTERNAL_SLOPE = 100;
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
const ALL: Kind[] = ['http', 'https-fresh', 'h2', 'big', 'notfound', 'redirect', 'refused', 'timeout', 'abort', 'h2-big'];
// SOAK_WITHOUT=kind,… leaves kinds out of the mix (to locate growth)
const without = new Set((process.env.SOAK_WITHOUT ?? '').split(',').filter(Boolean));
for (const k of without) if (!ALL.includes(k as Kind)) throw new Error(`SOAK_WITHOUT: no kind '${k}' (${ALL.join(', ')})`);
const MIX = ALL.filter((k) => !without.has(k));
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

/** SOAK_LEAK=N: keeps N bytes of native memory per transfer (N*100, written, every 100th), to show that the verdict catches such a leak. */
const LEAK = Number(process.env.SOAK_LEAK ?? 0);
const leaked: Buffer[] = [];

async function one(i: number): Promise<void> {
  if (LEAK && i % 100 === 0) leaked.push(Buffer.allocUnsafeSlow(LEAK * 100).fill(i));
  // every layer meets every kind, whatever the mix's length
  const layer = LAYERS[Math.floor(i / MIX.length) % LAYERS.length]!;
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
  /** RSS split by the kernel (/proc/self/status): anonymous pages (heaps, malloc) and file pages (node's code, mapped files). */
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** V8's own malloc (not the JS heap). */
  malloced: number;
  sockets: number;
  ms: number;
}
const gc = (globalThis as { gc?: () => void }).gc;
const t0 = performance.now();
function sample(done: number): Sample {
  gc?.();
  const m = process.memoryUsage();
  const status = readStatus();
  return {
    done,
    wasm: rt.memory.size,
    inUse: rt.memory.inUse,
    rss: m.rss,
    anon: status.RssAnon ?? 0,
    file: status.RssFile ?? 0,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    malloced: getHeapStatistics().malloced_memory,
    sockets: rt.sockets.size,
    ms: performance.now() - t0,
  };
}
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
/** Anonymous memory that is neither the JS heap nor external (ArrayBuffers, wasm): native malloc (OpenSSL, libuv, node), what malloc keeps, and pages V8 pools after shrinking its heap (heapTot falling 48 -> 25 MiB moves them here, RSS unchanged). */
const native = (s: Sample) => s.anon - s.heapTotal - s.external;
/** /proc/self/status's kB fields, in bytes ({} off Linux). */
function readStatus(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const m of readFileSync('/proc/self/status', 'latin1').matchAll(/^(\w+):\s+(\d+) kB$/gm)) out[m[1]!] = Number(m[2]) * 1024;
  } catch {
    // not Linux
  }
  return out;
}

console.log(
  `soak: ${count} transfers in waves of ${wave}, ${rt.tls} TLS, ${rt.version.split(' ')[0]}; warm-up ${warmUp}, a sample every ${every}` +
    (gc ? '' : ' — no --expose-gc: heap figures are noisy') +
    (without.size ? `; without ${[...without].join(', ')}` : '') +
    (LEAK ? `; SOAK_LEAK: keeping ${LEAK} B per transfer` : ''),
);
console.log(`servers: bench/server.ts (pid ${server.pid}); trust store: the runtime's default + NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`);
/** The table's columns (MiB but for the first two and the last). */
const COLUMNS: [string, (s: Sample) => string][] = [
  ['done', (s) => String(s.done)],
  ['s', (s) => (s.ms / 1000).toFixed(1)],
  ['per s', (s) => rate(s).toFixed(0)],
  ['rss', (s) => mib(s.rss)],
  ['anon', (s) => mib(s.anon)],
  ['file', (s) => mib(s.file)],
  ['heapTot', (s) => mib(s.heapTotal)],
  ['heapUsed', (s) => mib(s.heapUsed)],
  ['external', (s) => mib(s.external)],
  ['arrBufs', (s) => mib(s.arrayBuffers)],
  ['v8malloc', (s) => mib(s.malloced)],
  ['native', (s) => mib(native(s))],
  ['wasm', (s) => mib(s.wasm)],
  ['inUse', (s) => mib(s.inUse)],
  ['sockets', (s) => String(s.sockets)],
];
/** Transfers per second since the previous sample: RSS follows it (V8's young generation, malloc's high-water mark). */
const rate = (s: Sample) => {
  const prev = samples[samples.indexOf(s) - 1];
  return ((s.done - (prev?.done ?? 0)) / (s.ms - (prev?.ms ?? 0))) * 1000;
};
const row = (cells: string[]) => cells.map((c, k) => c.padStart(k === 0 ? 7 : 9)).join('');
console.log(`${row(COLUMNS.map(([h]) => h))}   (MiB; anon + file = rss; external includes arrBufs and wasm; native = anon - heapTot - external)`);
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
    console.log(`${row(COLUMNS.map(([, f]) => f(s)))}${s.done === warmUp ? '  <- warm-up done' : ''}`);
  }
}

// --- the verdict ---------------------------------------------------------------------
const end = samples.at(-1)!;
const after = samples.filter((s) => s.done > warmUp);
const growth: string[] = [];
const points = (pick: (s: Sample) => number) => samples.map((s) => ({ done: s.done, value: pick(s) }));
function flat(label: string, pick: (s: Sample) => number, peakTolerance: number | undefined): string {
  const j = judge(points(pick), warmUp, TOLERANCE, peakTolerance ?? Number.POSITIVE_INFINITY);
  const judged = peakTolerance !== undefined;
  if (judged && j.failed.length) growth.push(`${label}: ${j.failed.join(', ')}`);
  const verdict = j.failed.length ? (judged ? 'GROWING' : 'grew') : j.levelPct < -TOLERANCE ? 'shrank' : 'flat';
  return `  ${label.padEnd(8)} ${mib(j.base).padStart(7)} -> ${mib(j.level).padStart(7)} MiB  level ${sign(j.levelPct).padStart(6)}  trend ${sign(j.risePct).padStart(6)} (${j.slope.toFixed(1).padStart(6)} B/transfer)  peak ${sign(j.peakPct).padStart(6)}  ${verdict}`;
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
console.log(
  `level after warm-up (median of ${warmUp / 2}-${warmUp}) -> level at the end (median of the last third), the Theil-Sen line's rise over the ${after.length} samples after warm-up, the highest sample; ` +
    `judged: level and trend within ${TOLERANCE}%, peak within ${TOLERANCE}% (rss ${RSS_PEAK}%):`,
);
console.log(flat('rss', (s) => s.rss, RSS_PEAK));
console.log(flat('heapUsed', (s) => s.heapUsed, TOLERANCE));
console.log(flat('wasm', (s) => s.wasm, TOLERANCE));
console.log("rss's parts (not judged; external includes the wasm memory and ArrayBuffers):");
console.log(flat('file', (s) => s.file, undefined));
console.log(flat('heapTot', (s) => s.heapTotal, undefined));
console.log(flat('external', (s) => s.external, undefined));
// ArrayBuffers kept per transfer show here byte for byte, while in RSS malloc's resident free memory absorbs them first
const externalSlope = slope(points((s) => s.external).filter((p) => p.done > warmUp));
if (after.length >= 3 && externalSlope > EXTERNAL_SLOPE) growth.push(`external: trend ${externalSlope.toFixed(0)} B/transfer (more than ${EXTERNAL_SLOPE})`);
console.log(flat('native', native, undefined));
console.log(flat('in use', (s) => s.inUse, undefined));
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
if (after.length >= 3) failures.push(...growth);
if (failures.length) {
  console.log(`\nFAIL\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('\nOK: memory flat, no descriptor or handle leaked');
