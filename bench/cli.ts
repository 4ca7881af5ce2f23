// SPDX-License-Identifier: MIT
// curl-wasm, the command, against Debian's curl, side by side in one run:
//   start  the cost of one invocation beyond `node -e 0`: cold processes,
//          `node -e 0`, `curl-wasm -sS -o /dev/null URL/small` and native
//          `curl` the same, interleaved, wall and CPU time of each
//   big    one 1 GiB download (--size-mib) to /dev/null and to a file, native
//          curl and curl-wasm in rotated order, MB/s from curl's own
//          time_total (both tools report it) and from the process's wall time
// against Node's server (bench/server.ts) or Debian's nginx (--server nginx).
// Every run is verified (status 200, size_download, the file's size).
//
//   npx tsx bench/cli.ts [--server node|nginx] [--runs 5] [--starts 30] [--size-mib 1024] [--only start,big] [--out DIR]
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../test/fixtures/build.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const serverKind = opt('server') === 'nginx' ? 'nginx' : 'node';
const runs = Number(opt('runs') ?? 5);
const starts = Number(opt('starts') ?? 30);
const size = Number(opt('size-mib') ?? 1024) * (1 << 20);
const only = (opt('only') ?? 'start,big').split(',');
const outDir = opt('out') ?? join(here, 'results', 'cli', serverKind);
/** `--tool PATH`: another build of the command (e.g. a copy of an older dist/), for a before/after run */
const TOOL = opt('tool') ?? join(root, 'dist', 'curl-wasm.mjs');
const CURL = '/usr/bin/curl';
const TIME = '/usr/bin/time';

interface Sample {
  wallMs: number;
  cpuMs: number;
  out: string;
}

/** Runs a command under /usr/bin/time (the same small cost for every command): wall time around it, its CPU time. */
function run(cmd: string[]): Sample {
  const cpuFile = join(tmpdir(), `lcw-cli-bench-${process.pid}.time`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-f', '%U %S', '-o', cpuFile, ...cmd], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wallMs, cpuMs: (user! + sys!) * 1000, out: r.stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const cell = (xs: number[], digits = 1) => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;

function startServer(): Promise<{ stop: () => void; http: string; version?: string }> {
  const script = serverKind === 'nginx' ? 'nginx-server.ts' : 'server.ts';
  const child = fork(join(here, script), [String(size)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
    child.on('message', (m: { ready?: boolean; ports?: { http: number }; server?: string }) => {
      if (m.ready) resolve({ stop: () => child.disconnect(), http: `http://127.0.0.1:${m.ports!.http}`, version: m.server });
    });
  });
}

const W = '%{http_code} %{size_download} %{time_total}\\n';
function verify(s: Sample, bytes: number, what: string): number {
  const [code, got, total] = s.out.trim().split(' ');
  if (code !== '200' || Number(got) !== bytes) throw new Error(`${what}: status ${code}, ${got} bytes of ${bytes}`);
  return Number(total) * 1000;
}

async function main(): Promise<void> {
  ensureBuilt();
  mkdirSync(outDir, { recursive: true });
  const server = await startServer();
  const load0 = loadavg();
  const lines: string[] = [];
  const log = (l: string) => {
    console.log(l);
    lines.push(l);
  };
  const json: Record<string, unknown> = { server: serverKind, serverVersion: server.version, node: process.version, load: { start: load0 } };
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  log(
    `# curl-wasm vs curl — ${serverKind} server, git ${git}${opt('tool') ? ` (tool: ${TOOL})` : ''}, node ${process.version}, load ${load0.map((l) => l.toFixed(2)).join(' ')}`,
  );
  try {
    if (only.includes('start')) {
      const url = `${server.http}/small`;
      const cmds: Record<string, string[]> = {
        'node -e 0': [process.execPath, '-e', '0'],
        'curl-wasm': [process.execPath, TOOL, '-sS', '-o', '/dev/null', '-w', W, url],
        curl: [CURL, '-sS', '-o', '/dev/null', '-w', W, url],
      };
      const got: Record<string, Sample[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
      run(cmds['curl-wasm']!); // the page cache, not the first measurement, loads the files
      for (let i = 0; i < starts; i++) {
        const names = Object.keys(cmds);
        for (let k = 0; k < names.length; k++) {
          const name = names[(i + k) % names.length]!;
          const s = run(cmds[name]!);
          if (name !== 'node -e 0') verify(s, 128, name);
          got[name]!.push(s);
        }
      }
      const base = got['node -e 0']!;
      const extra = got['curl-wasm']!.map((s, i) => s.wallMs - base[i]!.wallMs);
      const extraCpu = got['curl-wasm']!.map((s, i) => s.cpuMs - base[i]!.cpuMs);
      log('');
      log(`## start: one GET of 128 bytes, ${starts} cold processes each, interleaved (ms: median [min–max])`);
      log('');
      log('| command | wall | CPU (user+sys) |');
      log('| --- | --- | --- |');
      for (const [name, ss] of Object.entries(got)) log(`| ${name} | ${cell(ss.map((s) => s.wallMs))} | ${cell(ss.map((s) => s.cpuMs))} |`);
      log(`| **curl-wasm − node -e 0** (same round) | **${cell(extra)}** | ${cell(extraCpu)} |`);
      json.start = { starts, samples: got, extraWallMs: extra, extraCpuMs: extraCpu };
    }
    if (only.includes('big')) {
      const url = `${server.http}/big?n=${size}`;
      const file = join(tmpdir(), `lcw-cli-bench-${process.pid}.bin`);
      const clients: Record<string, (to: string) => string[]> = {
        curl: (to) => [CURL, '-sS', '-o', to, '-w', W, url],
        'curl-wasm': (to) => [process.execPath, TOOL, '-sS', '-o', to, '-w', W, url],
      };
      const cases = Object.keys(clients).flatMap((c) => ['/dev/null', 'file'].map((to) => ({ c, to })));
      const mbps: Record<string, { total: number[]; wall: number[]; cpu: number[] }> = {};
      for (let r = 0; r < runs; r++) {
        for (let k = 0; k < cases.length; k++) {
          const { c, to } = cases[(r + k) % cases.length]!;
          const s = run(clients[c]!(to === 'file' ? file : '/dev/null'));
          const total = verify(s, size, `${c} -o ${to}`);
          if (to === 'file') {
            const n = statSync(file).size;
            rmSync(file);
            if (n !== size) throw new Error(`${c}: wrote ${n} bytes of ${size}`);
          }
          const key = `${c} -o ${to}`;
          mbps[key] ??= { total: [], wall: [], cpu: [] };
          mbps[key].total.push(size / total / 1e3);
          mbps[key].wall.push(size / s.wallMs / 1e3);
          mbps[key].cpu.push(s.cpuMs);
          console.log(
            `  run ${r + 1} ${key}: ${(size / total / 1e3).toFixed(0)} MB/s (curl time_total), wall ${s.wallMs.toFixed(0)} ms, CPU ${s.cpuMs.toFixed(0)} ms`,
          );
        }
      }
      log('');
      log(`## big: ${size / (1 << 20)} MiB download, ${runs} runs per cell, rotated (MB/s = 10⁶ B/s: median [min–max])`);
      log('');
      log('| command | MB/s (time_total) | MB/s (process wall) | CPU ms | ratio to curl: time_total | ratio: process wall |');
      log('| --- | --- | --- | --- | --- | --- |');
      for (const to of ['/dev/null', 'file']) {
        const native = mbps[`curl -o ${to}`]!;
        for (const c of Object.keys(clients)) {
          const m = mbps[`${c} -o ${to}`]!;
          const ratio = (k: 'total' | 'wall') => (c === 'curl' ? '1' : `**${(median(m[k]) / median(native[k])).toFixed(2)}×**`);
          log(`| ${c} -o ${to} | ${cell(m.total, 0)} | ${cell(m.wall, 0)} | ${cell(m.cpu, 0)} | ${ratio('total')} | ${ratio('wall')} |`);
        }
      }
      json.big = { sizeBytes: size, runs, mbps };
    }
  } finally {
    server.stop();
  }
  const load1 = loadavg();
  (json.load as Record<string, number[]>).end = load1;
  log('');
  log(`load average at the end: ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  writeFileSync(join(outDir, 'latest.md'), lines.join('\n') + '\n');
  writeFileSync(join(outDir, 'latest.json'), JSON.stringify(json, null, 1) + '\n');
}

await main();
