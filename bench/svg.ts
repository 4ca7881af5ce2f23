// SPDX-License-Identifier: MIT
// A hand-written SVG bar chart of libcurl-wasm's ratios against undici and
// the native curl CLI, per workload, on a log scale around 1× (above the line:
// libcurl-wasm is better).
import type { RatioRow } from './report.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(rows: RatioRow[], meta: { date: string; quick: boolean; downloadBytes: number; tlsDownloadBytes?: number }): string {
  const series = [
    { peer: 'undici', color: '#3b6fb6', name: 'vs undici' },
    { peer: 'curl', color: '#e08a2c', name: 'vs native curl CLI' },
  ] as const;
  const W = Math.max(640, 90 + rows.length * 70);
  const H = 400;
  const top = 60;
  const bottom = 330;
  const left = 60;
  // log2 range: from below the smallest ratio to above the largest, at least 1/2×..2×
  const all = rows.flatMap((r) => series.map((s) => r.vs[s.peer])).filter((r): r is number => r !== undefined && r > 0);
  const lo = Math.max(-8, Math.min(-1, Math.floor(Math.log2(Math.min(...all, 1)) - 0.35)));
  const hi = Math.min(8, Math.max(1, Math.ceil(Math.log2(Math.max(...all, 1)) + 0.35)));
  const y = (r: number) => {
    const l = Math.min(hi, Math.max(lo, Math.log2(r)));
    return top + ((hi - l) / (hi - lo)) * (bottom - top);
  };
  const slot = (W - left - 20) / Math.max(1, rows.length);
  const bar = Math.min(24, slot / 3);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  const human = (b: number) => (b >= 1 << 30 ? `${b / (1 << 30)} GiB` : `${b / (1 << 20)} MiB`);
  const size = `A ${human(meta.downloadBytes)}, B/B2 ${human(meta.tlsDownloadBytes ?? meta.downloadBytes)}`;
  out.push(
    `<text x="${left}" y="22" font-size="14" font-weight="bold">libcurl-wasm vs peers (medians; &gt;1× = libcurl-wasm better)${meta.quick ? ' — QUICK run' : ''}</text>`,
  );
  out.push(
    `<text x="${left}" y="40" fill="#555">${esc(meta.date)}; downloads ${size}; throughput ratios for A–E, inverse time/memory ratios for F–H; log scale</text>`,
  );
  for (let l = lo; l <= hi; l++) {
    const yy = y(2 ** l);
    out.push(`<line x1="${left}" x2="${W - 20}" y1="${yy}" y2="${yy}" stroke="${l === 0 ? '#000' : '#ddd'}" stroke-width="${l === 0 ? 1.5 : 1}"/>`);
    const label = l >= 0 ? `${2 ** l}×` : `1/${2 ** -l}×`;
    out.push(`<text x="${left - 6}" y="${yy + 4}" text-anchor="end">${label}</text>`);
  }
  rows.forEach((row, i) => {
    const cx = left + slot * i + slot / 2;
    series.forEach((s, j) => {
      const r = row.vs[s.peer];
      const x = cx - bar + j * bar;
      if (r === undefined) {
        out.push(`<text x="${x + bar / 2}" y="${y(1) - 4}" text-anchor="middle" fill="#999" font-size="9">n/a</text>`);
        return;
      }
      const y0 = y(1);
      const y1 = y(r);
      out.push(
        `<rect x="${x + 1}" y="${Math.min(y0, y1)}" width="${bar - 2}" height="${Math.max(1, Math.abs(y1 - y0))}" fill="${s.color}"><title>${esc(row.label)} ${s.name}: ${r.toFixed(2)}×</title></rect>`,
      );
      const ty = r >= 1 ? y1 - 3 : y1 + 11;
      out.push(`<text x="${x + bar / 2}" y="${ty}" text-anchor="middle" font-size="9">${r.toFixed(2)}</text>`);
    });
    out.push(`<text x="${cx}" y="${bottom + 16}" text-anchor="middle" font-weight="bold">${esc(row.key)}</text>`);
    const words = row.label.replace(/^\S+\s/, '').split(' ');
    const lines: string[] = [];
    for (const w of words) {
      if (lines.length && (lines[lines.length - 1]! + ' ' + w).length <= 12) lines[lines.length - 1] += ' ' + w;
      else lines.push(w);
    }
    lines
      .slice(0, 3)
      .forEach((t, k) => out.push(`<text x="${cx}" y="${bottom + 29 + k * 11}" text-anchor="middle" fill="#555" font-size="9">${esc(t)}</text>`));
  });
  series.forEach((s, j) => {
    const x = W - 300 + j * 150;
    out.push(`<rect x="${x}" y="48" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="57">${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
