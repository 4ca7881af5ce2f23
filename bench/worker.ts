// SPDX-License-Identifier: MIT
// One measurement in a fresh process: bench/run.ts forks this with a Job,
// it loads only the client the job names, warms up on the same connections,
// times the workload and answers a JobResult over IPC. A fresh process per
// measurement keeps JIT state, heaps and RSS of one client out of another's.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PATTERN_BLOCK, type Job, type JobResult } from './jobs.js';

const MiB = 1 << 20;
const block = PATTERN_BLOCK;

// --- process memory ----------------------------------------------------------

function status(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
/** Resets VmHWM to the current RSS (Linux clear_refs 5), so the peak is the timed part's. */
function resetPeak(): number {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* older kernels: the peak then covers the whole process */
  }
  return status('VmRSS');
}

// --- shared shapes -------------------------------------------------------------

type Proto = 'http' | 'https' | 'h2';
const protoOf = (w: Job['workload']): Proto => (w === 'B' ? 'https' : w === 'B2' || w === 'D2' ? 'h2' : 'http');

interface Tally {
  bytes: number;
  statuses: Record<string, number>;
  httpVersion?: string;
  /** H with libcurl-wasm: the instance's linear memory afterwards. */
  wasmMemory?: number;
}
const tally = (): Tally => ({ bytes: 0, statuses: {} });
const note = (t: Tally, status: number) => void (t.statuses[status] = (t.statuses[status] ?? 0) + 1);

/** Runs `total` tasks through `lanes` concurrent loops; each lane owns a handle. */
async function lanes<H>(handles: H[], total: number, task: (h: H) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    handles.map(async (h) => {
      while (next < total) {
        next++;
        await task(h);
      }
    }),
  );
}

function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  return fn().then((value) => ({ ms: performance.now() - t0, value }));
}

/** A client implements the workloads it can; a missing one is n/a. */
interface Impl {
  /** One GET of `url`, body counted (A, B, B2). */
  download?(url: string, t: Tally): Promise<void>;
  /** `n` sequential small GETs (C); `n` GETs with `conc` in flight (D, D2). */
  many?(url: string, n: number, conc: number, t: Tally): Promise<void>;
  /** PUT of `size` bytes to `url` (E); answers the server's count. */
  upload?(url: string, size: number, t: Tally): Promise<number>;
  /** H: `n` transfers added at once, at most `conc` connections. */
  burst?(url: string, n: number, conc: number, t: Tally): Promise<void>;
  close?(): Promise<void> | void;
}

/**
 * The libcurl-wasm under test: bench/run.ts snapshots ts/ and wasm/libcurl.wasm
 * (LCWB_ROOT) so that edits made while it runs do not mix versions.
 */
type Lib = typeof import('../ts/index.js');
const root = process.env.LCWB_ROOT ?? new URL('..', import.meta.url).pathname;
/**
 * Under bench/run.ts the library is the snapshot's one bundle (dist/index.mjs), as
 * a user's process imports it: not ts/ through tsx, whose keepNames adds a __name
 * call to every closure made per request. Run by hand, the source tree's ts/.
 */
const importLib = (): Promise<Lib> => import(process.env.LCWB_ROOT ? join(root, 'dist', 'index.mjs') : join(root, 'ts', 'index.ts'));

/** LCWB_WASM=path runs another build of libcurl.wasm (e.g. one linked with --profiling-funcs). */
const wasmOverride = () => (process.env.LCWB_WASM ? { module: process.env.LCWB_WASM } : {});

// --- libcurl-wasm: Easy + Multi ------------------------------------------------

async function wasmImpl(job: Job, proto: Proto): Promise<Impl> {
  const { Runtime, Multi, Easy } = await importLib();
  const rt = await Runtime.create(wasmOverride());
  const ca = readFileSync(job.caPath, 'utf8');
  const multi = new Multi(rt);
  multi.setOpt('PIPELINING', 2); // CURLPIPE_MULTIPLEX (the default, said anyway)
  multi.setOpt('MAX_HOST_CONNECTIONS', job.concurrency); // H: 0 = no cap
  if (job.concurrency) multi.setOpt('MAXCONNECTS', job.concurrency * 2);
  type E = InstanceType<typeof Easy>;
  const make = (url: string, t: Tally): E => {
    const e = new Easy(rt).setOpt('URL', url).setOpt('WRITEFUNCTION', (d: Uint8Array) => void (t.bytes += d.length));
    if (proto !== 'http') e.setOpt('CAINFO_BLOB', ca).setOpt('SSLVERSION', 7 /* TLSv1_3 */);
    e.setOpt('HTTP_VERSION', proto === 'h2' ? 3 /* 2_0 */ : 2 /* 1_1 */);
    if (proto === 'h2') e.setOpt('PIPEWAIT', 1);
    return e;
  };
  const finish = (e: E, t: Tally) => {
    note(t, e.getInfo('RESPONSE_CODE') as number);
    t.httpVersion ??= ({ 2: '1.1', 3: '2' } as Record<number, string>)[e.getInfo('HTTP_VERSION') as number] ?? '?';
  };
  const easies: E[] = [];
  return {
    async download(url, t) {
      const e = (easies[0] ??= make(url, t));
      e.setOpt('URL', url).setOpt('WRITEFUNCTION', (d: Uint8Array) => void (t.bytes += d.length));
      await multi.run(e);
      finish(e, t);
    },
    async many(url, n, conc, t) {
      while (easies.length < conc) easies.push(make(url, t));
      for (const e of easies) e.setOpt('URL', url).setOpt('WRITEFUNCTION', (d: Uint8Array) => void (t.bytes += d.length));
      await lanes(easies.slice(0, conc), n, async (e) => {
        await multi.run(e);
        finish(e, t);
      });
    },
    async upload(url, size, t) {
      let left = size;
      let answer = '';
      const e = (easies[0] ??= make(url, t));
      e.setOpt('URL', url)
        .setOpt('UPLOAD', 1)
        .setOpt('INFILESIZE_LARGE', size)
        .setOpt('HTTPHEADER', ['Expect:'])
        .setOpt('WRITEFUNCTION', (d: Uint8Array) => void (answer += Buffer.from(d).toString('latin1')))
        .setOpt('READFUNCTION', (buf: Uint8Array) => {
          let n = 0;
          while (n < buf.length && left > 0) {
            const off = (size - left) % MiB;
            const k = Math.min(buf.length - n, MiB - off, left);
            buf.set(block.subarray(off, off + k), n);
            n += k;
            left -= k;
          }
          return n;
        });
      await multi.run(e);
      finish(e, t);
      t.bytes += size - left;
      return Number(answer);
    },
    async burst(url, n, _conc, t) {
      const batch = Array.from({ length: n }, () => make(url, t));
      await Promise.all(
        batch.map(async (e) => {
          await multi.run(e);
          finish(e, t);
        }),
      );
      t.wasmMemory = rt.exports.memory.buffer.byteLength;
      for (const e of batch) e.close();
    },
    close() {
      for (const e of easies) e.close();
      multi.close();
    },
  };
}

// --- libcurl-wasm: request() and fetch() on a default Session -----------------

/**
 * A Session as a user builds one: the bench's CA and nothing else (LCWB_WASM
 * swaps the wasm for a profiling build). Whatever is slow here is fixed in the
 * defaults, not tuned away in the bench.
 */
async function defaultSession(job: Job) {
  const { Session } = await importLib();
  const ca = readFileSync(job.caPath, 'utf8');
  return new Session(process.env.LCWB_WASM ? { ca, runtimeOptions: wasmOverride() } : { ca });
}

/** An upload body as a user streams one: 1 MiB chunks from a ReadableStream. */
function uploadStream(size: number, sent: { left: number }): ReadableStream<Uint8Array> {
  sent.left = size;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent.left <= 0) return c.close();
      const k = Math.min(MiB, sent.left);
      sent.left -= k;
      c.enqueue(block.subarray(0, k));
    },
  });
}

async function wasmRequestImpl(job: Job): Promise<Impl> {
  const session = await defaultSession(job);
  return {
    async download(url, t) {
      const res = await session.request(url);
      note(t, res.status);
      t.httpVersion ??= res.httpVersion;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) t.bytes += chunk.byteLength;
    },
    async many(url, n, conc, t) {
      await lanes(Array.from({ length: conc }), n, async () => {
        const res = await session.request(url);
        note(t, res.status);
        t.httpVersion ??= res.httpVersion;
        const got = (await res.bytes()).byteLength;
        t.bytes += got;
      });
    },
    async upload(url, size, t) {
      const sent = { left: 0 };
      const res = await session.request(url, { method: 'PUT', body: uploadStream(size, sent) });
      note(t, res.status);
      t.bytes += size - sent.left;
      return Number(await res.text());
    },
    close: () => session.close(),
  };
}

async function wasmFetchImpl(job: Job): Promise<Impl> {
  const session = await defaultSession(job);
  const drain = async (res: Response, t: Tally) => {
    note(t, res.status);
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      t.bytes += value.byteLength;
    }
  };
  return {
    async download(url, t) {
      await drain(await session.fetch(url), t);
    },
    async many(url, n, conc, t) {
      await lanes(Array.from({ length: conc }), n, async () => {
        const res = await session.fetch(url);
        note(t, res.status);
        const got = (await res.arrayBuffer()).byteLength;
        t.bytes += got;
      });
    },
    async upload(url, size, t) {
      const sent = { left: 0 };
      const res = await session.fetch(url, { method: 'PUT', body: uploadStream(size, sent), duplex: 'half' } as RequestInit);
      note(t, res.status);
      t.bytes += size - sent.left;
      return Number(await res.text());
    },
    close: () => session.close(),
  };
}

// --- undici --------------------------------------------------------------------

async function undiciImpl(job: Job, proto: Proto): Promise<Impl> {
  // as undici's README: request() on its global dispatcher (an Agent without a
  // connection cap), the body read whole; the CA comes from NODE_EXTRA_CA_CERTS.
  // HTTP/2 needs an Agent that allows it, multiplexing 100 streams on one connection
  const { Agent, request } = await import('undici');
  const ca = readFileSync(job.caPath, 'utf8');
  // (H keeps its own Agent: --h-conns caps its connections)
  const agent =
    proto === 'h2'
      ? new Agent({ allowH2: true, pipelining: 100, connections: 1, connect: { ca } })
      : job.workload === 'H'
        ? new Agent({ connections: job.concurrency || null, keepAliveTimeout: 60_000 })
        : undefined;
  const opts = agent ? { dispatcher: agent } : {};
  const get = async (url: string, t: Tally) => {
    const { statusCode, body } = await request(url, opts);
    note(t, statusCode);
    for await (const c of body) t.bytes += (c as Buffer).length;
  };
  return {
    download: get,
    async many(url, n, conc, t) {
      await lanes(Array.from({ length: conc }), n, async () => {
        const { statusCode, body } = await request(url, opts);
        note(t, statusCode);
        const got = (await body.arrayBuffer()).byteLength;
        t.bytes += got;
      });
    },
    async upload(url, size, t) {
      let left = size;
      const gen = function* () {
        while (left > 0) {
          const k = Math.min(MiB, left);
          left -= k;
          yield block.subarray(0, k);
        }
      };
      const { statusCode, body } = await request(url, {
        method: 'PUT',
        body: Readable.from(gen(), { objectMode: false }),
        headers: { 'content-length': String(size) },
        ...opts,
      });
      note(t, statusCode);
      t.bytes += size - left;
      return Number(await body.text());
    },
    async burst(url, n, _conc, t) {
      await Promise.all(Array.from({ length: n }, () => get(url, t)));
    },
    close: () => agent?.close(),
  };
}

// --- Node's fetch --------------------------------------------------------------

async function nodeFetchImpl(_job: Job, proto: Proto): Promise<Impl> {
  if (proto === 'h2') return {}; // Node 20's fetch speaks HTTP/1.1 only
  const drain = async (res: Response, t: Tally) => {
    note(t, res.status);
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      t.bytes += value.byteLength;
    }
  };
  return {
    async download(url, t) {
      await drain(await fetch(url), t);
    },
    async many(url, n, conc, t) {
      await lanes(Array.from({ length: conc }), n, async () => {
        const res = await fetch(url);
        note(t, res.status);
        const got = (await res.arrayBuffer()).byteLength;
        t.bytes += got;
      });
    },
    async upload(url, size, t) {
      let left = size;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (left <= 0) return c.close();
          const k = Math.min(MiB, left);
          left -= k;
          c.enqueue(block.subarray(0, k));
        },
      });
      const res = await fetch(url, { method: 'PUT', body, duplex: 'half' } as RequestInit);
      note(t, res.status);
      t.bytes += size - left;
      return Number(await res.text());
    },
  };
}

// --- node-libcurl (native libcurl, Debian's) -------------------------------------

async function nodeLibcurlImpl(job: Job, proto: Proto): Promise<Impl> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const nlc: any = createRequire(import.meta.url)('node-libcurl');
  const multi = new nlc.Multi();
  multi.setOpt(nlc.Multi.option.PIPELINING, 2);
  multi.setOpt(nlc.Multi.option.MAX_HOST_CONNECTIONS, job.concurrency);
  if (job.concurrency) multi.setOpt(nlc.Multi.option.MAXCONNECTS, job.concurrency * 2);
  const pending = new Map<unknown, (err: Error | null) => void>();
  multi.onMessage((error: Error | null, handle: unknown) => {
    multi.removeHandle(handle);
    const done = pending.get(handle);
    pending.delete(handle);
    done?.(error);
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type E = any;
  const run = (e: E) =>
    new Promise<void>((resolve, reject) => {
      pending.set(e, (err) => (err ? reject(err) : resolve()));
      multi.addHandle(e);
    });
  const make = (url: string, t: Tally): E => {
    const e = new nlc.Easy();
    e.setOpt('URL', url);
    e.setOpt('WRITEFUNCTION', (_b: Buffer, size: number, nmemb: number) => ((t.bytes += size * nmemb), size * nmemb));
    if (proto !== 'http') {
      e.setOpt('CAINFO', job.caPath);
      e.setOpt('SSLVERSION', 7);
    }
    e.setOpt('HTTP_VERSION', proto === 'h2' ? 3 : 2);
    if (proto === 'h2') e.setOpt('PIPEWAIT', true);
    return e;
  };
  const finish = (e: E, t: Tally) => {
    note(t, e.getInfo('RESPONSE_CODE').data as number);
    t.httpVersion ??= ({ 2: '1.1', 3: '2' } as Record<number, string>)[e.getInfo('HTTP_VERSION').data as number] ?? '?';
  };
  const easies: E[] = [];
  return {
    async download(url, t) {
      const e = (easies[0] ??= make(url, t));
      e.setOpt('URL', url);
      e.setOpt('WRITEFUNCTION', (_b: Buffer, size: number, nmemb: number) => ((t.bytes += size * nmemb), size * nmemb));
      await run(e);
      finish(e, t);
    },
    async many(url, n, conc, t) {
      while (easies.length < conc) easies.push(make(url, t));
      for (const e of easies) {
        e.setOpt('URL', url);
        e.setOpt('WRITEFUNCTION', (_b: Buffer, size: number, nmemb: number) => ((t.bytes += size * nmemb), size * nmemb));
      }
      await lanes(easies.slice(0, conc), n, async (e) => {
        await run(e);
        finish(e, t);
      });
    },
    async upload(url, size, t) {
      const size0 = size;
      let left = size;
      let answer = '';
      const e = (easies[0] ??= make(url, t));
      e.setOpt('URL', url);
      e.setOpt('UPLOAD', true);
      e.setOpt('INFILESIZE_LARGE', size);
      e.setOpt('HTTPHEADER', ['Expect:']);
      e.setOpt('WRITEFUNCTION', (b: Buffer, size: number, nmemb: number) => ((answer += b.toString('latin1', 0, size * nmemb)), size * nmemb));
      e.setOpt('READFUNCTION', (buf: Buffer, size: number, nmemb: number) => {
        const cap = size * nmemb;
        let n = 0;
        while (n < cap && left > 0) {
          const off = (size0 - left) % MiB;
          const k = Math.min(cap - n, MiB - off, left);
          block.copy(buf, n, off, off + k);
          n += k;
          left -= k;
        }
        return n;
      });
      await run(e);
      finish(e, t);
      t.bytes += size - left;
      return Number(answer);
    },
    async burst(url, n, _conc, t) {
      const batch = Array.from({ length: n }, () => make(url, t));
      await Promise.all(
        batch.map(async (e) => {
          await run(e);
          finish(e, t);
        }),
      );
      for (const e of batch) e.close();
    },
    close() {
      for (const e of easies) e.close();
      multi.close();
    },
  };
}

// --- the curl CLI ----------------------------------------------------------------

interface CurlRun {
  ms: number;
  out: string;
  maxRss: number;
}

function curl(args: string[], tmp: string): Promise<CurlRun> {
  const rssFile = join(tmp, `rss-${process.pid}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, 'curl', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${err.slice(0, 500)}`));
      resolve({ ms, out, maxRss: Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) * 1024 });
    });
  });
}

async function curlCli(job: Job, proto: Proto): Promise<JobResult> {
  const url = job.urls[proto];
  const tls = proto === 'http' ? [] : ['--cacert', job.caPath, '--tlsv1.3'];
  const ver = proto === 'h2' ? ['--http2'] : ['--http1.1'];
  const common = ['-s', '-S', ...tls, ...ver];
  const t = tally();
  const fmt = '%{http_code} %{size_download} %{size_upload} %{time_total} %{http_version} %{num_connects}\\n';
  const lines = (out: string) =>
    out
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
  switch (job.workload) {
    case 'A':
    case 'B':
    case 'B2': {
      // a warm-up GET, then the big one on the same connection; curl's own time_total of the second
      const r = await curl(
        [...common, '-w', fmt, '-o', '/dev/null', `${url}/big?n=${job.warmupBytes}`, '-o', '/dev/null', `${url}/big?n=${job.size}`],
        job.tmpDir,
      );
      const [warm, big] = lines(r.out);
      for (const l of [warm!, big!]) note(t, Number(l[0]));
      t.bytes = Number(big![1]);
      return {
        ms: Number(big![3]) * 1000,
        bytes: t.bytes,
        statuses: t.statuses,
        expectedResponses: 2,
        peakRss: r.maxRss,
        startRss: 0,
        httpVersion: big![4],
        note: 'curl time_total of the 2nd URL (same connection)',
      };
    }
    case 'C':
    case 'D':
    case 'D2': {
      const cfg = join(job.tmpDir, `urls-${job.workload}-${job.requests}.cfg`);
      writeFileSync(cfg, `url = "${url}/small"\noutput = "/dev/null"\n`.repeat(job.requests));
      const par = job.workload === 'C' ? [] : ['--parallel', '--parallel-max', String(job.concurrency)];
      const r = await curl([...common, ...par, '-w', '%{http_code} %{size_download} %{http_version}\\n', '-K', cfg], job.tmpDir);
      for (const l of lines(r.out)) {
        note(t, Number(l[0]));
        t.bytes += Number(l[1]);
        t.httpVersion ??= l[2];
      }
      return {
        ms: r.ms,
        bytes: t.bytes,
        statuses: t.statuses,
        expectedResponses: job.requests,
        peakRss: r.maxRss,
        startRss: 0,
        httpVersion: t.httpVersion,
        note: `curl -K (${job.requests} URLs)${par.length ? ' --parallel --parallel-max ' + job.concurrency : ''}: process wall time`,
      };
    }
    case 'E': {
      const r = await curl([...common, '-H', 'Expect:', '-w', fmt, '-o', '/dev/null', '-T', job.uploadFile!, `${url}/upload`], job.tmpDir);
      const [l] = lines(r.out);
      note(t, Number(l![0]));
      return {
        ms: Number(l![3]) * 1000,
        bytes: Number(l![2]),
        statuses: t.statuses,
        expectedResponses: 1,
        peakRss: r.maxRss,
        startRss: 0,
        httpVersion: l![4],
        note: 'curl -T FILE (page-cached); time_total',
      };
    }
    case 'G': {
      const r = await curl([...common, '-w', fmt, '-o', '/dev/null', `${url}/small`], job.tmpDir);
      const [l] = lines(r.out);
      note(t, Number(l![0]));
      return {
        ms: r.ms,
        bytes: Number(l![1]),
        statuses: t.statuses,
        expectedResponses: 1,
        peakRss: r.maxRss,
        startRss: 0,
        phases: { process: r.ms, firstRequest: Number(l![3]) * 1000 },
        note: 'process spawn to exit for one GET',
      };
    }
    default:
      throw new Error(`n/a: curl for ${job.workload}`);
  }
}

// --- the job ------------------------------------------------------------------------

async function main(job: Job): Promise<JobResult> {
  const proto = protoOf(job.workload);
  if (job.client === 'curl') return curlCli(job, proto);
  if (job.workload === 'G') throw new Error('G runs in bench/startup.mjs');
  const makers = {
    wasm: wasmImpl,
    'wasm-request': wasmRequestImpl,
    'wasm-fetch': wasmFetchImpl,
    undici: undiciImpl,
    'node-fetch': nodeFetchImpl,
    'node-libcurl': nodeLibcurlImpl,
  } as const;
  const impl = await makers[job.client](job, proto);
  const base = job.urls[proto];
  const warm = tally();
  const t = tally();
  let run: () => Promise<unknown>;
  let expected = 0;
  switch (job.workload) {
    case 'A':
    case 'B':
    case 'B2':
      if (!impl.download) throw new Error(`n/a: ${job.client} for ${job.workload}`);
      await impl.download(`${base}/big?n=${job.warmupBytes}`, warm);
      run = () => impl.download!(`${base}/big?n=${job.size}`, t);
      expected = 2;
      break;
    case 'C':
    case 'D':
    case 'D2': {
      if (!impl.many) throw new Error(`n/a: ${job.client} for ${job.workload}`);
      const conc = job.workload === 'C' ? 1 : job.concurrency;
      await impl.many(`${base}/small`, job.warmup, conc, warm);
      run = () => impl.many!(`${base}/small`, job.requests, conc, t);
      expected = job.warmup + job.requests;
      break;
    }
    case 'E': {
      if (!impl.upload) throw new Error(`n/a: ${job.client} for E`);
      const ack = await impl.upload(`${base}/upload`, job.warmupBytes, warm);
      if (ack !== job.warmupBytes) throw new Error(`warm-up upload: the server counted ${ack}`);
      let answer = 0;
      run = async () => (answer = await impl.upload!(`${base}/upload`, job.size, t));
      expected = 2;
      const r = await measure(run);
      if (answer !== job.size) throw new Error(`upload: the server counted ${answer} of ${job.size}`);
      await impl.close?.();
      return finish(r, warm, t, expected);
    }
    case 'H':
      if (!impl.burst) throw new Error(`n/a: ${job.client} for H`);
      await impl.burst(`${base}/small`, job.warmup, job.concurrency, warm);
      run = () => impl.burst!(`${base}/small`, job.requests, job.concurrency, t);
      expected = job.warmup + job.requests;
      break;
    default:
      throw new Error(`unknown workload ${job.workload}`);
  }
  const r = await measure(run);
  await impl.close?.();
  return finish(r, warm, t, expected);
}

/** LCWB_PROFILE_DIR: a V8 CPU profile of the timed part only, written there. */
async function profiler(): Promise<undefined | (() => Promise<void>)> {
  const dir = process.env.LCWB_PROFILE_DIR;
  if (!dir) return undefined;
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 }); // µs
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(join(dir, `${process.env.LCWB_PROFILE_NAME ?? 'run'}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

async function measure(run: () => Promise<unknown>): Promise<{ ms: number; startRss: number; peakRss: number; cpuMs: number }> {
  // let the warm-up's connections go back to their pools (Node's fetch
  // releases a connection a tick after the body ends)
  await new Promise((r) => setTimeout(r, 50));
  globalThis.gc?.();
  const stopProfile = await profiler();
  const startRss = resetPeak();
  const cpu0 = process.cpuUsage();
  const { ms } = await timed(run);
  const cpu = process.cpuUsage(cpu0);
  const peakRss = status('VmHWM');
  await stopProfile?.();
  return { ms, startRss, peakRss, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function finish(r: { ms: number; startRss: number; peakRss: number; cpuMs: number }, warm: Tally, t: Tally, expected: number): JobResult {
  const statuses: Record<string, number> = { ...warm.statuses };
  for (const [k, v] of Object.entries(t.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const extra = t.wasmMemory;
  return {
    ms: r.ms,
    cpuMs: r.cpuMs,
    bytes: t.bytes,
    statuses,
    expectedResponses: expected,
    peakRss: r.peakRss,
    startRss: r.startRss,
    httpVersion: t.httpVersion,
    note: extra ? `wasm linear memory after: ${(extra / MiB).toFixed(0)} MiB` : undefined,
  };
}

process.once('message', (job: Job) => {
  main(job).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: Error) => process.send!({ error: String(err?.stack ?? err) }, () => process.exit(1)),
  );
});
