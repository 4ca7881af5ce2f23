// SPDX-License-Identifier: MIT
// Merges results of separate runs by workload: `npx tsx bench/merge.ts
// RUN1/latest.json RUN2/latest.json … [--out DIR]`. A later file's workloads
// replace an earlier one's (e.g. A/B/B2 at 1 GiB from one run, the rest from
// another). Every ratio still compares clients measured side by side in one
// run. Writes latest.json, latest.md and ratios.svg to DIR (default
// bench/results).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workload } from './jobs.js';
import { markdown, ratioRows, summarise, type Cell } from './report.js';
import { renderSvg } from './svg.js';

const args = process.argv.slice(2);
const i = args.indexOf('--out');
const outDir = i >= 0 ? args.splice(i, 2)[1]! : fileURLToPath(new URL('results', import.meta.url));
const ORDER: Workload[] = ['A', 'B', 'B2', 'C', 'D', 'D2', 'E', 'G', 'H'];

interface Saved {
  meta: Record<string, unknown> & { date: string; downloadBytes: number; tlsDownloadBytes?: number; uploadBytes: number; requests: number; sources?: string[] };
  cells: Cell[];
}
const runs = args.map((f) => JSON.parse(readFileSync(f.endsWith('.json') ? f : join(f, 'latest.json'), 'utf8')) as Saved);
const from = new Map<Workload, number>();
runs.forEach((r, k) => new Set(r.cells.map((c) => c.workload)).forEach((w) => from.set(w, k)));
const cells = ORDER.flatMap((w) => (from.has(w) ? runs[from.get(w)!]!.cells.filter((c) => c.workload === w) : []));
const workloads = ORDER.filter((w) => from.has(w));
const sources = runs
  .map((r, k) => {
    const ws = workloads.filter((w) => from.get(w) === k);
    return ws.length ? `${ws.join(', ')} from the run of ${r.meta.date} (downloads ${r.meta.downloadBytes / (1 << 20)} MiB, ${r.meta.runs} runs per cell)` : '';
  })
  .filter(Boolean);
const aRun = runs[from.get('A') ?? from.get('B') ?? 0]!;
const { sources: _earlier, ...base } = runs[runs.length - 1]!.meta;
// the sizes come from the runs that measured them
const bRun = runs[from.get('B') ?? from.get('B2') ?? 0]!;
const meta = {
  ...base,
  downloadBytes: aRun.meta.downloadBytes,
  tlsDownloadBytes: bRun.meta.tlsDownloadBytes ?? bRun.meta.downloadBytes,
  ...(runs.length > 1 ? { sources } : {}),
};
const table = summarise(cells, workloads);
const ratios = ratioRows(table);
writeFileSync(
  join(outDir, 'latest.json'),
  JSON.stringify({ meta, table: table.map((t) => ({ ...t, metric: { ...t.metric, value: undefined } })), ratios, cells }, null, 1),
);
writeFileSync(join(outDir, 'latest.md'), markdown(meta, table, ratios, cells));
writeFileSync(join(outDir, 'ratios.svg'), renderSvg(ratios, meta as never));
console.log(markdown(meta, table, ratios, cells));
