// SPDX-License-Identifier: MIT
// The WorkerPool benchmark: `npx tsx bench/pool.ts [--runs N] [--requests N]
// [--size-mib N] [--parallel N] [--only small,big] [--out DIR]`.
//
// How throughput scales from 1 to 2 workers: the same workloads through the
// single-thread Session (reference), WorkerPool with 1 worker and with 2.
//   small  10,000 GETs of a 128-byte body, 100 in flight (HTTP/1.1)
//   big    8 downloads of 256 MiB at once (HTTP/1.1)
// Every client ends with each body whole on the main thread (Session:
// response.bytes(); pool: the transferred body).
//
// The server is Debian's nginx with 2 worker processes, not Node's: a Node
// http server is one thread, and on a 2-core machine it would need a core of
// its own to keep up with two wasm workers; nginx parses HTTP in C and sends
// the files with sendfile(2), so it takes the least CPU from the clients.
// Its access log ($connection $status $body_bytes_sent, one line per request,
// truncated before each run) is what the verification counts.
//
// As bench/run.ts does: a fresh process per run (bench/pool-client.ts), the
// order of the clients rotated each run, every run verified (statuses on both
// sides, bytes on both sides, sampled body bytes), median [min–max] over the
// verified runs.
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchNginx, preamble } from '../test/interop/nginx.js';
import { SMALL_BODY, writePatternFile } from './jobs.js';
import type { PoolClient, PoolJob, PoolResult, PoolWorkload } from './pool-client.js';
import { stat, type Stat } from './report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const MiB = 1 << 20;
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(opt('runs') ?? 5);
const requests = Number(opt('requests') ?? 10_000);
const size = Number(opt('size-mib') ?? 256) * MiB;
const parallel = Number(opt('parallel') ?? 8);
const warmupBytes = Math.min(32 * MiB, size / 4);
const only = (opt('only')?.split(',') ?? ['small', 'big']) as PoolWorkload[];
const outDir = opt('out') ?? join(here, 'results', 'pool');
const CLIENTS: PoolClient[] = ['session', 'pool-1', 'pool-2'];

// --- nginx ----------------------------------------------------------------------

interface Server {
  origin: string;
  /** Lines of the access log since the last reset: [connection, status, bytes]. */
  log(): [number, number, number][];
  reset(): void;
  stop(): void;
}

async function startNginx(): Promise<Server> {
  const nginx = await launchNginx({
    listeners: ['http'] as const,
    prepare: (dir) => {
      writeFileSync(join(dir, 'www', 'small'), SMALL_BODY);
      writePatternFile(join(dir, 'www', 'big'), size);
      writePatternFile(join(dir, 'www', 'warm'), warmupBytes);
    },
    config: (dir, loadEcho, p) => `${preamble(dir, loadEcho, 'bench/pool.ts', 2)}
  log_format counts '$connection $status $body_bytes_sent';
  access_log ${dir}/access.log counts;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${p.http} backlog=4096;
    root ${dir}/www;
  }
}
`,
    probe: { listener: 'http', path: '/small' },
  });
  const log = join(nginx.dir, 'access.log');
  process.once('exit', () => void nginx.stop());
  return {
    origin: `http://127.0.0.1:${nginx.ports.http}`,
    // the probe's line is dropped by the first reset
    log: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').map(Number) as [number, number, number]),
    reset: () => writeFileSync(log, ''), // nginx appends (O_APPEND): it carries on at the new end
    stop: () => void nginx.stop(),
  };
}

// --- a run ------------------------------------------------------------------------

function runClient(job: PoolJob): Promise<PoolResult> {
  const child = fork(join(here, 'pool-client.ts'), [], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('client timed out after 600 s'))), 600_000);
    child.on('message', (m: { result?: PoolResult; error?: string }) => {
      clearTimeout(timer);
      if (m.result) resolve(m.result);
      else reject(new Error(m.error));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`client exited ${code} without an answer`));
    });
    child.send(job);
  });
}

function verify(job: PoolJob, r: PoolResult, log: [number, number, number][]): string[] {
  const bad: string[] = [];
  const ok = r.statuses['200'] ?? 0;
  if (ok !== r.expected || Object.keys(r.statuses).length !== 1) bad.push(`client saw ${JSON.stringify(r.statuses)}, expected ${r.expected}×200`);
  const served = log.filter(([, s]) => s === 200).length;
  if (served !== r.expected || log.length !== served) bad.push(`nginx logged ${served}×200 of ${log.length}, expected ${r.expected}`);
  const timedBytes = job.workload === 'small' ? job.requests * SMALL_BODY.length : job.parallel * job.size;
  if (r.bytes !== timedBytes) bad.push(`received ${r.bytes} body bytes, expected ${timedBytes}`);
  const sent = log.reduce((n, [, , b]) => n + b, 0);
  const warm = job.workload === 'small' ? job.warmup * SMALL_BODY.length : job.parallel * job.warmupBytes;
  if (sent !== timedBytes + warm) bad.push(`nginx sent ${sent} body bytes, expected ${timedBytes + warm}`);
  if (r.corrupt) bad.push(`${r.corrupt} bodies with wrong bytes`);
  const workers = job.client === 'pool-2' ? 2 : 1;
  if (Object.keys(r.perThread).length !== workers) bad.push(`the timed part ran on ${Object.keys(r.perThread).length} threads, expected ${workers}`);
  return bad;
}

interface Row {
  workload: PoolWorkload;
  client: PoolClient;
  runs: { ok: boolean; problems: string[]; result?: PoolResult; connections?: number }[];
}

const metric = (w: PoolWorkload, r: PoolResult) => (w === 'small' ? r.bytes / 128 / (r.ms / 1000) : r.bytes / 1e6 / (r.ms / 1000));
const unit = (w: PoolWorkload) => (w === 'small' ? 'req/s' : 'MB/s');
const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : 2));
const cellText = (s: Stat | undefined) => (s ? `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]${s.n < s.of ? ` (${s.n}/${s.of})` : ''}` : 'failed');

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const server = await startNginx();
  const load0 = loadavg();
  const t0 = Date.now();
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: here, encoding: 'utf8' }).stdout.trim();
  console.log(
    `pool bench: runs=${runs} requests=${requests} parallel=${parallel}×${size / MiB} MiB, nginx at ${server.origin}, load ${load0.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const rows: Row[] = [];
  for (const workload of only) {
    const byClient = new Map(CLIENTS.map((c) => [c, { workload, client: c, runs: [] } as Row]));
    rows.push(...byClient.values());
    for (let run = 0; run < runs; run++) {
      for (const client of CLIENTS.map((_, i) => CLIENTS[(i + run) % CLIENTS.length]!)) {
        const job: PoolJob = {
          client,
          workload,
          origin: server.origin,
          requests,
          concurrency: workload === 'small' ? 100 : parallel,
          parallel,
          size,
          warmup: 500,
          warmupBytes,
        };
        server.reset();
        let rec: Row['runs'][number];
        try {
          const result = await runClient(job);
          await new Promise((r) => setTimeout(r, 100)); // nginx logs a request when it finalizes it
          const log = server.log();
          const problems = verify(job, result, log);
          rec = { ok: problems.length === 0, problems, result, connections: new Set(log.map(([c]) => c)).size };
        } catch (err) {
          rec = { ok: false, problems: [String((err as Error).message).split('\n')[0]!] };
        }
        byClient.get(client)!.runs.push(rec);
        const r = rec.result;
        console.log(
          `  ${workload.padEnd(5)} run ${run + 1}/${runs} ${client.padEnd(8)} ${r ? `${fmt(metric(workload, r)).padStart(8)} ${unit(workload)}  cpu ${(r.cpuMs / 1000).toFixed(2)} s  wall ${(r.ms / 1000).toFixed(2)} s  start ${r.startMs.toFixed(0)} ms  rss ${(r.peakRss / MiB).toFixed(0)} MiB  conns ${rec.connections}  threads ${JSON.stringify(r.perThread)}` : ''}${rec.ok ? '' : `  FAILED: ${rec.problems.join('; ')}`}`,
        );
      }
    }
  }
  server.stop();
  const load1 = loadavg();

  const L: string[] = [];
  L.push(`# WorkerPool: throughput from 1 to 2 workers`, '');
  L.push(
    `${new Date(t0).toISOString()}, git ${head}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average ${load0.map((x) => x.toFixed(2)).join('/')} at start, ${load1.map((x) => x.toFixed(2)).join('/')} at end; took ${Math.round((Date.now() - t0) / 1000)} s.`,
  );
  L.push(`Server: nginx, 2 worker processes, sendfile. Each cell: median [min–max] over the verified runs (${runs} per cell, a fresh process per run).`, '');
  L.push('| workload | Session (1 thread) | WorkerPool, 1 worker | WorkerPool, 2 workers | scaling 1→2 workers | pool-2 vs Session |');
  L.push('| --- | --- | --- | --- | --- | --- |');
  const cpuL: string[] = ['', '| CPU seconds of the process (all threads) per run, median | Session | pool-1 | pool-2 |', '| --- | --- | --- | --- |'];
  for (const w of only) {
    const s = (c: PoolClient) => {
      const ok = rows.find((r) => r.workload === w && r.client === c)!.runs.filter((r) => r.ok);
      return {
        v: stat(
          ok.map((r) => metric(w, r.result!)),
          runs,
        ),
        cpu: stat(
          ok.map((r) => r.result!.cpuMs / 1000),
          runs,
        ),
      };
    };
    const [se, p1, p2] = CLIENTS.map(s) as [ReturnType<typeof s>, ReturnType<typeof s>, ReturnType<typeof s>];
    const ratio = (a?: Stat, b?: Stat) => (a && b ? `${(a.median / b.median).toFixed(2)}×` : '—');
    const title =
      w === 'small'
        ? `${requests.toLocaleString('en-US')} GETs of 128 B, 100 in flight (${unit(w)})`
        : `${parallel} × ${size / MiB} MiB downloads at once (${unit(w)})`;
    L.push(`| ${title} | ${cellText(se.v)} | ${cellText(p1.v)} | ${cellText(p2.v)} | **${ratio(p2.v, p1.v)}** | ${ratio(p2.v, se.v)} |`);
    cpuL.push(`| ${w} | ${[se, p1, p2].map((x) => (x.cpu ? x.cpu.median.toFixed(2) : '—')).join(' | ')} |`);
  }
  L.push(...cpuL);
  const failed = rows.flatMap((r) => r.runs.filter((x) => !x.ok).map((x) => `- ${r.workload} ${r.client}: ${x.problems.join('; ')}`));
  if (failed.length) L.push('', '## Failed runs (excluded)', ...failed);
  const md = `${L.join('\n')}\n`;
  writeFileSync(join(outDir, 'latest.md'), md);
  writeFileSync(
    join(outDir, 'latest.json'),
    JSON.stringify({ date: new Date(t0).toISOString(), git: head, loadavgStart: load0, loadavgEnd: load1, runs, requests, parallel, size, rows }, null, 1),
  );
  console.log(`\n${md}wrote ${join(outDir, 'latest.md')}, latest.json`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
