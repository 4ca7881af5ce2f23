// SPDX-License-Identifier: MIT
// Summarises V8 .cpuprofile files (from `node --cpu-prof`, or
// `bench/run.ts --cpu-prof CLIENT`): self time by layer (wasm, the host
// bridge in ts/host, the binding in ts/curl, the API in ts/api, the harness,
// Node internals, GC, idle) and the top functions by self time.
//
//   npx tsx bench/profile.ts FILE.cpuprofile [more…] [--top 30]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function layer(fn: string, url: string): string {
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'program (native, unattributed)';
  if (fn === '(root)') return 'root';
  if (url.startsWith('wasm://') || fn.startsWith('$')) return 'wasm';
  if (url.includes('/ts/host/')) return 'host bridge (ts/host)';
  if (url.includes('/ts/curl/')) return 'binding (ts/curl)';
  if (url.includes('/ts/api/')) return 'api (ts/api)';
  // the bundled worker bench/run.ts writes under node_modules/.cache/libcurl-wasm-bench
  if (url.includes('/bench/') || url.includes('/libcurl-wasm-bench/')) return 'harness (bench)';
  if (url.includes('node_modules/undici')) return 'undici';
  if (url.includes('node_modules/node-libcurl')) return 'node-libcurl';
  if (url.includes('node_modules/')) return 'other packages';
  if (url.startsWith('node:') || url === '') return 'node internals';
  return 'other';
}

export function summarise(files: string[], top = 25): string {
  const self = new Map<string, { ms: number; layer: string }>();
  const layers = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i]!)!;
      const ms = (p.timeDeltas[i] ?? 0) / 1000;
      const { functionName, url, lineNumber } = n.callFrame;
      const l = layer(functionName, url);
      const short = url.replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '');
      const key = `${functionName || '(anonymous)'}  ${l === 'wasm' ? 'wasm' : short ? `${short}:${lineNumber + 1}` : ''}`.trim();
      const e = self.get(key) ?? { ms: 0, layer: l };
      e.ms += ms;
      self.set(key, e);
      layers.set(l, (layers.get(l) ?? 0) + ms);
      total += ms;
    }
  }
  const busy = total - (layers.get('idle') ?? 0);
  const out: string[] = [];
  out.push(`samples: ${total.toFixed(0)} ms total, ${busy.toFixed(0)} ms not idle`);
  out.push('');
  out.push('| layer | self ms | % of non-idle |');
  out.push('| --- | --- | --- |');
  for (const [l, ms] of [...layers].sort((a, b) => b[1] - a[1])) {
    if (l === 'idle') continue;
    out.push(`| ${l} | ${ms.toFixed(0)} | ${((100 * ms) / busy).toFixed(1)}% |`);
  }
  out.push(`| (idle) | ${(layers.get('idle') ?? 0).toFixed(0)} | — |`);
  out.push('');
  out.push('| function | layer | self ms | % of non-idle |');
  out.push('| --- | --- | --- | --- |');
  for (const [k, v] of [...self]
    .filter(([, v]) => v.layer !== 'idle')
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, top)) {
    out.push(`| \`${k}\` | ${v.layer} | ${v.ms.toFixed(1)} | ${((100 * v.ms) / busy).toFixed(1)}% |`);
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--top');
  const top = i >= 0 ? Number(args.splice(i, 2)[1]) : 25;
  console.log(summarise(args, top));
}
