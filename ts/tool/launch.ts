// SPDX-License-Identifier: MIT
// Starts curl-wasm's worker (./worker.ts) before anything else: a worker
// thread takes tens of milliseconds to boot, and the main thread meanwhile
// loads the socket bridge and compiles the tool (./host.ts), on the other
// core. So this module loads nothing but node:worker_threads and the channel.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { tsxWorkerSource } from '../host/dev-worker.js';
import { createChannel } from './channel.js';
import type { RingMessage } from './ring.js';
import type { ToolLimits } from './sandboxed.js';

/** What the worker gets: the call channel, where the compiled tool arrives, its command line and environment. */
export interface ToolData {
  channel: SharedArrayBuffer;
  /** the compiled tool arrives here ({ module }) */
  port: MessagePort;
  /** an Int32 set to 1 once the module is posted: the worker blocks on it */
  posted: SharedArrayBuffer;
  args: string[];
  /** argv[0] of the program; `curl` when absent */
  argv0?: string;
  env: Record<string, string>;
  /** files for the tool's stdin, stdout and stderr, opened by the worker (Deno's descriptors are per thread); the process's own when absent */
  stdio?: [string, string, string];
  /** the directory the tool sees as / (a sandboxed run's own, ../cli.ts); the real root when absent */
  root?: string;
  /** a sandbox's limits the tool holds itself (./sandboxed.ts); none when absent */
  limits?: ToolLimits;
}

export interface ToolRun {
  /** another program built on the tool's bridge (curl's libtests): its wasm and argv[0]; the tool when absent */
  program?: { wasm: string; argv0: string };
  args: string[];
  env: Record<string, string>;
  stdio?: [string, string, string];
  /** the directory the tool sees as /; the real root when absent */
  root?: string;
  /** a sandbox's limits the tool holds itself; none when absent */
  limits?: ToolLimits;
  /** where the worker's own failures are told (a trap, a missing import) */
  onError?: (message: string) => void;
  /** bytes a socket queues before pausing, its ring twice that (./host.ts); tests set a small one */
  recvHighWater?: number;
}

/** A started worker, waiting for its module. */
export interface Launched {
  channel: SharedArrayBuffer;
  worker: Worker;
  /** the wasm to post (ToolRun.program); the tool's when absent */
  wasm?: string;
  /** ToolRun.recvHighWater */
  recvHighWater?: number;
  /** hands the compiled tool to the worker */
  post(module: WebAssembly.Module): void;
  /** hands a socket's receive ring to the worker (./ring.ts), before the call that made the socket returns */
  postRing(message: RingMessage): void;
  /** the tool's exit code (70, EX_SOFTWARE, if the wasm trapped) */
  exit: Promise<number>;
}

/** The worker's entry: dist/curl-wasm-worker.mjs beside the bundle, or its source. */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./worker.ts', import.meta.url) : new URL('./curl-wasm-worker.mjs', import.meta.url);
}

export function launch(run: ToolRun): Launched {
  const channel = createChannel();
  const { port1, port2 } = new MessageChannel();
  const posted = new SharedArrayBuffer(4);
  const data: ToolData = {
    channel,
    port: port2,
    posted,
    args: run.args,
    argv0: run.program?.argv0,
    env: run.env,
    stdio: run.stdio,
    root: run.root,
    limits: run.limits,
  };
  const options = { workerData: data, transferList: [port2], stdout: false, stderr: false };
  const entry = workerEntry();
  // run from the TypeScript sources (tests, development), the worker registers tsx first
  const worker = entry.pathname.endsWith('.ts') ? new Worker(tsxWorkerSource(entry.href), { ...options, eval: true }) : new Worker(entry, options);
  const exit = new Promise<number>((resolve) => {
    let failed = false;
    worker.on('error', (err) => {
      failed = true;
      run.onError?.(err instanceof Error ? err.message : String(err));
    });
    worker.on('exit', (c) => {
      port1.close();
      resolve(failed ? 70 : c);
    });
  });
  return {
    channel,
    worker,
    wasm: run.program?.wasm,
    recvHighWater: run.recvHighWater,
    exit,
    post(module) {
      port1.postMessage({ module });
      const flag = new Int32Array(posted);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    },
    postRing(message) {
      port1.postMessage(message);
    },
  };
}
