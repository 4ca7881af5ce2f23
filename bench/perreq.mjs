// SPDX-License-Identifier: MIT
// CPU and JS-heap allocation per small request, in one process: the binding
// (Easy + Multi.run), session.request() and session.fetch() on a default
// Session, in alternating rounds, so that they share the machine's load and
// V8's state. Optionally the same clients of a git ref's tree beside this
// tree's (each version its own bundle and wasm instance).
//
//   node bench/perreq.mjs [--only C,D,D2] [--clients wasm,wasm-request,wasm-fetch]
//     [--ref REF] [--rounds 5] [--n 2000] [--prof CLIENT[@ref]] [--out FILE.cpuprofile]
//
// C: sequential GETs of /small on one keep-alive connection; D: 100 in
// flight over HTTP/1.1; D2: 100 streams on one HTTP/2 connection (bench/server.ts,
// forked). Allocation is the JS heap's growth plus what each GC freed
// (v8.GCProfiler): ArrayBuffer backing stores are not counted.
import { execFileSync, fork } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session as Inspector } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { buildSync } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..');
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
};
const only = (opt('only') ?? 'C,D,D2').split(',');
const clients = (opt('clients') ?? 'wasm,wasm-request,wasm-fetch').split(',');
const rounds = Number(opt('rounds') ?? 5);
const n = Number(opt('n') ?? 2000);
const ref = opt('ref');
const profTarget = opt('prof');
const heapTarget = opt('heap-prof');
const profOut = opt('out') ?? join(tmpdir(), `perreq-${process.pid}.cpuprofile`);
const caPath = join(repo, 'test', 'fixtures', 'certs', 'ca.pem');
const ca = readFileSync(caPath, 'utf8');

/** One version of the library as one bundle beside its wasm (this tree, or `ref`'s). */
async function load(version) {
  const root = join(tmpdir(), `perreq-${process.pid}-${version.replace(/\W/g, '_')}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'wasm'), { recursive: true });
  if (version === 'tree') {
    cpSync(join(repo, 'ts'), join(root, 'ts'), { recursive: true });
    cpSync(join(repo, 'wasm', 'libcurl.wasm'), join(root, 'wasm', 'libcurl.wasm'));
  } else {
    execFileSync('sh', ['-c', `git archive ${version} ts wasm/libcurl.wasm | tar -x -C "${root}"`], { cwd: repo });
  }
  buildSync({ entryPoints: [join(root, 'ts', 'index.ts')], bundle: true, format: 'esm', platform: 'node', outfile: join(root, 'dist', 'index.mjs'), logLevel: 'warning' });
  cpSync(join(root, 'wasm', 'libcurl.wasm'), join(root, 'dist', 'libcurl.wasm'));
  const lib = await import(pathToFileURL(join(root, 'dist', 'index.mjs')).href);
  // a profile's lines point into the bundle: kept then
  if (!profTarget && !heapTarget) process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  return lib;
}

function startServer() {
  const child = fork(join(here, 'server.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
    child.on('message', (m) => m.ready && resolve({ child, ports: m.ports }));
  });
}

/** `total` tasks through `conc` loops. */
async function lanes(conc, total, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async (_, i) => {
      while (next < total) {
        next++;
        await task(i);
      }
    }),
  );
}

/** A client of one version: `many(url, n, conc, h2)` runs n GETs and answers the body bytes. */
async function client(lib, kind) {
  if (kind === 'wasm') {
    const rt = await lib.Runtime.create();
    const multi = new lib.Multi(rt);
    multi.setOpt('PIPELINING', 2);
    multi.setOpt('MAX_HOST_CONNECTIONS', 100);
    multi.setOpt('MAXCONNECTS', 200);
    const easies = new Map();
    let bytes = 0;
    const write = (d) => void (bytes += d.length);
    const make = (h2) => {
      const e = new lib.Easy(rt).setOpt('WRITEFUNCTION', write);
      if (h2) e.setOpt('CAINFO_BLOB', ca).setOpt('SSLVERSION', 7).setOpt('HTTP_VERSION', 3).setOpt('PIPEWAIT', 1);
      else e.setOpt('HTTP_VERSION', 2);
      return e;
    };
    return {
      async many(url, total, conc, h2) {
        const key = `${h2}`;
        const set = easies.get(key) ?? [];
        easies.set(key, set);
        while (set.length < conc) set.push(make(h2));
        for (const e of set) e.setOpt('URL', url);
        bytes = 0;
        await lanes(conc, total, async (i) => {
          await multi.run(set[i]);
          if (set[i].getInfo('RESPONSE_CODE') !== 200) throw new Error('status');
        });
        return bytes;
      },
    };
  }
  const session = new lib.Session({ ca });
  const one =
    kind === 'wasm-request'
      ? async (url) => {
          const res = await session.request(url);
          if (res.status !== 200) throw new Error('status');
          return (await res.bytes()).byteLength;
        }
      : async (url) => {
          const res = await session.fetch(url);
          if (res.status !== 200) throw new Error('status');
          return (await res.arrayBuffer()).byteLength;
        };
  return {
    async many(url, total, conc) {
      let bytes = 0;
      await lanes(conc, total, async () => {
        const got = await one(url); // not `bytes += await`: that reads `bytes` before the await
        bytes += got;
      });
      return bytes;
    },
  };
}

/** JS heap bytes allocated while `fn` runs (growth plus what each GC freed). */
async function measure(fn) {
  const gc = new v8.GCProfiler();
  const used0 = v8.getHeapStatistics().used_heap_size;
  gc.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const used1 = v8.getHeapStatistics().used_heap_size;
  const { statistics } = gc.stop();
  let alloc = 0;
  let prev = used0;
  for (const s of statistics) {
    const before = s.beforeGC.heapStatistics.usedHeapSize;
    alloc += before - prev;
    prev = s.afterGC.heapStatistics.usedHeapSize;
  }
  alloc += used1 - prev;
  const gcMs = statistics.reduce((t, s) => t + s.cost / 1000, 0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, alloc, gcMs, bytes };
}

const { child, ports } = await startServer();
const urls = { C: `http://127.0.0.1:${ports.http}/small`, D: `http://127.0.0.1:${ports.http}/small`, D2: `https://127.0.0.1:${ports.h2}/small` };
const shape = { C: [1, false], D: [100, false], D2: [100, true] };
const versions = ref ? [['tree', await load('tree')], [ref, await load(ref)]] : [['tree', await load('tree')]];
const subjects = [];
for (const [version, lib] of versions) for (const kind of clients) subjects.push({ name: ref ? `${kind}@${version}` : kind, c: await client(lib, kind) });

let inspector;
if (profTarget || heapTarget) {
  inspector = new Inspector();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('HeapProfiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
}
/** Bytes allocated per function (self), from a sampling heap profile that keeps collected objects. */
function heapSummary(profile, requests) {
  const by = new Map();
  const name = (f) => `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  const walk = (node, parent) => {
    const f = node.callFrame;
    // a builtin (no script) is named with its caller
    const key = f.url ? name(f) : `${name(f)} < ${parent}`;
    by.set(key, (by.get(key) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c, f.url ? name(f) : parent);
  };
  walk(profile.head, '');
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${(v / requests).toFixed(0).padStart(7)} B/req  ${k}`).join('\n');
}
const profiled = (name) => profTarget !== undefined && (name === profTarget || name.startsWith(`${profTarget}@tree`));
let profiling = false;

console.log(`perreq: ${only.join(',')} × ${subjects.map((s) => s.name).join(', ')}; ${rounds} rounds of ${n} (load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')})`);
for (const w of only) {
  const [conc, h2] = shape[w];
  for (const s of subjects) await s.c.many(urls[w], n, conc, h2); // warm-up
  const per = new Map(subjects.map((s) => [s.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...subjects].reverse() : subjects;
    for (const s of order) {
      if (profiled(s.name) && !profiling) {
        await inspector.post('Profiler.start');
        profiling = true;
      }
      const heap = heapTarget === s.name && r === 0;
      if (heap) await inspector.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      const m = await measure(() => s.c.many(urls[w], n, conc, h2));
      if (heap) console.log(`${w} ${s.name} allocation by function:\n${heapSummary((await inspector.post('HeapProfiler.stopSampling')).profile, n)}`);
      if (profiling) {
        const { profile } = await inspector.post('Profiler.stop');
        profiling = false;
        const file = profOut.replace(/\.cpuprofile$/, `-${w}-${r}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
      }
      if (m.bytes !== n * 128) throw new Error(`${s.name}: ${m.bytes} body bytes, expected ${n * 128}`);
      per.get(s.name).push(m);
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const s of subjects) {
    const ms = per.get(s.name);
    const cpu = ms.map((m) => (m.cpuMs * 1000) / n);
    console.log(
      `${w.padEnd(2)} ${s.name.padEnd(24)} cpu µs/req ${med(cpu).toFixed(1).padStart(6)} [${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}]  wall µs/req ${med(ms.map((m) => (m.ms * 1000) / n)).toFixed(1).padStart(6)}  alloc B/req ${med(ms.map((m) => m.alloc / n)).toFixed(0).padStart(6)}  gc µs/req ${med(ms.map((m) => (m.gcMs * 1000) / n)).toFixed(1)}`,
    );
  }
}
if (profTarget) console.log(`profiles: ${profOut.replace(/\.cpuprofile$/, '-*.cpuprofile')}`);
child.disconnect();
child.kill();
process.exit(0);
