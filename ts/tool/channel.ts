// SPDX-License-Identifier: MIT
// Synchronous calls from the tool's worker to the main thread, which owns the
// sockets. The curl tool blocks (curl_easy_perform, poll), a thread can block
// only on Atomics.wait, and node:net lives on an event loop: so the worker
// copies a call's memory arguments into a SharedArrayBuffer, waits, and the
// main thread runs the same `curlhost` functions the library uses on that
// buffer, as if it were wasm memory, then wakes the worker.
import { ERRNO } from '../host/errno.js';

/** One control word per field, then the data area the pointers point into. */
const STATE = 0; // IDLE → CALL (worker) → DONE (main) → IDLE (worker)
const FN = 1;
const ARGS = 2; // up to 6 arguments
const RESULT = 8;
const IDLE = 0;
const CALL = 1;
const DONE = 2;
export const DATA_OFFSET = 64;
/** Enough for curl's largest recv/send (CURL_MAX_READ_SIZE 10 MiB is rare; 1 MiB typical). */
export const DATA_SIZE = 2 << 20;

/** How a pointer argument moves: copied in, out, or both; its size from the call's arguments. */
interface Region {
  arg: number;
  dir: 'in' | 'out' | 'inout';
  size: (args: number[], mem: DataView) => number;
}

const len = (i: number) => (args: number[]) => args[i]!;
const lenAt = (i: number) => (args: number[], mem: DataView) => mem.getUint32(args[i]!, true);
const cstring = (i: number) => (args: number[], mem: DataView) => {
  let n = args[i]!;
  while (mem.getUint8(n) !== 0) n++;
  return n - args[i]! + 1;
};

/** A proxied call: its memory arguments, and which length argument (if any) is capped to the data area. */
interface Call {
  regions: Region[];
  /** recv, send and lookups larger than the data area go through in parts: short reads and writes are fine. */
  capped?: number;
}

/** The proxied `curlhost` imports (wasm/glue/host.h) and their memory arguments. */
export const CALLS: Record<string, Call> = {
  sock_open: { regions: [] },
  sock_connect: { regions: [{ arg: 1, dir: 'in', size: len(2) }] },
  sock_bind: { regions: [{ arg: 1, dir: 'in', size: len(2) }] },
  sock_listen: { regions: [] },
  sock_accept: {
    regions: [
      { arg: 2, dir: 'inout', size: () => 4 },
      { arg: 1, dir: 'out', size: lenAt(2) },
    ],
  },
  sock_name: {
    regions: [
      { arg: 3, dir: 'inout', size: () => 4 },
      { arg: 2, dir: 'out', size: lenAt(3) },
    ],
  },
  sock_getopt: {
    regions: [
      { arg: 4, dir: 'inout', size: () => 4 },
      { arg: 3, dir: 'out', size: lenAt(4) },
    ],
  },
  sock_setopt: { regions: [{ arg: 3, dir: 'in', size: len(4) }] },
  sock_recv: { regions: [{ arg: 1, dir: 'out', size: len(2) }], capped: 2 },
  sock_send: { regions: [{ arg: 1, dir: 'in', size: len(2) }], capped: 2 },
  sock_sendto: {
    regions: [
      { arg: 1, dir: 'in', size: len(2) },
      { arg: 4, dir: 'in', size: len(5) },
    ],
    capped: 2,
  },
  sock_recvfrom: {
    regions: [
      { arg: 5, dir: 'inout', size: () => 4 },
      { arg: 4, dir: 'out', size: lenAt(5) },
      { arg: 1, dir: 'out', size: len(2) },
    ],
    capped: 2,
  },
  sock_shutdown: { regions: [] },
  sock_close: { regions: [] },
  sock_wait: { regions: [{ arg: 0, dir: 'inout', size: (args) => args[1]! * 8 }] },
  dns_start: { regions: [{ arg: 0, dir: 'in', size: cstring(0) }] },
  dns_result: { regions: [{ arg: 1, dir: 'out', size: len(2) }], capped: 2 },
  // (buf, cap, offset): the runtime's root certificates, from offset; the worker asks in parts (./worker.ts)
  ca_roots: { regions: [{ arg: 0, dir: 'out', size: len(1) }], capped: 1 },
  // (limit): the tool crossed a sandbox's maxHeaderBytes (0) or maxBodyBytes (1) (wasm/tool/limits.c)
  tool_over: { regions: [] },
  // (offset, length): JSON of what the tool's check of a transfer refused (./request-check.ts), in the channel's data area
  tool_refused: { regions: [] },
  // (code): curl returned, its output written; the command exits without waiting for the worker's teardown
  tool_exit: { regions: [] },
};
const NAMES = Object.keys(CALLS);

export function createChannel(): SharedArrayBuffer {
  return new SharedArrayBuffer(DATA_OFFSET + DATA_SIZE);
}

/** Worker side, raw: one blocking call whose pointer arguments are already offsets into the channel. */
export type RawCall = (name: string, args: number[]) => number;

export function rawCaller(sab: SharedArrayBuffer): RawCall {
  const ctrl = new Int32Array(sab, 0, DATA_OFFSET / 4);
  return (name, args) => {
    ctrl[FN] = NAMES.indexOf(name);
    for (let i = 0; i < args.length; i++) ctrl[ARGS + i] = args[i]!;
    Atomics.store(ctrl, STATE, CALL);
    Atomics.notify(ctrl, STATE);
    while (Atomics.load(ctrl, STATE) === CALL) Atomics.wait(ctrl, STATE, CALL);
    const result = ctrl[RESULT]!;
    Atomics.store(ctrl, STATE, IDLE);
    return result;
  };
}

/** Worker side: `call(name)(...args)` copies regions in, blocks until the main thread answers, copies them out. */
export function caller(sab: SharedArrayBuffer, memory: () => WebAssembly.Memory) {
  const data = new Uint8Array(sab);
  const raw = rawCaller(sab);
  return (name: string) => {
    const { regions, capped: capArg } = CALLS[name]!;
    return (...args: number[]): number => {
      const buffer = memory().buffer;
      const view = new DataView(buffer);
      const wasm = new Uint8Array(buffer);
      if (capArg !== undefined) args[capArg] = Math.min(args[capArg]!, DATA_SIZE - 64);
      const moved: { from: number; to: number; size: number; dir: Region['dir'] }[] = [];
      let next = DATA_OFFSET;
      const shared = [...args];
      for (const r of regions) {
        const ptr = args[r.arg]!;
        if (!ptr) continue; // NULL stays NULL
        const size = r.size(args, view);
        if (next + size > sab.byteLength) return -ERRNO.INVAL; // cannot cross
        if (r.dir !== 'out') data.set(wasm.subarray(ptr, ptr + size), next);
        moved.push({ from: ptr, to: next, size, dir: r.dir });
        shared[r.arg] = next;
        next += (size + 7) & ~7;
      }
      const result = raw(name, shared);
      const after = new Uint8Array(memory().buffer);
      for (const m of moved) if (m.dir !== 'in') after.set(data.subarray(m.to, m.to + m.size), m.from);
      return result;
    };
  };
}

/** What serves the calls on the main thread; pointers are offsets into the channel. */
export type Handlers = Record<string, (...args: number[]) => number | Promise<number>>;

/** Atomics.waitAsync (V8: Node >= 16, Deno; typed only from lib es2024). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: unknown };
  }
).waitAsync;

/** Main thread side: answers calls until `stopped()` says so. */
export async function serve(sab: SharedArrayBuffer, handlers: Handlers, stopped: () => boolean): Promise<void> {
  const ctrl = new Int32Array(sab, 0, DATA_OFFSET / 4);
  for (;;) {
    while (Atomics.load(ctrl, STATE) !== CALL) {
      if (stopped()) return;
      const seen = Atomics.load(ctrl, STATE);
      const wait = waitAsync(ctrl, STATE, seen, 250);
      if (wait.async) await wait.value;
    }
    const name = NAMES[ctrl[FN]!]!;
    const args = Array.from(ctrl.subarray(ARGS, RESULT));
    let result: number;
    try {
      result = await handlers[name]!(...args);
    } catch {
      result = -ERRNO.IO;
    }
    ctrl[RESULT] = result;
    Atomics.store(ctrl, STATE, DONE);
    Atomics.notify(ctrl, STATE);
  }
}
