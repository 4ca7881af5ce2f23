// SPDX-License-Identifier: MIT
// What bench/run.ts asks a worker (bench/worker.ts) to do, and what it answers,
// and the bytes every body is made of.
import { closeSync, openSync, writeSync } from 'node:fs';
import { patternBytes } from '../test/fixtures/servers.js';

export type Client = 'wasm' | 'wasm-fetch' | 'wasm-request' | 'curl' | 'undici' | 'node-fetch' | 'node-libcurl';
export const CLIENTS: readonly Client[] = ['wasm', 'wasm-fetch', 'wasm-request', 'curl', 'undici', 'node-fetch', 'node-libcurl'];

/** Every large body (downloads, uploads, nginx's files): this 1 MiB block, byte i = i % 251, repeated. */
export const PATTERN_BLOCK = patternBytes(1 << 20);

/** Writes `n` bytes of repeated PATTERN_BLOCK to a new file. */
export function writePatternFile(path: string, n: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let left = n; left > 0; left -= PATTERN_BLOCK.length) writeSync(fd, PATTERN_BLOCK, 0, Math.min(PATTERN_BLOCK.length, left));
  } finally {
    closeSync(fd);
  }
}

/** The /small body both servers answer (bench/server.ts, bench/nginx-server.ts). */
export const SMALL_BODY = Buffer.from('x'.repeat(127) + '\n');

export type Workload = 'A' | 'B' | 'B2' | 'C' | 'D' | 'D2' | 'E' | 'G' | 'H';

export interface Job {
  workload: Workload;
  client: Client;
  /** Base URLs of the servers. */
  urls: { http: string; https: string; h2: string };
  /** PEM of the CA that signed the servers' certificate, and its path. */
  caPath: string;
  /** Body size for A/B/B2 (download) and E (upload), bytes. */
  size: number;
  /** Requests for C/D/D2/H. */
  requests: number;
  /** In flight for D/D2 (and the connection cap for H). */
  concurrency: number;
  /** Warm-up requests before the timed part (same connections). */
  warmup: number;
  /** Warm-up body size for A/B/B2/E (enough for V8 to tier the hot wasm and JS up). */
  warmupBytes: number;
  /** For E with the curl CLI: a file of `size` bytes to upload. */
  uploadFile?: string;
  /** Scratch directory for config files. */
  tmpDir: string;
}

export interface JobResult {
  /** Wall time of the timed part, ms. */
  ms: number;
  /** CPU time (user + system) of the measuring process over the timed part, ms; steadier than wall time on a loaded machine (not for the curl CLI). */
  cpuMs?: number;
  /** Body bytes received (downloads) or sent and acknowledged (uploads). */
  bytes: number;
  /** Responses by status over the timed part and the warm-up. */
  statuses: Record<string, number>;
  /** Responses expected in total (timed + warm-up). */
  expectedResponses: number;
  /** Peak RSS of the measuring process during the timed part, bytes (VmHWM after clear_refs; curl: ru_maxrss). */
  peakRss: number;
  /** RSS when the timed part started, bytes. */
  startRss: number;
  /** Negotiated HTTP version as the client reports it ('1.1', '2'), where it can tell. */
  httpVersion?: string;
  /** G: the phases, ms. */
  phases?: Record<string, number>;
  /** Anything worth a note. */
  note?: string;
}
