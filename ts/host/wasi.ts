// SPDX-License-Identifier: MIT
// WASI preview1, the small built-in subset: clocks, randomness, a log sink
// for fd 1 and 2, an environment only if given, and no filesystem. Any other
// WASI call the module imports answers ENOSYS. Another WASI implementation
// (node:wasi, @wasmer/wasi) can take its place through WasiProvider.
import { LibcurlWasmError, registerError } from './errors.js';
import { ERRNO } from './errno.js';

export type WasiFunction = (...args: never[]) => number | void;
export type WasiImports = Record<string, WasiFunction>;

/** A WASI implementation the loader can use instead of the built-in one. */
export interface WasiProvider {
  /** The `wasi_snapshot_preview1` import object for `module`. */
  imports(module: WebAssembly.Module): WasiImports;
  /** Binds the instance's memory and runs its `_initialize` (the module is a WASI reactor). */
  start(instance: WebAssembly.Instance): void;
}

/** Adapts node:wasi's WASI (created with `version: 'preview1'`). */
export function nodeWasi(wasi: { wasiImport: object; initialize(instance: object): void }): WasiProvider {
  return { imports: () => wasi.wasiImport as WasiImports, start: (instance) => wasi.initialize(instance) };
}

/** Adapts `@wasmer/wasi`'s WASI (after its `init()`). */
export function wasmerWasi(wasi: { getImports(module: WebAssembly.Module): object; instantiate(instance: object, imports: object): unknown }): WasiProvider {
  return {
    imports: (module) => (wasi.getImports(module) as { wasi_snapshot_preview1: WasiImports }).wasi_snapshot_preview1,
    start: (instance) => {
      wasi.instantiate(instance, {});
      (instance.exports._initialize as () => void)();
    },
  };
}

/** The module called WASI proc_exit (the curl tool does when it ends); `exitCode` is its status. */
export class ProcessExit extends LibcurlWasmError {
  declare readonly code: 'ERR_PROCESS_EXIT';
  constructor(readonly exitCode: number) {
    super('ERR_PROCESS_EXIT', `wasm called proc_exit(${exitCode})`);
  }
}
registerError(ProcessExit, 'ProcessExit');

export interface BuiltinWasiOptions {
  /** Receives what the module writes to fd 1 and 2 (curl's stderr notes). */
  log?: (fd: 1 | 2, text: string) => void;
  env?: Record<string, string>;
}

const CLOCK_REALTIME = 0;
const TWO32 = 2 ** 32;

// Times are written as two 32-bit halves: curl asks the time several times
// per transfer step, and a BigInt per call made the clock a visible share
// of small requests.

/** Writes an integer below 2^53 as a u64. */
export function writeU64(dv: DataView, out: number, v: number): void {
  const hi = Math.floor(v / TWO32);
  dv.setUint32(out, v - hi * TWO32, true);
  dv.setUint32(out + 4, hi, true);
}

/** Writes `ms` (whole milliseconds since the epoch) as u64 nanoseconds, exactly: ms * 10^6 is past 2^53. */
export function writeEpochNs(dv: DataView, out: number, ms: number): void {
  const msHi = Math.floor(ms / TWO32);
  const low = (ms - msHi * TWO32) * 1e6; // < 2^52: exact
  const carry = Math.floor(low / TWO32);
  dv.setUint32(out, low - carry * TWO32, true);
  dv.setUint32(out + 4, msHi * 1e6 + carry, true);
}

export function builtinWasi(options: BuiltinWasiOptions = {}): WasiProvider {
  let memory: WebAssembly.Memory | undefined;
  let view: DataView | undefined;
  // one DataView until memory grows (growth detaches the old buffer)
  const dv = () => (view?.buffer === memory!.buffer ? view : (view = new DataView(memory!.buffer)));
  const u8 = () => new Uint8Array(memory!.buffer);
  const env = Object.entries(options.env ?? {}).map(([k, v]) => new TextEncoder().encode(`${k}=${v}\0`));
  const decoder = new TextDecoder();
  const start = performance.now();

  const fns: WasiImports = {
    args_sizes_get: (argc: number, size: number) => (dv().setUint32(argc, 0, true), dv().setUint32(size, 0, true), 0),
    args_get: () => 0,
    environ_sizes_get: (count: number, size: number) => {
      dv().setUint32(count, env.length, true);
      dv().setUint32(
        size,
        env.reduce((n, e) => n + e.length, 0),
        true,
      );
      return 0;
    },
    environ_get: (ptrs: number, buf: number) => {
      for (const [i, e] of env.entries()) {
        dv().setUint32(ptrs + i * 4, buf, true);
        u8().set(e, buf);
        buf += e.length;
      }
      return 0;
    },
    clock_res_get: (_id: number, out: number) => (dv().setBigUint64(out, 1000n, true), 0),
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      if (id === CLOCK_REALTIME) writeEpochNs(dv(), out, Date.now());
      else writeU64(dv(), out, Math.round((performance.now() - start) * 1e6));
      return 0;
    },
    random_get: (buf: number, len: number) => {
      for (let off = 0; off < len; off += 65536) {
        crypto.getRandomValues(u8().subarray(buf + off, buf + Math.min(len, off + 65536)));
      }
      return 0;
    },
    fd_write: (fd: number, iovs: number, count: number, written: number) => {
      if (fd !== 1 && fd !== 2) return ERRNO.BADF;
      let text = '';
      let n = 0;
      for (let i = 0; i < count; i++) {
        const ptr = dv().getUint32(iovs + i * 8, true);
        const len = dv().getUint32(iovs + i * 8 + 4, true);
        text += decoder.decode(u8().subarray(ptr, ptr + len));
        n += len;
      }
      options.log?.(fd, text);
      dv().setUint32(written, n, true);
      return 0;
    },
    fd_close: () => ERRNO.BADF,
    fd_seek: () => ERRNO.BADF,
    fd_fdstat_get: (fd: number, out: number) => {
      if (fd > 2) return ERRNO.BADF;
      u8().fill(0, out, out + 24);
      dv().setUint8(out, 2); // character device
      return 0;
    },
    proc_exit: (code: number) => {
      throw new ProcessExit(code);
    },
  };

  return {
    imports(module) {
      const all: WasiImports = {};
      for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.module === 'wasi_snapshot_preview1' && imp.kind === 'function') {
          all[imp.name] = fns[imp.name] ?? (() => ERRNO.NOSYS);
        }
      }
      return all;
    },
    start(instance) {
      memory = instance.exports.memory as WebAssembly.Memory;
      (instance.exports._initialize as () => void)();
    },
  };
}
