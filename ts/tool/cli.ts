// SPDX-License-Identifier: MIT
// curl-wasm: curl's command-line tool (src/ of the vendored curl, compiled to
// wasm/curl.wasm) with the library's socket bridge and DNS. The tool runs in
// a worker thread, where it may block as a process does; its sockets and
// lookups run here, on the main thread's event loop, reached through
// ./channel.ts. Files, the environment, stdin/stdout/stderr and the exit
// code are the real ones, through node:wasi.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import type { LibcurlExports } from '../host/abi.js';
import { aeadOpen, aeadSeal } from '../host/aead.js';
import { tsxWorkerSource } from '../host/dev-worker.js';
import { defaultLookup } from '../host/dns.js';
import { hostImports, RelayRegistry } from '../host/imports.js';
import { Heap } from '../host/memory.js';
import { SocketTable } from '../host/sockets.js';
import { caller, CALLS, createChannel, serve, type Handlers } from './channel.js';

interface ToolData {
  module: WebAssembly.Module;
  channel: SharedArrayBuffer;
  args: string[];
  env: Record<string, string>;
}

/** dist/curl.wasm beside the bundle, or wasm/curl.wasm in the repository. */
function toolWasm(): string {
  for (const rel of ['./curl.wasm', '../../wasm/curl.wasm']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('curl.wasm not found: run "npm run build:wasm"');
}

/** Answers the worker's bridge calls with the library's own host functions. */
function handlers(channel: SharedArrayBuffer): Handlers {
  const table = new SocketTable();
  const heap = new Heap({ memory: { buffer: channel } } as unknown as LibcurlExports);
  const host = hostImports({ heap: () => heap, table, lookup: defaultLookup, relays: new RelayRegistry(), memoryLimit: 0 });
  const out: Handlers = {};
  for (const name of Object.keys(CALLS)) {
    const fn = (host as unknown as Record<string, unknown>)[name];
    if (typeof fn === 'function') out[name] = fn as (...args: number[]) => number;
  }
  // poll(2): readiness now, or wait for a descriptor to change or the timeout
  out.sock_wait = async (pollfds, nfds, timeoutMs) => {
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      const ready = nfds ? host.sock_poll(pollfds, nfds) : 0;
      if (ready !== 0) return ready;
      const left = deadline - performance.now();
      if (left <= 0) return 0;
      const fds = Array.from({ length: nfds }, (_, i) => heap.dv.getInt32(pollfds + i * 8, true));
      await new Promise<void>((resolve) => {
        const timer = left === Infinity ? undefined : setTimeout(wake, Math.ceil(left));
        function wake(): void {
          clearTimeout(timer);
          for (const fd of fds) table.unwatch(fd);
          resolve();
        }
        for (const fd of fds) table.watch(fd, wake);
      });
    }
  };
  return out;
}

/** node:wasi warns that it is experimental when loaded: not the tool's output. */
async function loadWasi(): Promise<typeof import('node:wasi').WASI> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('WASI')) (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  return (await import('node:wasi')).WASI;
}

async function main(): Promise<void> {
  const channel = createChannel();
  const module = await WebAssembly.compile(readFileSync(toolWasm()));
  // the tool resolves relative paths against PWD (wasm/tool/fs.c): make it true
  const env = { ...process.env, PWD: process.cwd() } as Record<string, string>;
  const data: ToolData = { module, channel, args: process.argv.slice(2), env };
  const options = { workerData: data, stdout: false, stderr: false };
  // run from the TypeScript sources (tests, development), the worker registers tsx first
  const worker = import.meta.url.endsWith('.ts')
    ? new Worker(tsxWorkerSource(import.meta.url), { ...options, eval: true })
    : new Worker(new URL(import.meta.url), options);
  let exited = false;
  void serve(channel, handlers(channel), () => exited);
  const code = await new Promise<number>((resolve) => {
    let failed = false;
    worker.on('error', (err) => {
      failed = true;
      process.stderr.write(`curl-wasm: ${err instanceof Error ? err.message : String(err)}\n`);
    });
    // the worker exits with the tool's code; 70 (EX_SOFTWARE) if the wasm trapped
    worker.on('exit', (c) => resolve(failed ? 70 : c));
  });
  exited = true;
  process.exit(code);
}

/**
 * Node leaves pipes on stdin/stdout non-blocking, so a full pipe answers
 * EAGAIN where a process would block: wait and try again, as write(2) would.
 */
function blockingStdio(wasi: Record<string, (...args: number[]) => number>): WebAssembly.ModuleImports {
  const EAGAIN = 6; // WASI errno
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const retry = (call: (...args: number[]) => number) => (...args: number[]) => {
    for (;;) {
      const rc = call(...args);
      if (rc !== EAGAIN) return rc;
      Atomics.wait(pause, 0, 0, 2);
    }
  };
  return { ...wasi, fd_write: retry(wasi.fd_write!), fd_read: retry(wasi.fd_read!) };
}

async function runTool(): Promise<void> {
  const { module, channel, args, env } = workerData as ToolData;
  const WASI = await loadWasi();
  const wasi = new WASI({ version: 'preview1', args: ['curl', ...args], env, preopens: { '/': '/' }, returnOnExit: true });
  let memory: WebAssembly.Memory | undefined;
  const call = caller(channel, () => memory!);
  // TLS records are sealed here, in the worker: node:crypto needs no event loop
  let heap: Heap | undefined;
  const local = (op: typeof aeadSeal) => (...args: number[]) =>
    (op as (heap: Heap, ...args: number[]) => number)(heap!, ...args);
  const curlhost: Record<string, (...args: number[]) => number> = {
    mem_limit: () => 0, aead_seal: local(aeadSeal), aead_open: local(aeadOpen),
  };
  for (const name of Object.keys(CALLS)) curlhost[name] = call(name);
  const instance = new WebAssembly.Instance(module, {
    curlhost,
    wasi_snapshot_preview1: blockingStdio(wasi.wasiImport as Record<string, (...args: number[]) => number>),
  });
  memory = instance.exports.memory as WebAssembly.Memory;
  heap = new Heap(instance.exports as unknown as LibcurlExports);
  process.exitCode = wasi.start(instance);
}

if (isMainThread) void main();
else void runTool();
