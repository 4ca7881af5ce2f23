// SPDX-License-Identifier: MIT
// curl-wasm's worker thread: runs curl's tool (wasm/curl.wasm) as a process
// would, blocking in curl_easy_perform and poll. Its sockets and lookups are
// calls to the main thread (./channel.ts), and reads from shared rings (./ring-recv.ts);
// files, the environment, stdin/stdout/stderr and the exit code are the real
// ones, through node:wasi. It loads no more than that (no node:net, node:dns
// or node:tls): its start-up is the tool's (./launch.ts starts it first).
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { LibcurlExports } from '../host/abi.js';
import { aeadOpen, aeadSeal } from '../host/aead.js';
import { ERRNO } from '../host/errno.js';
import { idnConvert } from '../host/idn.js';
import { Heap } from '../host/memory.js';
import { writeU64 } from '../host/wasi.js';
import { caller, CALLS, DATA_OFFSET, DATA_SIZE, rawCaller } from './channel.js';
import type { ToolData } from './launch.js';
import { checkToolRequest } from './request-check.js';
import { ringRecv } from './ring-recv.js';
import { trueStdioTypes } from './stdio-type.js';

/** node:wasi warns that it is experimental when loaded: not the tool's output. */
async function loadWasi(): Promise<typeof import('node:wasi').WASI> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('WASI')) (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  return (await import('node:wasi')).WASI;
}

/**
 * Node leaves pipes on stdin/stdout non-blocking, so a full pipe answers
 * EAGAIN where a process would block: wait and try again, as write(2) would.
 */
function blockingStdio(wasi: Record<string, (...args: number[]) => number>): WebAssembly.ModuleImports {
  const EAGAIN = 6; // WASI errno
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const retry =
    (call: (...args: number[]) => number) =>
    (...args: number[]) => {
      for (;;) {
        const rc = call(...args);
        if (rc !== EAGAIN) return rc;
        Atomics.wait(pause, 0, 0, 2);
      }
    };
  return { ...wasi, fd_write: retry(wasi.fd_write!), fd_read: retry(wasi.fd_read!) };
}

/**
 * CLOCK_MONOTONIC as a process sees it, far from zero: Deno's and Bun's
 * node:wasi count it from the WASI instance's start, and curl's progress
 * meter, which shows when the clock's second differs from the last shown
 * (0 at first), stayed silent for a transfer done within the first second.
 */
function monotonicClock(wasi: WebAssembly.ModuleImports, memory: () => WebAssembly.Memory): WebAssembly.ModuleImports {
  const CLOCK_MONOTONIC = 1;
  const real = wasi.clock_time_get as (id: number, precision: bigint, out: number) => number;
  const origin = performance.timeOrigin;
  let view: DataView | undefined; // one until memory grows: curl asks the time many times per transfer step
  return {
    ...wasi,
    clock_time_get: (id: number, precision: bigint, out: number) => {
      if (id !== CLOCK_MONOTONIC) return real(id, precision, out);
      if (view?.buffer !== memory().buffer) view = new DataView(memory().buffer);
      // whole nanoseconds past 2^53 are rounded to 256 ns: finer than curl asks
      writeU64(view, out, Math.round((origin + performance.now()) * 1e6));
      return 0;
    },
  };
}

/**
 * stdin, stdout and stderr redirected to other descriptors (curl() of
 * ../cli.ts): node:wasi takes them as options, but Deno's and Bun's ignore
 * those, so fds 0-2 are served here with node:fs (their types: ./stdio-type.ts).
 */
function redirectedStdio(wasi: WebAssembly.ModuleImports, stdio: [number, number, number], memory: () => WebAssembly.Memory): WebAssembly.ModuleImports {
  const ESUCCESS = 0;
  const EIO = 29;
  const real = wasi as Record<string, (...args: number[]) => number>;
  /** each iovec (pointer, length) of a call, as views of wasm memory */
  const iovecs = (iovs: number, n: number): Uint8Array[] => {
    const dv = new DataView(memory().buffer);
    return Array.from({ length: n }, (_, i) => new Uint8Array(memory().buffer, dv.getUint32(iovs + i * 8, true), dv.getUint32(iovs + i * 8 + 4, true)));
  };
  const io = (op: (fd: number, buf: Uint8Array) => number) => (fd: number, iovs: number, n: number, done: number) => {
    let total = 0;
    try {
      for (const buf of iovecs(iovs, n)) {
        const got = op(stdio[fd]!, buf);
        total += got;
        if (got < buf.length) break;
      }
    } catch {
      return EIO;
    }
    new DataView(memory().buffer).setUint32(done, total, true);
    return ESUCCESS;
  };
  const write = io((fd, buf) => writeSync(fd, buf));
  const read = io((fd, buf) => readSync(fd, buf));
  return {
    ...wasi,
    fd_write: (fd: number, ...rest: number[]) => (fd === 1 || fd === 2 ? write(fd, ...(rest as [number, number, number])) : real.fd_write!(fd, ...rest)),
    fd_read: (fd: number, ...rest: number[]) => (fd === 0 ? read(fd, ...(rest as [number, number, number])) : real.fd_read!(fd, ...rest)),
  };
}

let manualBytes: Uint8Array | null | undefined;
/**
 * curl's manual text (--manual, --help <option>: wasm/tool/manual.c), from the
 * gzip file build.sh makes, beside the bundle (dist/) or in wasm/; null when
 * it is missing. Read only when asked.
 */
function manualText(): Uint8Array | null {
  if (manualBytes === undefined) {
    manualBytes = null;
    for (const rel of ['./curl-manual.txt.gz', '../../wasm/curl-manual.txt.gz']) {
      try {
        const bytes = readFileSync(new URL(rel, import.meta.url));
        // node:zlib costs the worker's start ~3 ms: loaded only for the manual
        const zlib = createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
        manualBytes = zlib.gunzipSync(bytes);
        break;
      } catch {
        // the next place
      }
    }
  }
  return manualBytes;
}

/** The compiled tool, posted by the main thread once it has it (./host.ts); waits for it. */
function receiveModule(port: MessagePort, flag: Int32Array): WebAssembly.Module {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) return (m.message as { module: WebAssembly.Module }).module;
    Atomics.wait(flag, 0, 0);
  }
}

async function toolThread(): Promise<void> {
  const { channel, port, posted, args, argv0, env, stdio, root, limits } = workerData as ToolData;
  const WASI = await loadWasi();
  const fds = stdio ? ([openSync(stdio[0], 'r'), openSync(stdio[1], 'w'), openSync(stdio[2], 'w')] as [number, number, number]) : undefined;
  const [stdin, stdout, stderr] = fds ?? [0, 1, 2];
  const wasi = new WASI({
    version: 'preview1',
    args: [argv0 ?? 'curl', ...args],
    env,
    preopens: { '/': root ?? '/' },
    returnOnExit: true,
    stdin,
    stdout,
    stderr,
  });
  let memory: WebAssembly.Memory | undefined;
  const call = caller(channel, () => memory!);
  const raw = rawCaller(channel);
  // TLS records are sealed here, in the worker: node:crypto needs no event loop
  let heap: Heap | undefined;
  const local =
    (op: typeof aeadSeal | typeof idnConvert) =>
    (...args: number[]) =>
      (op as (heap: Heap, ...args: number[]) => number)(heap!, ...args);
  const told = new Set<number>();
  const proxied: Record<string, (...args: number[]) => number> = {};
  for (const name of Object.keys(CALLS)) proxied[name] = call(name);
  const curlhost: Record<string, (...args: number[]) => number> = {
    ...ringRecv(port, () => memory!, proxied),
    mem_limit: () => limits?.maxMemoryBytes ?? 0,
    // (kind, total): a transfer's heads (0) or decoded body (1) so far, past the sandbox's limit? The main thread records it once.
    tool_over: (kind, total) => {
      const limit = kind === 0 ? limits?.maxHeaderBytes : limits?.maxBodyBytes;
      if (limit === undefined || total <= limit) return 0;
      if (!told.has(kind)) raw('tool_over', [kind]);
      told.add(kind);
      return 1;
    },
    // (buf, len): a transfer's final URL and header fields (wasm/tool/limits.c); 1 refuses it, the main thread records why
    tool_request: (buf, len) => {
      if (!limits) return 0;
      const refusal = checkToolRequest(Buffer.from(memory!.buffer, buf, len).toString('latin1'), limits);
      if (!refusal) return 0;
      const json = new TextEncoder().encode(JSON.stringify(refusal));
      new Uint8Array(channel).set(json, DATA_OFFSET);
      raw('tool_refused', [DATA_OFFSET, json.length]);
      return 1;
    },
    aead_seal: local(aeadSeal),
    aead_open: local(aeadOpen),
    idn_convert: local(idnConvert),
    manual_read: (offset, buf, cap) => {
      const text = manualText();
      if (!text) return -ERRNO.NOENT;
      const part = text.subarray(offset, offset + cap);
      heap!.u8.set(part, buf);
      return part.length;
    },
    // the tool's default trust store (wasm/tool/ca.c): the main thread's
    // runtime roots, copied in parts through the channel's data area
    ca_roots: (buf, cap) => {
      const total = raw('ca_roots', [0, 0, 0]);
      if (!buf || cap < total) return total;
      const data = new Uint8Array(channel);
      for (let at = 0; at < total; ) {
        const n = raw('ca_roots', [DATA_OFFSET, Math.min(total - at, DATA_SIZE - 64), at]);
        heap!.u8.set(data.subarray(DATA_OFFSET, DATA_OFFSET + n), buf + at);
        at += n;
      }
      return total;
    },
  };
  const instance = new WebAssembly.Instance(receiveModule(port, new Int32Array(posted)), {
    curlhost,
    wasi_snapshot_preview1: monotonicClock(
      trueStdioTypes(
        fds
          ? redirectedStdio(blockingStdio(wasi.wasiImport as Record<string, (...args: number[]) => number>), fds, () => memory!)
          : blockingStdio(wasi.wasiImport as Record<string, (...args: number[]) => number>),
        [stdin, stdout, stderr],
        () => memory!,
      ),
      () => memory!,
    ),
  });
  memory = instance.exports.memory as WebAssembly.Memory;
  heap = new Heap(instance.exports as unknown as LibcurlExports);
  let code: number;
  try {
    code = wasi.start(instance);
  } finally {
    for (const fd of fds ?? []) closeSync(fd);
  }
  process.exitCode = code;
  raw('tool_exit', [code]);
}

void toolThread();
