// SPDX-License-Identifier: MIT
// The benchmark's report: metrics per workload, medians, ratios against each
// peer, the targets, and the Markdown tables (used by run.ts and merge.ts).
import { CLIENTS, type Client, type Job, type JobResult, type Workload } from './jobs.js';

const MiB = 1 << 20;
export const protoOf = (w: Workload): 'http' | 'https' | 'h2' => (w === 'B' ? 'https' : w === 'B2' || w === 'D2' ? 'h2' : 'http');

export interface ServerStats {
  connections: Record<'http' | 'https' | 'h2', number>;
  requests: Record<'http' | 'https' | 'h2', number>;
  statuses: Record<string, number>;
  uploaded: number;
  open: Record<'http' | 'https' | 'h2', number>;
  peakOpen: Record<'http' | 'https' | 'h2', number>;
}

// --- metrics -------------------------------------------------------------------------

export interface Metric {
  key: string;
  workload: Workload;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  value: (job: Job, r: JobResult) => number;
}

const mbps = (job: Job, r: JobResult) => job.size / 1e6 / (r.ms / 1000);
const rps = (job: Job, r: JobResult) => job.requests / (r.ms / 1000);
export const METRICS: Metric[] = [
  { key: 'A', workload: 'A', label: 'A download HTTP/1.1', unit: 'MB/s', higherIsBetter: true, value: mbps },
  { key: 'B', workload: 'B', label: 'B download HTTPS TLS 1.3', unit: 'MB/s', higherIsBetter: true, value: mbps },
  { key: 'B2', workload: 'B2', label: 'B2 download HTTP/2', unit: 'MB/s', higherIsBetter: true, value: mbps },
  { key: 'C', workload: 'C', label: 'C sequential GETs, keep-alive', unit: 'req/s', higherIsBetter: true, value: rps },
  { key: 'D', workload: 'D', label: 'D GETs, 100 in flight', unit: 'req/s', higherIsBetter: true, value: rps },
  { key: 'D2', workload: 'D2', label: 'D2 GETs, 100 streams, HTTP/2', unit: 'req/s', higherIsBetter: true, value: rps },
  { key: 'E', workload: 'E', label: 'E upload HTTP/1.1', unit: 'MB/s', higherIsBetter: true, value: mbps },
  { key: 'F', workload: 'D', label: 'F peak RSS during D', unit: 'MiB', higherIsBetter: false, value: (_j, r) => r.peakRss / MiB },
  { key: 'G', workload: 'G', label: 'G start-up + first GET', unit: 'ms', higherIsBetter: false, value: (_j, r) => r.ms },
  { key: 'H', workload: 'H', label: 'H transfers at once: time', unit: 's', higherIsBetter: false, value: (_j, r) => r.ms / 1000 },
  { key: 'Hmem', workload: 'H', label: 'H transfers at once: peak RSS', unit: 'MiB', higherIsBetter: false, value: (_j, r) => r.peakRss / MiB },
];

export interface RunRecord {
  run: number;
  ok: boolean;
  problems: string[];
  warnings?: string[];
  result?: JobResult;
  error?: string;
  server?: ServerStats;
}
export interface Cell {
  workload: Workload;
  client: Client;
  job: Omit<Job, 'urls' | 'caPath' | 'tmpDir' | 'uploadFile'>;
  runs: RunRecord[];
  na?: string;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
  of: number;
}

export function stat(values: number[], of: number): Stat | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length, of };
}

export type Table = { metric: Metric; stats: Partial<Record<Client, Stat | string>> }[];

/** Medians per metric and client over the verified runs. */
export function summarise(cells: Cell[], workloads: readonly Workload[]): Table {
  const table: Table = [];
  for (const metric of METRICS) {
    if (!workloads.includes(metric.workload)) continue;
    const stats: Partial<Record<Client, Stat | string>> = {};
    for (const cell of cells.filter((c) => c.workload === metric.workload)) {
      if (cell.na) {
        stats[cell.client] = 'n/a';
        continue;
      }
      const job = { ...cell.job } as Job;
      const good = cell.runs.filter((r) => r.ok && r.result).map((r) => metric.value(job, r.result!));
      stats[cell.client] = stat(good, cell.runs.length) ?? 'failed';
    }
    table.push({ metric, stats });
  }
  return table;
}

export interface RatioRow {
  key: string;
  label: string;
  /** libcurl-wasm's advantage over each peer: >1 means libcurl-wasm is better. */
  vs: Partial<Record<Client, number>>;
  /** The same for libcurl-wasm's fetch() and request() on a default Session (against `wasm` too: the Session layer's cost). */
  fetchVs: Partial<Record<Client, number>>;
  requestVs: Partial<Record<Client, number>>;
}

export function ratioRows(table: { metric: Metric; stats: Partial<Record<Client, Stat | string>> }[]): RatioRow[] {
  return table.map(({ metric, stats }) => {
    const adv = (mine: Stat | string | undefined, peer: Stat | string | undefined) => {
      if (typeof mine !== 'object' || typeof peer !== 'object') return undefined;
      return metric.higherIsBetter ? mine.median / peer.median : peer.median / mine.median;
    };
    const vs: Partial<Record<Client, number>> = {};
    const fetchVs: Partial<Record<Client, number>> = {};
    const requestVs: Partial<Record<Client, number>> = {};
    for (const c of CLIENTS) {
      if (c !== 'wasm') {
        const r = adv(stats.wasm, stats[c]);
        if (r !== undefined) vs[c] = r;
      }
      if (c !== 'wasm-fetch') {
        const r = adv(stats['wasm-fetch'], stats[c]);
        if (r !== undefined) fetchVs[c] = r;
      }
      if (c !== 'wasm-request') {
        const r = adv(stats['wasm-request'], stats[c]);
        if (r !== undefined) requestVs[c] = r;
      }
    }
    return { key: metric.key, label: metric.label, vs, fetchVs, requestVs };
  });
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

export const TARGETS: { key: string; peer: Client; min: number; text: string }[] = [
  { key: 'A', peer: 'undici', min: 1.3, text: 'A ≥ 1.3× undici' },
  { key: 'A', peer: 'curl', min: 0.6, text: 'A ≥ 0.6× native curl' },
  { key: 'B', peer: 'undici', min: 1.0, text: 'B ≥ 1.0× undici' },
  { key: 'B2', peer: 'undici', min: 1.0, text: 'B2 ≥ 1.0× undici' },
  { key: 'C', peer: 'undici', min: 1.0, text: 'C ≥ 1.0× undici' },
  { key: 'D', peer: 'undici', min: 1.1, text: 'D ≥ 1.1× undici' },
  { key: 'D2', peer: 'node-libcurl', min: 1.0, text: 'D2 ≥ 1.0× node-libcurl' },
  { key: 'E', peer: 'undici', min: 0.9, text: 'E ≥ 0.9× undici' },
  { key: 'F', peer: 'undici', min: 1.0, text: "F peak RSS below undici's" },
];

export function markdown(
  meta: Record<string, unknown>,
  table: { metric: Metric; stats: Partial<Record<Client, Stat | string>> }[],
  ratios: RatioRow[],
  cells: Cell[],
): string {
  const m = meta as {
    libcurlWasm: { source: string; wasmSha256: string };
    hConns: number;
    date: string;
    quick: boolean;
    runs: number;
    downloadBytes: number;
    uploadBytes: number;
    requests: number;
    concurrency: number;
    node: string;
    cpus: string;
    loadavgStart: number[];
    loadavgEnd: number[];
    versions: Record<string, string>;
    seconds: number;
  };
  const L: string[] = [];
  L.push(`# libcurl-wasm benchmark — ${m.date}${m.quick ? ' (QUICK: small sizes, not for comparison)' : ''}`);
  L.push('');
  const tls = (meta as { tlsDownloadBytes?: number }).tlsDownloadBytes ?? m.downloadBytes;
  L.push(
    `Downloads: A **${m.downloadBytes / MiB} MiB**, B and B2 **${tls / MiB} MiB**${tls !== m.downloadBytes ? ' (a smaller body for TLS keeps the run short)' : ''}; upload (E): **${m.uploadBytes / MiB} MiB**; C/D/D2/H: **${m.requests}** requests (D/D2: ${m.concurrency} in flight; H: all added at once to one Multi, ${m.hConns ? m.hConns + ' connections' : 'no connection cap'}). ` +
      `Each cell: median [min–max] over the verified runs (${m.runs} per cell; a fresh process per run). Node ${m.node}, ${m.cpus}, load average ${m.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${m.loadavgEnd.map((x) => x.toFixed(1)).join('/')} at end; took ${m.seconds} s.`,
  );
  const sources = (meta as { sources?: string[] }).sources;
  if (sources) L.push(`**Merged** from separate runs (each workload's clients always ran side by side in one run): ${sources.join('; ')}.`, '');
  const server = (meta as { server?: string }).server;
  if (server) L.push(`Server: **${server}** on 127.0.0.1.`);
  L.push(`libcurl-wasm: ${m.libcurlWasm.source}; libcurl.wasm sha256 ${m.libcurlWasm.wasmSha256.slice(0, 16)}….`);
  L.push(
    `Peers: ${m.versions.curl}; undici ${m.versions.undici}; node-libcurl ${m.versions['node-libcurl']} (built from source against Debian's libcurl); libcurl.wasm ${m.versions['libcurl.wasm']}.`,
  );
  L.push('');
  L.push(
    "`wasm` = libcurl-wasm Easy + Multi.run with a byte-counting WRITEFUNCTION; `wasm-request` and `wasm-fetch` = libcurl-wasm session.request() and session.fetch() on `new Session({ ca })`; `curl` = Debian's curl CLI.",
  );
  L.push('');
  L.push(`| workload | unit | ${CLIENTS.join(' | ')} |`);
  L.push(`| --- | --- | ${CLIENTS.map(() => '---').join(' | ')} |`);
  for (const { metric, stats } of table) {
    const cols = CLIENTS.map((c) => {
      const s = stats[c];
      if (s === undefined) return '';
      if (typeof s === 'string') return s;
      const partial = s.n < s.of ? ` (${s.n}/${s.of} ok)` : '';
      return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]${partial}`;
    });
    L.push(`| ${metric.label} | ${metric.unit}${metric.higherIsBetter ? ' ↑' : ' ↓'} | ${cols.join(' | ')} |`);
  }
  L.push('');
  L.push("## Ratios (medians): libcurl-wasm's advantage over each peer, >1 means libcurl-wasm is better");
  L.push('');
  const layers = [
    ['wasm', 'vs'],
    ['wasm-request', 'requestVs'],
    ['wasm-fetch', 'fetchVs'],
  ] as const;
  const columns = layers.flatMap(([mine, field]) =>
    CLIENTS.filter((p) => p !== mine && (mine === 'wasm' || (p !== 'wasm-request' && p !== 'wasm-fetch'))).map((p) => [mine, field, p] as const),
  );
  L.push(`| workload | ${columns.map(([mine, , p]) => `${mine} vs ${p}`).join(' | ')} |`);
  L.push(`| --- | ${columns.map(() => '---').join(' | ')} |`);
  for (const r of ratios) {
    L.push(`| ${r.label} | ${columns.map(([, field, p]) => (r[field]?.[p] === undefined ? '' : `${r[field]![p]!.toFixed(2)}×`)).join(' | ')} |`);
  }
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push("libcurl-wasm's three columns: the binding (`wasm`, Easy + Multi with curl's defaults), and `request()` and `fetch()` on a default Session.");
  L.push('');
  L.push('| target | wasm | holds | wasm-request | holds | wasm-fetch | holds |');
  L.push('| --- | --- | --- | --- | --- | --- | --- |');
  const held = (r: number | undefined, min: number) => (r === undefined ? 'not measured | —' : `${r.toFixed(2)}× | ${r >= min ? 'yes' : '**no**'}`);
  for (const t of TARGETS) {
    const row = ratios.find((x) => x.key === t.key);
    L.push(`| ${t.text} | ${held(row?.vs[t.peer], t.min)} | ${held(row?.requestVs[t.peer], t.min)} | ${held(row?.fetchVs[t.peer], t.min)} |`);
  }
  L.push('');
  L.push(
    "Session layer (issue 15): request() and fetch() on a default Session against the binding (≥ 0.9× on A, C, D, D2, E), request() against undici's request and fetch() against Node's fetch (≥ 1.0×).",
  );
  L.push('');
  L.push('| workload | request ÷ wasm | fetch ÷ wasm | request vs undici | fetch vs node-fetch |');
  L.push('| --- | --- | --- | --- | --- |');
  const x = (v: number | undefined, min: number) => (v === undefined ? '' : `${v.toFixed(2)}×${v >= min ? '' : ' **no**'}`);
  for (const r of ratios) {
    const bindingTarget = ['A', 'C', 'D', 'D2', 'E'].includes(r.key);
    L.push(
      `| ${r.label} | ${bindingTarget ? x(r.requestVs.wasm, 0.9) : ''} | ${bindingTarget ? x(r.fetchVs.wasm, 0.9) : ''} | ${x(r.requestVs.undici, 1)} | ${x(r.fetchVs['node-fetch'], 1)} |`,
    );
  }
  L.push('');
  L.push('## Connections the server accepted per run (median [min–max])');
  L.push('');
  L.push(`| workload | ${CLIENTS.join(' | ')} |`);
  L.push(`| --- | ${CLIENTS.map(() => '---').join(' | ')} |`);
  for (const w of [...new Set(cells.map((c) => c.workload))]) {
    const cols = CLIENTS.map((client) => {
      const c = cells.find((x) => x.workload === w && x.client === client);
      if (!c || c.na) return c?.na ? 'n/a' : '';
      const st = stat(
        c.runs.filter((r) => r.server).map((r) => r.server!.connections[protoOf(w)]),
        c.runs.length,
      );
      return st ? (st.min === st.max ? `${st.median}` : `${st.median} [${st.min}–${st.max}]`) : '';
    });
    L.push(`| ${w} | ${cols.join(' | ')} |`);
  }
  L.push('');
  const g = cells.filter((c) => c.workload === 'G' && !c.na);
  if (g.length) {
    L.push('## G phases and CPU (median ms)');
    L.push('');
    for (const c of g) {
      const ok = c.runs.filter((r) => r.ok && r.result?.phases);
      const names = [...new Set(ok.flatMap((r) => Object.keys(r.result!.phases!)))];
      const parts = names.map(
        (n) =>
          `${n} ${fmt(
            stat(
              ok.map((r) => r.result!.phases![n] ?? 0),
              ok.length,
            )!.median,
          )}`,
      );
      // CPU of the process over the figure (all its threads): load disturbs it less than the wall time
      const cpu = ok.filter((r) => r.result!.cpuMs !== undefined).map((r) => r.result!.cpuMs!);
      if (cpu.length) {
        const st = stat(cpu, cpu.length)!;
        parts.push(`CPU ${fmt(st.median)} [${fmt(st.min)}–${fmt(st.max)}]`);
      }
      L.push(`- ${c.client}: ${parts.join(', ')}`);
    }
    L.push('');
  }
  const failures = cells.flatMap((c) => c.runs.filter((r) => !r.ok).map((r) => `- ${c.workload} ${c.client} run ${r.run + 1}: ${r.problems.join('; ')}`));
  if (failures.length) {
    L.push('## Failed runs (excluded from the medians)');
    L.push('');
    L.push(...failures);
    L.push('');
  }
  const warnings = [
    ...new Set(cells.flatMap((c) => c.runs.flatMap((r) => (r.warnings ?? []).map((x) => `- ${c.workload} ${c.client}: ${x.replace(/\d+/g, 'N')}`)))),
  ];
  if (warnings.length) {
    L.push('## Warnings (runs kept)');
    L.push('');
    L.push(...warnings);
    L.push('');
  }
  const notes = [...new Set(cells.flatMap((c) => c.runs.map((r) => (r.result?.note ? `- ${c.workload} ${c.client}: ${r.result.note}` : '')).filter(Boolean)))];
  if (notes.length) {
    L.push('## Notes');
    L.push('');
    L.push(...notes.slice(0, 40));
    L.push('');
  }
  return L.join('\n');
}
