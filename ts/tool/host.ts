// SPDX-License-Identifier: MIT
// The main-thread side of a curl-wasm run: compiles wasm/curl.wasm once,
// starts the worker that runs it (./cli.ts off the main thread) and answers
// its socket and DNS calls (./channel.ts) with the library's own host
// functions. Used by the command (./cli.ts) and by curl() (../cli.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type LibcurlExports, TOOL_HOST_FD_BASE } from '../host/abi.js';
import { tsxWorkerSource } from '../host/dev-worker.js';
import { defaultLookup } from '../host/dns.js';
import { hostImports, RelayRegistry } from '../host/imports.js';
import { Heap } from '../host/memory.js';
import { Listener, SocketTable } from '../host/sockets.js';
import { CALLS, createChannel, serve, type Handlers } from './channel.js';

/** What the worker gets: the compiled tool, the call channel, its command line and environment. */
export interface ToolData {
  module: WebAssembly.Module;
  channel: SharedArrayBuffer;
  args: string[];
  /** argv[0] of the program; `curl` when absent */
  argv0?: string;
  env: Record<string, string>;
  /** curl's manual (curl-manual.txt.gz beside curl.wasm), for --manual and --help <option> */
  manual: string;
  /** files for the tool's stdin, stdout and stderr, opened by the worker (Deno's descriptors are per thread); the process's own when absent */
  stdio?: [string, string, string];
}

/** dist/curl.wasm beside the bundle, or wasm/curl.wasm in the repository. */
function toolWasm(): string {
  for (const rel of ['./curl.wasm', '../../wasm/curl.wasm']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('curl.wasm not found: run "npm run build:wasm"');
}

/** curl's manual, which build.sh writes beside curl.wasm (wasm/tool/manual.c reads it through the host). */
function toolManual(): string {
  return join(dirname(toolWasm()), 'curl-manual.txt.gz');
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();
/** The tool's module (or another program built on the same bridge: `path`), compiled once per thread. */
export function toolModule(path = toolWasm()): Promise<WebAssembly.Module> {
  let module = compiled.get(path);
  if (!module) compiled.set(path, (module = readFile(path).then((bytes) => WebAssembly.compile(bytes))));
  return module;
}

/** Answers the worker's bridge calls with the library's own host functions. */
function handlers(channel: SharedArrayBuffer): Handlers {
  const table = new SocketTable(TOOL_HOST_FD_BASE);
  const heap = new Heap({ memory: { buffer: channel } } as unknown as LibcurlExports);
  const host = hostImports({ heap: () => heap, table, lookup: defaultLookup, relays: new RelayRegistry(), memoryLimit: 0 });
  const out: Handlers = {};
  for (const name of Object.keys(CALLS)) {
    const fn = (host as unknown as Record<string, unknown>)[name];
    if (typeof fn === 'function') out[name] = fn as (...args: number[]) => number;
  }
  // A listener on a given address binds a turn later (ts/host/sockets.ts):
  // answer the worker only once it listens, or the EPRT/PORT curl sends next
  // could reach a server that connects before the port is open
  for (const name of ['sock_name', 'sock_listen'] as const) {
    const now = out[name]!;
    out[name] = async (...args: number[]) => {
      const result = now(...args);
      const entry = table.get(args[0]!);
      if (entry instanceof Listener) await entry.listening;
      return result;
    };
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

export interface ToolRun {
  /** the worker's entry: a module that runs the tool when not on the main thread (./cli.ts or dist/curl-wasm.mjs) */
  entry: URL;
  args: string[];
  env: Record<string, string>;
  stdio?: [string, string, string];
  /** another program linked like the tool (curl's libtests, build.sh): its wasm file and argv[0] */
  program?: { wasm: string; argv0: string };
  /** where the worker's own failures are told (a trap, a missing import) */
  onError?: (message: string) => void;
}

/** Runs the tool once in a worker; resolves with its exit code (70, EX_SOFTWARE, if the wasm trapped). */
export async function runTool(run: ToolRun): Promise<number> {
  const channel = createChannel();
  const data: ToolData = {
    module: await toolModule(run.program?.wasm), channel, args: run.args, argv0: run.program?.argv0, env: run.env, manual: toolManual(), stdio: run.stdio,
  };
  const options = { workerData: data, stdout: false, stderr: false };
  // run from the TypeScript sources (tests, development), the worker registers tsx first
  const worker = run.entry.pathname.endsWith('.ts')
    ? new Worker(tsxWorkerSource(run.entry.href), { ...options, eval: true })
    : new Worker(run.entry, options);
  let exited = false;
  void serve(channel, handlers(channel), () => exited);
  const code = await new Promise<number>((resolve) => {
    let failed = false;
    worker.on('error', (err) => {
      failed = true;
      run.onError?.(err instanceof Error ? err.message : String(err));
    });
    worker.on('exit', (c) => resolve(failed ? 70 : c));
  });
  exited = true;
  return code;
}
