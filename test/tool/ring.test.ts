// SPDX-License-Identifier: MIT
// The tool's per-socket receive ring (ts/tool/ring.ts): its bounds,
// wrap-around and pause in one thread, then curl-wasm itself with rings far
// smaller than the bodies it downloads, against loopback servers.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../ts/tool/host.js';
import { RingReader, ringCapacity, SharedRing } from '../../ts/tool/ring.js';
import { patternBytes, sha256, startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';

/** Writes `bytes` at the ring's tail as a runtime socket's reads do (region, then complete). */
function arrive(ring: SharedRing, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) {
    const room = ring.region();
    expect(room.length).toBeGreaterThan(0);
    const n = Math.min(room.length, bytes.length - at);
    room.set(bytes.subarray(at, at + n));
    ring.complete(n);
    at += n;
  }
}

describe('SharedRing and RingReader', () => {
  it('keeps bytes in order across the wrap-around, and a peek reads without consuming', () => {
    const ring = new SharedRing(ringCapacity(2048), 2048);
    const reader = new RingReader(ring.sab);
    const body = patternBytes(20_000);
    let sent = 0;
    const got: Uint8Array[] = [];
    while (sent < body.length || reader.size > 0) {
      const n = Math.min(1500, body.length - sent);
      if (n > 0 && ring.size < 2048) {
        arrive(ring, body.subarray(sent, sent + n));
        sent += n;
      }
      const peek = new Uint8Array(7);
      const seen = reader.read(peek, true);
      const out = new Uint8Array(1100);
      const m = reader.read(out, false);
      expect(out.subarray(0, seen)).toEqual(peek.subarray(0, seen));
      got.push(out.slice(0, m));
    }
    expect(sha256(Buffer.concat(got))).toBe(sha256(body));
  });

  it('flags a pause at the high-water mark and tells the socket once the reader is below half of it', async () => {
    const ring = new SharedRing(ringCapacity(4096), 4096);
    const reader = new RingReader(ring.sab);
    let drained = 0;
    ring.onDrained = () => drained++;
    arrive(ring, patternBytes(5000));
    expect(ring.size).toBe(5000);
    reader.read(new Uint8Array(2000), false); // 3000 left: still above half the mark
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(0);
    reader.read(new Uint8Array(1500), false); // 1500 left
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(1);
  });

  it('a paused ring that is cleared (its socket closed) ends its wait', async () => {
    const ring = new SharedRing(ringCapacity(4096), 4096);
    let drained = 0;
    ring.onDrained = () => drained++;
    arrive(ring, patternBytes(6000));
    ring.clear();
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(1);
    expect(ring.size).toBe(0);
  });

  it("keeps a 'data' chunk that does not fit until the reader makes room, in order", () => {
    const ring = new SharedRing(ringCapacity(2048), 2048);
    const body = patternBytes(10_000);
    ring.push(body.subarray(0, 6000));
    ring.push(body.subarray(6000));
    expect(ring.size).toBe(10_000);
    const out = new Uint8Array(10_000);
    let n = 0;
    while (n < out.length) n += ring.take(out.subarray(n), false);
    expect(sha256(out)).toBe(sha256(body));
    expect(ring.size).toBe(0);
  });
});

describe('curl-wasm over rings smaller than its bodies', () => {
  let http: TestServer;
  let dir: string;
  beforeAll(async () => {
    http = await startHttpServer();
    dir = mkdtempSync(join(tmpdir(), 'curl-wasm-ring-'));
    writeFileSync(join(dir, 'stdin'), '');
  });
  afterAll(async () => {
    await http.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the tool with a `highWater`-byte mark (its ring twice that); its exit code and stderr. */
  async function tool(args: string[], highWater = 8 << 10): Promise<{ code: number; stderr: string }> {
    const stdio: [string, string, string] = [join(dir, 'stdin'), join(dir, 'stdout'), join(dir, 'stderr')];
    const code = await runTool({ args, env: { PWD: dir }, stdio, recvHighWater: highWater });
    return { code, stderr: readFileSync(stdio[2], 'utf8') };
  }

  it('downloads a body hundreds of times the ring, byte for byte', async () => {
    const r = await tool(['-sS', `${http.url}/bytes/5000000`, '-o', join(dir, 'big')]);
    expect(r).toEqual({ code: 0, stderr: '' });
    expect(sha256(readFileSync(join(dir, 'big')))).toBe(sha256(patternBytes(5_000_000)));
  });

  it('a slow reader (--limit-rate) pauses the socket and resumes it, losing nothing', async () => {
    const r = await tool(['-sS', '--limit-rate', '2M', `${http.url}/chunked/3000000`, '-o', join(dir, 'slow')]);
    expect(r).toEqual({ code: 0, stderr: '' });
    expect(statSync(join(dir, 'slow')).size).toBe(3_000_000);
  });

  it('a connection closed mid-body is a partial file (18), with every byte that came', async () => {
    const sent = 300_000;
    const raw = await startRawServer((s: Socket) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
        s.end(patternBytes(sent));
      });
    });
    try {
      const r = await tool(['-sS', raw.url, '-o', join(dir, 'cut')]);
      expect(r.code).toBe(18);
      expect(r.stderr).toMatch(/^curl: \(18\) end of response with 700000 bytes missing/);
      expect(sha256(readFileSync(join(dir, 'cut')))).toBe(sha256(patternBytes(sent)));
    } finally {
      await raw.close();
    }
  });

  it('many sockets at once (--parallel), each its own ring', async () => {
    const sizes = [100_000, 700_000, 1, 250_000, 1_500_000, 40_000, 900_000, 333_333, 2_000_000, 64 << 10, 12_345, 1_000_000];
    const args = ['-sS', '-Z', '--parallel-max', '12'];
    sizes.forEach((n, i) => args.push(`${http.url}/bytes/${n}`, '-o', join(dir, `p${i}`)));
    expect(await tool(args)).toEqual({ code: 0, stderr: '' });
    sizes.forEach((n, i) => expect(sha256(readFileSync(join(dir, `p${i}`)))).toBe(sha256(patternBytes(n))));
  });
});
