// SPDX-License-Identifier: MIT
// The benchmark: `npx tsx bench/run.ts [--quick] [--only A,C] [--runs N]
// [--clients wasm,undici] [--size-mib N] [--tls-size-mib N] [--upload-mib N] [--requests N]
// [--cpu-prof CLIENT] [--wasm PATH] [--timeout-s N] [--out DIR] [--server node|nginx]`.
//
// Starts the servers (bench/server.ts: Node's; with --server nginx,
// bench/nginx-server.ts: Debian's nginx) in a child process, then for each
// workload runs every client in a fresh worker process (bench/worker.ts),
// interleaved run by run so that every client sees the same machine load,
// verifies each run (bytes, statuses on both sides, the server's own
// connection count, the negotiated protocol) and writes
// bench/results/latest.{json,md} and bench/results/ratios.svg.
import { fork, type ChildProcess } from 'node:child_process';
import { build, buildSync, type Plugin } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLIENTS, writePatternFile, type Client, type Job, type JobResult, type Workload } from './jobs.js';
import { renderSvg } from './svg.js';
import { markdown, METRICS, protoOf, ratioRows, summarise, type Cell, type RunRecord, type ServerStats } from './report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const MiB = 1 << 20;

// --- options -------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('quick');
const runs = Number(opt('runs') ?? (quick ? 1 : 5));
const downloadSize = Number(opt('size-mib') ?? (quick ? 16 : 1024)) * MiB;
/** B/B2 (TLS) may be given a smaller size than A on a slow machine. */
const tlsDownloadSize = Number(opt('tls-size-mib') ?? downloadSize / MiB) * MiB;
const uploadSize = Number(opt('upload-mib') ?? (quick ? 16 : 256)) * MiB;
const requests = Number(opt('requests') ?? (quick ? 1000 : 10_000));
const concurrency = 100;
/** H: the connection cap of its one Multi (0: none, every transfer may open its own). */
const hConns = Number(opt('h-conns') ?? 0);
const warmup = Number(opt('warmup') ?? 500);
const serverKind = opt('server') ?? 'node';
if (serverKind !== 'node' && serverKind !== 'nginx') throw new Error(`--server ${serverKind}: node or nginx`);
/** The nginx run's results go beside the Node run's. */
const outDir = opt('out') ?? join(here, 'results', serverKind === 'nginx' ? 'nginx' : '');
const cpuProf = opt('cpu-prof') as Client | undefined;
const wasmPath = opt('wasm');
/** Measure a git ref (`git archive REF ts wasm/libcurl.wasm`) instead of the working tree. */
const gitRef = opt('ref');
const workerTimeoutMs = Number(opt('timeout-s') ?? 900) * 1000;

/** Which clients can run each workload (the rest are n/a). */
const WORKLOADS: Record<Workload, { title: string; clients: readonly Client[] }> = {
  A: { title: 'download over HTTP/1.1', clients: CLIENTS },
  B: { title: 'download over HTTPS (TLS 1.3, HTTP/1.1)', clients: CLIENTS },
  B2: { title: 'download over HTTP/2 (TLS 1.3)', clients: ['wasm', 'wasm-request', 'wasm-fetch', 'curl', 'undici', 'node-libcurl'] },
  C: { title: 'sequential small GETs, one keep-alive connection', clients: CLIENTS },
  D: { title: 'small GETs, 100 in flight (HTTP/1.1)', clients: CLIENTS },
  D2: { title: 'small GETs, 100 in flight, multiplexed over HTTP/2', clients: ['wasm', 'wasm-request', 'wasm-fetch', 'curl', 'undici', 'node-libcurl'] },
  E: { title: 'upload (PUT) over HTTP/1.1', clients: CLIENTS },
  G: {
    title: 'start-up: import, compile, instantiate, first GET',
    clients: ['wasm', 'wasm-fetch', 'wasm-request', 'curl', 'undici', 'node-fetch', 'node-libcurl'],
  },
  H: { title: 'transfers added at once to one Multi', clients: ['wasm', 'undici', 'node-libcurl'] },
};
const ORDER: Workload[] = ['A', 'B', 'B2', 'C', 'D', 'D2', 'E', 'G', 'H'];
const only = opt('only')
  ?.split(',')
  .map((s) => s.trim().toUpperCase())
  .map((s) => (s === 'F' ? 'D' : s)) as Workload[] | undefined;
const selected = ORDER.filter((w) => !only || only.includes(w));
const clientFilter = opt('clients')?.split(',') as Client[] | undefined;

// --- the server child ------------------------------------------------------------

/** Body sizes of a workload's timed transfer and its warm-up, bytes. */
function sizesOf(w: Workload): { size: number; warmupBytes: number } {
  const size = w === 'E' ? uploadSize : w === 'B' || w === 'B2' ? tlsDownloadSize : downloadSize;
  return { size, warmupBytes: Math.min(w === 'E' ? 16 * MiB : 64 * MiB, Math.floor(size / 4)) };
}

function startServer(): Promise<{
  child: ChildProcess;
  ports: Record<'http' | 'https' | 'h2', number>;
  ask: (cmd: 'reset' | 'stats') => Promise<ServerStats>;
}> {
  // nginx serves files: it is told every download size the run will ask for
  const script = serverKind === 'nginx' ? 'nginx-server.ts' : 'server.ts';
  const downloads = selected
    .filter((w) => w !== 'E')
    .flatMap((w) => Object.values(sizesOf(w)))
    .map(String);
  const child = fork(join(here, script), downloads, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const waiting = new Map<number, (s: ServerStats) => void>();
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
    child.on('message', (m: { ready?: boolean; ports?: Record<'http' | 'https' | 'h2', number>; id?: number; stats?: ServerStats }) => {
      if (m.ready) {
        resolve({
          child,
          ports: m.ports!,
          ask: (cmd) =>
            new Promise((res) => {
              const id = ++seq;
              waiting.set(id, res);
              child.send({ cmd, id });
            }),
        });
      } else if (m.id) {
        waiting.get(m.id)?.(m.stats!);
        waiting.delete(m.id);
      }
    });
  });
}

// --- the libcurl-wasm under test ----------------------------------------------------

let libRoot = join(here, '..');
/** Copies ts/ and wasm/libcurl.wasm (or a git ref's) aside: one version for the whole run. */
function snapshot(tmpDir: string): { root: string; source: string; wasmSha256: string } {
  const root = join(tmpDir, `snapshot-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'wasm'), { recursive: true });
  const repo = join(here, '..');
  let source: string;
  if (gitRef) {
    const commit = execFileSync('git', ['rev-parse', gitRef], { cwd: repo, encoding: 'utf8' }).trim();
    execFileSync('sh', ['-c', `git archive ${commit} ts wasm/libcurl.wasm | tar -x -C "${root}"`], { cwd: repo });
    source = `git ${gitRef} (${commit.slice(0, 12)})`;
  } else {
    cpSync(join(repo, 'ts'), join(root, 'ts'), { recursive: true });
    cpSync(join(repo, 'wasm', 'libcurl.wasm'), join(root, 'wasm', 'libcurl.wasm'));
    let head = '?';
    let dirty = '';
    try {
      head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
      dirty = execFileSync('git', ['status', '--porcelain', '--', 'ts', 'wasm/libcurl.wasm'], { cwd: repo, encoding: 'utf8' }).trim()
        ? ' + uncommitted changes in ts/ or wasm/'
        : '';
    } catch {
      /* not a git checkout */
    }
    source = `working tree at ${head}${dirty}`;
  }
  // every client imports the library as a user's process does, as one bundle beside libcurl.wasm (bench/worker.ts, bench/startup.mjs)
  buildSync({
    entryPoints: [join(root, 'ts', 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: join(root, 'dist', 'index.mjs'),
    logLevel: 'warning',
  });
  cpSync(join(root, 'wasm', 'libcurl.wasm'), join(root, 'dist', 'libcurl.wasm'));
  const wasmSha256 = createHash('sha256')
    .update(readFileSync(join(root, 'wasm', 'libcurl.wasm')))
    .digest('hex');
  return { root, source, wasmSha256 };
}

// --- a worker ---------------------------------------------------------------------

/** Keeps each bundled module's import.meta.url its own source file's (test/fixtures/servers.ts reads its certs beside itself). */
const ownUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (a) => ({
      contents: readFileSync(a.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)),
      loader: 'ts',
    }));
  },
};

let workerBundle: Promise<string> | undefined;
/**
 * bench/worker.ts bundled to plain JavaScript, so a worker runs bare as a user's
 * process does. Under `--import tsx` every import crosses tsx's loader thread,
 * which transforms the 370 KB library bundle there and keeps what that cost:
 * +44 MiB of RSS in the worker (+4 bare), counted in F for the libcurl-wasm
 * clients only. Written under node_modules/.cache so that the packages it leaves
 * external (undici, node-libcurl) resolve as from bench/.
 */
function workerScript(): Promise<string> {
  const out = join(here, '..', 'node_modules', '.cache', 'libcurl-wasm-bench', `worker-${process.pid}.mjs`);
  workerBundle ??= build({
    entryPoints: [join(here, 'worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
    plugins: [ownUrl],
  }).then(() => {
    process.once('exit', () => rmSync(out, { force: true }));
    return out;
  });
  return workerBundle;
}

async function runWorker(job: Job, profDir?: string): Promise<JobResult> {
  // G runs in bench/startup.mjs, the rest in the bundled bench/worker.ts: both bare (no tsx loader hooks)
  const g = job.workload === 'G' && job.client !== 'curl';
  // a G process is profiled whole (V8's --cpu-prof): its timed part is nearly all of it
  const gProf = g && profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=G-${job.client}-${Date.now()}.cpuprofile`] : [];
  const execArgv = g ? gProf : ['--expose-gc'];
  const prof = profDir ? { LCWB_PROFILE_DIR: profDir, LCWB_PROFILE_NAME: `${job.workload}-${job.client}` } : {};
  const child = fork(g ? join(here, 'startup.mjs') : await workerScript(), [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: job.caPath, LCWB_ROOT: libRoot, ...prof, ...(wasmPath ? { LCWB_WASM: wasmPath } : {}) },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker timed out after ${workerTimeoutMs / 1000} s`));
    }, workerTimeoutMs);
    let answered = false;
    child.on('message', (m: { result?: JobResult; error?: string }) => {
      answered = true;
      clearTimeout(timer);
      if (m.result) resolve(m.result);
      else reject(new Error(m.error));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!answered) reject(new Error(`worker exited ${code ?? signal} without an answer`));
    });
    child.send(job);
  });
}

// --- verification -------------------------------------------------------------------

const SMALL = 128;

/** Problems that void a run, and warnings that are reported but keep it. */
function verify(job: Job, r: JobResult, s: ServerStats): { bad: string[]; warn: string[] } {
  const bad: string[] = [];
  const warn: string[] = [];
  const proto = protoOf(job.workload);
  const ok = r.statuses['200'] ?? 0;
  const total = Object.values(r.statuses).reduce((a, b) => a + b, 0);
  if (ok !== r.expectedResponses || total !== ok) bad.push(`client saw statuses ${JSON.stringify(r.statuses)}, expected ${r.expectedResponses}×200`);
  const served = s.statuses['200'] ?? 0;
  if (served !== r.expectedResponses) bad.push(`server answered ${served}×200 (${JSON.stringify(s.statuses)}), expected ${r.expectedResponses}`);
  const conns = s.connections[proto];
  const others = Object.entries(s.connections).filter(([k, v]) => k !== proto && v > 0);
  if (others.length) bad.push(`connections on other listeners: ${JSON.stringify(s.connections)}`);
  switch (job.workload) {
    case 'A':
    case 'B':
    case 'B2':
      if (r.bytes !== job.size) bad.push(`received ${r.bytes} bytes, expected ${job.size}`);
      if (conns !== 1) bad.push(`server counted ${conns} connections, expected 1`);
      break;
    case 'C':
    case 'D':
    case 'D2':
    case 'H':
      if (r.bytes !== job.requests * SMALL) bad.push(`received ${r.bytes} body bytes, expected ${job.requests * SMALL}`);
      if (job.workload === 'D2') {
        if (conns !== 1) bad.push(`server counted ${conns} connections, expected 1`);
      } else if (job.workload === 'C') {
        // Node's fetch dispatches the next request a moment before the previous connection is back in its pool
        if (conns > 1) warn.push(`server counted ${conns} connections for sequential requests`);
      } else {
        const cap = job.concurrency || job.requests + job.warmup;
        // in flight is bounded by the harness; more connections than that is the client's pooling
        if (s.peakOpen[proto] > cap) warn.push(`server saw ${s.peakOpen[proto]} connections open at once (${cap} in flight)`);
        if (conns > cap) warn.push(`server counted ${conns} connections opened (${cap} in flight)`);
      }
      break;
    case 'E': {
      const expected = job.size + (job.client === 'curl' ? 0 : job.warmupBytes);
      if (s.uploaded !== expected) bad.push(`server received ${s.uploaded} upload bytes, expected ${expected}`);
      if (conns !== 1) bad.push(`server counted ${conns} connections, expected 1`);
      break;
    }
    case 'G':
      if (conns !== 1) bad.push(`server counted ${conns} connections, expected 1`);
      break;
  }
  const wantVersion = proto === 'h2' ? '2' : '1.1';
  if (r.httpVersion !== undefined && r.httpVersion !== wantVersion) bad.push(`negotiated HTTP/${r.httpVersion}, expected HTTP/${wantVersion}`);
  return { bad, warn };
}

// --- main ------------------------------------------------------------------------------

async function main(): Promise<void> {
  const tmpDir = join(tmpdir(), 'libcurl-wasm-bench');
  mkdirSync(tmpDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const caPath = fileURLToPath(new URL('../test/fixtures/certs/ca.pem', import.meta.url));
  const uploadFile = join(tmpDir, `upload-${uploadSize}.bin`);
  if (selected.includes('E') && (!existsSync(uploadFile) || statSync(uploadFile).size !== uploadSize)) writePatternFile(uploadFile, uploadSize);

  const snap = snapshot(tmpDir);
  libRoot = snap.root;
  console.log(`bench: libcurl-wasm from ${snap.source}, libcurl.wasm sha256 ${snap.wasmSha256.slice(0, 16)}…`);

  const server = await startServer();
  const urls = { http: `http://127.0.0.1:${server.ports.http}`, https: `https://127.0.0.1:${server.ports.https}`, h2: `https://127.0.0.1:${server.ports.h2}` };
  const startedAt = new Date();
  const loadStart = loadavg();
  console.log(
    `bench: server=${serverKind} ${quick ? 'QUICK ' : ''}runs=${runs} download=${downloadSize / MiB} MiB tls-download=${tlsDownloadSize / MiB} MiB upload=${uploadSize / MiB} MiB requests=${requests} workloads=${selected.join(',')} load=${loadStart.map((l) => l.toFixed(2)).join(' ')}`,
  );

  if (!clientFilter || clientFilter.some((c) => c.startsWith('wasm'))) {
    // preflight: libcurl-wasm in this tree starts and answers (a tree mid-edit may not)
    try {
      await runWorker({ workload: 'G', client: 'wasm', urls, caPath, tmpDir, size: 0, requests: 1, concurrency: 1, warmup: 0, warmupBytes: 0 });
    } catch (err) {
      server.child.kill();
      throw new Error(`libcurl-wasm from ${snap.source} does not run: ${String((err as Error).message).split('\n')[0]}`);
    }
  }

  const cells: Cell[] = [];
  for (const w of selected) {
    const clients = CLIENTS.filter((c) => !clientFilter || clientFilter.includes(c));
    const byClient = new Map<Client, Cell>();
    for (const c of clients) {
      const job = {
        workload: w,
        client: c,
        ...sizesOf(w),
        requests,
        concurrency: w === 'H' ? hConns : concurrency,
        warmup: w === 'H' ? Math.min(warmup, 200) : warmup,
      };
      const cell: Cell = { workload: w, client: c, job, runs: [] };
      if (!WORKLOADS[w].clients.includes(c)) cell.na = 'n/a';
      byClient.set(c, cell);
      cells.push(cell);
    }
    const active = clients.filter((c) => !byClient.get(c)!.na);
    for (let run = 0; run < runs; run++) {
      const order = active.map((_, i) => active[(i + run) % active.length]!); // rotate per run
      for (const client of order) {
        const cell = byClient.get(client)!;
        const job: Job = { ...cell.job, urls, caPath, tmpDir, uploadFile };
        // the previous worker's connections must be gone before the counters restart
        for (let i = 0; i < 100; i++) {
          const { open } = await server.ask('stats');
          if (open.http + open.https + open.h2 === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await server.ask('reset');
        const t0 = Date.now();
        let rec: RunRecord;
        try {
          const profDir = cpuProf === client ? join(outDir, 'prof', w) : undefined;
          if (profDir) mkdirSync(profDir, { recursive: true });
          const result = await runWorker(job, profDir);
          await new Promise((r) => setTimeout(r, 50)); // let the server see the close
          const stats = await server.ask('stats');
          const { bad: problems, warn: warnings } = verify(job, result, stats);
          rec = { run, ok: problems.length === 0, problems, warnings, result, server: stats };
        } catch (err) {
          const msg = String((err as Error)?.message ?? err);
          if (msg.startsWith('n/a')) {
            cell.na = msg;
            continue;
          }
          rec = { run, ok: false, problems: [msg.split('\n')[0]!], error: msg };
        }
        cell.runs.push(rec);
        const m = METRICS.find((x) => x.workload === w)!;
        const shown = rec.result ? `${m.value(job, rec.result).toFixed(m.unit === 'ms' || m.unit === 's' ? 3 : 1)} ${m.unit}` : 'error';
        console.log(
          `  ${w.padEnd(2)} run ${run + 1}/${runs} ${client.padEnd(12)} ${shown.padStart(14)}  rss ${rec.result ? (rec.result.peakRss / MiB).toFixed(0) : '-'} MiB  ${rec.result?.cpuMs !== undefined ? `cpu ${(rec.result.cpuMs / 1000).toFixed(2)} s  ` : ''}${((Date.now() - t0) / 1000).toFixed(1)} s  conns ${rec.server ? rec.server.connections[protoOf(w)] : '-'}${rec.ok ? '' : '  FAILED: ' + rec.problems.join('; ')}${rec.warnings?.length ? '  warning: ' + rec.warnings.join('; ') : ''}`,
        );
      }
    }
  }
  server.child.disconnect();
  server.child.kill();

  const table = summarise(cells, selected);

  const meta = {
    date: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    quick,
    server: serverKind === 'nginx' ? versions().nginx! : `node ${process.version} (node:http, https, http2)`,
    runs,
    downloadBytes: downloadSize,
    tlsDownloadBytes: tlsDownloadSize,
    uploadBytes: uploadSize,
    requests,
    concurrency,
    hConns,
    warmup,
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    loadavgStart: loadStart,
    loadavgEnd: loadavg(),
    versions: versions(),
    libcurlWasm: { source: snap.source, wasmSha256: snap.wasmSha256 },
  };
  rmSync(snap.root, { recursive: true, force: true });
  const ratios = ratioRows(table);
  writeFileSync(
    join(outDir, 'latest.json'),
    JSON.stringify({ meta, table: table.map((t) => ({ ...t, metric: { ...t.metric, value: undefined } })), ratios, cells }, null, 1),
  );
  writeFileSync(join(outDir, 'latest.md'), markdown(meta, table, ratios, cells));
  writeFileSync(join(outDir, 'ratios.svg'), renderSvg(ratios, meta));
  console.log(`\n${markdown(meta, table, ratios, cells)}`);
  console.log(`wrote ${join(outDir, 'latest.json')}, latest.md, ratios.svg`);
}

function versions(): Record<string, string> {
  const v: Record<string, string> = {};
  try {
    v.curl = execFileSync('curl', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
  } catch {
    v.curl = 'missing';
  }
  const pkg = (name: string) => {
    try {
      return JSON.parse(readFileSync(join(here, '..', 'node_modules', name, 'package.json'), 'utf8')).version as string;
    } catch {
      return 'missing';
    }
  };
  v.nginx = /nginx\/\S+/.exec(spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr ?? '')?.[0] ?? 'missing'; // -v prints to stderr
  v.undici = pkg('undici');
  v['node-libcurl'] = pkg('node-libcurl');
  v['libcurl.wasm'] = `${(statSync(join(here, '..', 'wasm', 'libcurl.wasm')).size / 1e6).toFixed(2)} MB`;
  return v;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
