// SPDX-License-Identifier: MIT
// One measurement of the WorkerPool benchmark in a fresh process: bench/pool.ts
// forks this with a PoolJob; it starts the client the job names (the
// single-thread Session, or a WorkerPool of 1 or 2 workers), warms up on the
// same connections, times the workload and answers a PoolResult over IPC.
// Every client ends with the same thing in hand: each body whole, as bytes,
// on the main thread.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATTERN_BLOCK } from './jobs.js';

export type PoolClient = 'session' | 'pool-1' | 'pool-2';
export type PoolWorkload = 'small' | 'big';

export interface PoolJob {
  client: PoolClient;
  workload: PoolWorkload;
  /** http://127.0.0.1:PORT (nginx) */
  origin: string;
  /** small: requests and in flight; big: parallel downloads of `size` bytes. */
  requests: number;
  concurrency: number;
  parallel: number;
  size: number;
  warmup: number;
  warmupBytes: number;
}

export interface PoolResult {
  ms: number;
  cpuMs: number;
  /** Pool: create() (compile + start the workers), ms. */
  startMs: number;
  bytes: number;
  statuses: Record<string, number>;
  /** Responses expected, warm-up included. */
  expected: number;
  /** Requests per worker thread in the timed part (the pool's spread). */
  perThread: Record<string, number>;
  peakRss: number;
  /** Bodies whose sampled bytes did not match the pattern. */
  corrupt: number;
}

function vmHwm(): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The /big body: PATTERN_BLOCK repeated; 64 offsets checked. */
function patternOk(body: Uint8Array): boolean {
  for (let k = 0; k < 64; k++) {
    const o = Math.floor((body.length - 1) * (k / 63));
    if (body[o] !== PATTERN_BLOCK[o % PATTERN_BLOCK.length]) return false;
  }
  return true;
}

async function lanes(total: number, width: number, task: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) {
        next++;
        await task();
      }
    }),
  );
}

type Get = (url: string) => Promise<{ status: number; body: Uint8Array; threadId: number }>;

async function client(job: PoolJob): Promise<{ get: Get; close: () => Promise<void>; startMs: number }> {
  const lib = (await import(join(new URL('..', import.meta.url).pathname, 'ts', 'index.ts'))) as typeof import('../ts/index.js');
  const session = { cookies: false, maxConnectionsPerHost: job.concurrency };
  const t0 = performance.now();
  if (job.client === 'session') {
    const s = new lib.Session(session);
    await s.engine();
    return {
      startMs: performance.now() - t0,
      get: async (url) => {
        const r = await s.request(url);
        return { status: r.status, body: await r.bytes(), threadId: 0 };
      },
      close: () => s.close(),
    };
  }
  const pool = await lib.WorkerPool.create({ workers: job.client === 'pool-1' ? 1 : 2, session });
  return {
    startMs: performance.now() - t0,
    get: async (url) => {
      const r = await pool.request(url);
      return { status: r.status, body: await r.bytes(), threadId: r.threadId ?? 0 };
    },
    close: () => pool.close(),
  };
}

async function main(job: PoolJob): Promise<PoolResult> {
  const { get, close, startMs } = await client(job);
  const statuses: Record<string, number> = {};
  const perThread: Record<string, number> = {};
  let bytes = 0;
  let corrupt = 0;
  let timed = false;
  const one = async (url: string, check: boolean) => {
    const r = await get(url);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (!timed) return;
    bytes += r.body.length;
    perThread[r.threadId] = (perThread[r.threadId] ?? 0) + 1;
    if (check && !patternOk(r.body)) corrupt++;
  };
  const small = `${job.origin}/small`;
  let run: () => Promise<void>;
  let expected: number;
  if (job.workload === 'small') {
    await lanes(job.warmup, job.concurrency, () => one(small, false));
    run = () => lanes(job.requests, job.concurrency, () => one(small, false));
    expected = job.warmup + job.requests;
  } else {
    await Promise.all(Array.from({ length: job.parallel }, () => one(`${job.origin}/warm`, false)));
    run = async () => void (await Promise.all(Array.from({ length: job.parallel }, () => one(`${job.origin}/big`, true))));
    expected = 2 * job.parallel;
  }
  await new Promise((r) => setTimeout(r, 50));
  globalThis.gc?.();
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* the peak then covers the whole process */
  }
  timed = true;
  const cpu0 = process.cpuUsage(); // every thread of the process: the workers' too
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peakRss = vmHwm();
  await close();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, startMs, bytes, statuses, expected, perThread, peakRss, corrupt };
}

process.once('message', (job: PoolJob) => {
  main(job).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: Error) => process.send!({ error: String(err?.stack ?? err) }, () => process.exit(1)),
  );
});
