// SPDX-License-Identifier: MIT
// The main-thread side of a curl-wasm run: hands wasm/curl.wasm, compiled
// once (./module.ts), to the worker that runs it (./launch.ts, ./worker.ts)
// and answers its socket and DNS calls (./channel.ts) with the library's own host
// functions. Used by the command (./cli.ts) and by curl() (../cli.ts).
import { type LibcurlExports, TOOL_HOST_FD_BASE } from '../host/abi.js';
import { defaultLookup } from '../host/dns.js';
import { hostImports, RelayRegistry } from '../host/imports.js';
import { Heap } from '../host/memory.js';
import { runtimeRootPem } from '../host/roots.js';
import { Listener, SocketTable } from '../host/sockets.js';
import { CALLS, serve, type Handlers } from './channel.js';
import { launch, type Launched, type ToolRun } from './launch.js';
import { toolModule } from './module.js';
import { refusalError, type Refusal } from './request-check.js';
import { ringCapacity, SharedRing } from './ring.js';
import { DEADLINE_GRACE_MS, type ToolPolicy } from './sandboxed.js';

/** The runtime's default trust store (ts/host/roots.ts), as the bytes the worker asks for. */
async function runtimeRoots(): Promise<Uint8Array> {
  return new TextEncoder().encode(await runtimeRootPem());
}

let roots: Promise<Uint8Array> | undefined;

/**
 * Answers the worker's bridge calls with the library's own host functions;
 * under a sandbox, with its guards on this run's table (every connect,
 * lookup and datagram judged as the library's transfers are).
 */
function handlers(channel: SharedArrayBuffer, table: SocketTable, policy?: ToolPolicy): Handlers {
  const heap = new Heap({ memory: { buffer: channel } } as unknown as LibcurlExports);
  const guards = policy?.install(table);
  const host = hostImports({
    heap: () => heap,
    table,
    lookup: guards?.lookup ?? defaultLookup,
    hostGuard: guards?.hostGuard,
    relays: new RelayRegistry(),
    memoryLimit: 0,
  });
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
  // (buf, cap, offset): the roots from offset into the channel; their length when buf is NULL
  out.ca_roots = async (buf, cap, offset) => {
    const pem = await (roots ??= runtimeRoots());
    if (!buf) return pem.length;
    const part = pem.subarray(offset, offset + cap);
    heap.u8.set(part, buf);
    return part.length;
  };
  return out;
}

export type { ToolRun };

/**
 * Runs the tool once in a worker; resolves with its exit code (70, EX_SOFTWARE,
 * if the wasm trapped). Under a sandbox's `policy`, the worker is ended at
 * its deadline (exit code 28, as curl's own timeout).
 */
export function runTool(run: ToolRun, policy?: ToolPolicy): Promise<number> {
  return serveTool(launch(run), policy);
}

/**
 * The tool's sockets queue this much before pausing (the library's: 1 MiB),
 * in a shared ring of twice the size that the worker reads (./ring.ts): with
 * 1 MiB the main thread paused the socket while the worker wrote.
 */
const TOOL_RECV_HIGH_WATER = 4 << 20;

/** CURLE_OPERATION_TIMEDOUT: what a run ended at the sandbox's deadline exits with. */
const TIMED_OUT = 28;

/** Compiles the tool for a worker started by launch() and answers its calls until it exits. */
export async function serveTool(launched: Launched, policy?: ToolPolicy): Promise<number> {
  let exited = false;
  let returned!: (code: number) => void;
  const toolExit = new Promise<number>((resolve) => (returned = resolve));
  const table = new SocketTable(TOOL_HOST_FD_BASE);
  const highWater = launched.recvHighWater ?? TOOL_RECV_HIGH_WATER;
  table.recvHighWater = highWater;
  table.recvQueue = (fd, socket) => {
    const ring = new SharedRing(ringCapacity(highWater), highWater);
    ring.onDrained = () => socket.drained();
    launched.postRing({ ring: { fd, sab: ring.sab } });
    return ring;
  };
  const answer = handlers(launched.channel, table, policy);
  answer.tool_over = (kind) => {
    policy?.exceeded(kind === 0 ? 'maxHeaderBytes' : 'maxBodyBytes');
    return 0;
  };
  answer.tool_refused = (offset, length) => {
    const refusal = JSON.parse(new TextDecoder().decode(new Uint8Array(launched.channel, offset, length).slice())) as Refusal;
    policy?.refuse(refusalError(refusal));
    return 0;
  };
  answer.tool_exit = (code) => {
    returned(code);
    return 0;
  };
  void serve(launched.channel, answer, () => exited);
  try {
    launched.post(await toolModule(launched.wasm));
  } catch (err) {
    await launched.worker.terminate();
    throw err;
  }
  // every run asks for them (curl-src/patches/0006-tool-default-ca.patch): load node:tls while the worker starts curl
  roots ??= runtimeRoots();
  // curl's stdout and files are written and closed when it returns: a worker's
  // teardown (10-25 ms here) need not delay the answer
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const killed = policy
    ? new Promise<number>((resolve) => {
        deadline = setTimeout(() => {
          policy.timedOut();
          void launched.worker.terminate();
          resolve(TIMED_OUT);
        }, policy.timeoutMs + DEADLINE_GRACE_MS);
      })
    : new Promise<number>(() => {});
  try {
    return await Promise.race([toolExit, launched.exit, killed]);
  } finally {
    exited = true;
    clearTimeout(deadline);
    if (policy) {
      table.closeAll();
      policy.release(table);
    }
  }
}
