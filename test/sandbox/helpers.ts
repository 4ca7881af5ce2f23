// SPDX-License-Identifier: MIT
// Shared by the sandbox suites: a sandbox per test that is always destroyed,
// the end-of-case checks (no transfer, socket or ref left behind) and
// matchers for the typed failures.
import * as net from 'node:net';
import { expect, onTestFinished } from 'vitest';
import { CurlEasyError, LimitExceeded, PolicyDenied, Sandbox, type SandboxOptions } from '../../ts/index.js';

/** 127.0.0.1 stands in for "public"; 127.0.0.2, 10/8 and the metadata address for "internal". */
export const LOOPBACK_IS_PUBLIC = { preset: 'none', denyAddresses: ['127.0.0.2', '10.0.0.0/8', '169.254.169.254'] } as const;

/** A Sandbox destroyed when the test ends, whatever happens. */
export async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sb = await Sandbox.create({ policy: { ...LOOPBACK_IS_PUBLIC }, ...options });
  onTestFinished(() => sb.destroy());
  return sb;
}

/**
 * The end of a case: no transfer in flight, runtime sockets unref'd (they do
 * not keep the event loop alive), and after destroy() no descriptor left.
 */
export async function expectClean(sb: Sandbox): Promise<void> {
  expect(sb.runtime.activeTransfers).toBe(0);
  expect(sb.runtime.sockets.ref).toBe(false);
  await sb.destroy();
  expect(sb.runtime.sockets.size).toBe(0);
}

/** What a failed request() settles with, and how long it took. `ms` is
 * asserted only where the property under test is itself a deadline (a
 * timeoutMs that must end a transfer at the limit, not a multiple of it);
 * elsewhere the error code tells a prompt failure from a timeout. */
export async function failure(p: Promise<unknown>): Promise<{ err: CurlEasyError; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await p;
    // a response: its body must fail instead
    if (res && typeof res === 'object' && 'bytes' in res) await (res as { bytes(): Promise<unknown> }).bytes();
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(CurlEasyError);
    return { err: err as CurlEasyError, ms: performance.now() - t0 };
  }
  throw new Error('expected the transfer to fail, and it succeeded');
}

/** The transfer failed because the policy refused something, by a rule matching `rule`. */
export function expectDenied(err: CurlEasyError, rule: RegExp | string): PolicyDenied {
  expect(err.cause, `${err.code}: ${err.message}`).toBeInstanceOf(PolicyDenied);
  const denied = err.cause as PolicyDenied;
  if (typeof rule === 'string') expect(denied.rule).toBe(rule);
  else expect(denied.rule).toMatch(rule);
  return denied;
}

/** The transfer failed because the sandbox cut it at `limit`. */
export function expectLimit(err: CurlEasyError, limit: string): LimitExceeded {
  expect(err.cause, `${err.code}: ${err.message}`).toBeInstanceOf(LimitExceeded);
  expect((err.cause as LimitExceeded).limit).toBe(limit);
  return err.cause as LimitExceeded;
}

/** Bytes of the sandbox's wasm memory now. */
export function wasmMemory(sb: Sandbox): number {
  return sb.runtime.exports.memory.buffer.byteLength;
}

export interface Trap {
  host: string;
  port: number;
  /** Connections accepted: any at all is an escape. */
  accepted: number;
  close(): Promise<void>;
}

/** A server that answers "escaped" and counts what it accepts: any connection at all is an escape. */
export async function trap(host: string): Promise<Trap> {
  const sockets = new Set<net.Socket>();
  const t = { host, port: 0, accepted: 0, close: async () => {} };
  const server = net.createServer((s) => {
    t.accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nescaped');
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  t.port = (server.address() as net.AddressInfo).port;
  t.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(() => r()));
  };
  return t;
}
