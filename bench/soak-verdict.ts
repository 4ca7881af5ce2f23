// SPDX-License-Identifier: MIT
// bench/soak.ts's judgement of one memory series, apart so that recorded runs
// can be judged again. RSS moves with things that are no leak: V8 sizes its
// young generation by the allocation rate (heapTotal steps by megabytes when
// the throughput changes) and malloc keeps freed memory for reuse, so a single
// sample says little. A leak is growth with the number of transfers, so the
// verdict weighs the whole run after warm-up:
//   level  the median of the last third of the samples against the level
//          after warm-up (the median of the warm-up's second half);
//   trend  the Theil-Sen line through the samples after warm-up (the median of
//          the slopes between every pair): its rise over them, as a share of
//          that level (and in bytes per transfer);
//   peak   the highest sample, which may stray further (`peakTolerance`).
// Each fails above its tolerance. With 5% of ~150 MiB over 80,000 transfers the
// trend fails from about 100 bytes per transfer.

export interface Point {
  done: number;
  value: number;
}

export interface Judgement {
  base: number;
  level: number;
  peak: number;
  /** Bytes (units of `value`) per transfer, after warm-up. */
  slope: number;
  /** Percent of `base`. */
  levelPct: number;
  risePct: number;
  peakPct: number;
  failed: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (base: number, v: number) => (base === 0 ? 0 : ((v - base) / base) * 100);

/**
 * Theil-Sen slope of value against done: the median of the slopes between
 * every pair of samples. Unlike a least-squares line it is not pulled up by a
 * hump of a few samples (RSS rises for as long as the throughput does), yet
 * follows a steady rise however noisy.
 */
export function slope(points: Point[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let k = i + 1; k < points.length; k++) {
      const dx = points[k]!.done - points[i]!.done;
      if (dx) slopes.push((points[k]!.value - points[i]!.value) / dx);
    }
  return slopes.length ? median(slopes) : 0;
}

export function judge(points: Point[], warmUp: number, tolerance: number, peakTolerance: number): Judgement {
  const warm = points.filter((p) => p.done <= warmUp);
  const after = points.filter((p) => p.done > warmUp);
  const settled = warm.filter((p) => p.done > warmUp / 2);
  const base = median((settled.length ? settled : warm.length ? warm : points.slice(0, 1)).map((p) => p.value));
  const judged = after.length ? after : points.slice(-1);
  const level = median(judged.slice(-Math.max(1, Math.floor(judged.length / 3))).map((p) => p.value));
  const peak = Math.max(...judged.map((p) => p.value));
  const b = slope(judged);
  const span = judged.length > 1 ? judged.at(-1)!.done - judged[0]!.done : 0;
  const j: Judgement = {
    base,
    level,
    peak,
    slope: b,
    levelPct: pct(base, level),
    risePct: base === 0 ? 0 : ((b * span) / base) * 100,
    peakPct: pct(base, peak),
    failed: [],
  };
  // only growth fails: memory given back is no leak
  if (j.levelPct > tolerance) j.failed.push(`level ${sign(j.levelPct)}`);
  if (j.risePct > tolerance) j.failed.push(`trend ${sign(j.risePct)} (${b.toFixed(0)} B/transfer)`);
  if (j.peakPct > peakTolerance) j.failed.push(`peak ${sign(j.peakPct)}`);
  return j;
}

export const sign = (p: number) => `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
