// SPDX-License-Identifier: MIT
// curl-wasm: curl's command-line tool (src/ of the vendored curl, compiled to
// wasm/curl.wasm) with the library's socket bridge and DNS. The tool runs in
// a worker thread, where it may block as a process does; its sockets and
// lookups run here, on the main thread's event loop, reached through
// ./channel.ts. Files, the environment, stdin/stdout/stderr and the exit
// code are the real ones, through node:wasi.
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { isMainThread, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { LibcurlExports } from '../host/abi.js';
import { ERRNO } from '../host/errno.js';
import { aeadOpen, aeadSeal } from '../host/aead.js';
import { idnConvert } from '../host/idn.js';
import { Heap } from '../host/memory.js';
import { caller, CALLS } from './channel.js';
import { runTool, type ToolData } from './host.js';

/** node:wasi warns that it is experimental when loaded: not the tool's output. */
async function loadWasi(): Promise<typeof import('node:wasi').WASI> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('WASI')) (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  return (await import('node:wasi')).WASI;
}

async function main(): Promise<void> {
  const code = await runTool({
    entry: new URL(import.meta.url),
    args: process.argv.slice(2),
    // the tool resolves relative paths against PWD (wasm/tool/fs.c): make it true
    env: { ...process.env, PWD: process.cwd() } as Record<string, string>,
    onError: (message) => process.stderr.write(`curl-wasm: ${message}\n`),
  });
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

/**
 * stdin, stdout and stderr redirected to other descriptors (curl() of
 * ../cli.ts): node:wasi takes them as options, but Deno's and Bun's ignore
 * those, so fds 0-2 are served here with node:fs, and report a regular file
 * (no terminal: curl's progress meter and binary-output check ask).
 */
function redirectedStdio(
  wasi: WebAssembly.ModuleImports,
  stdio: [number, number, number],
  memory: () => WebAssembly.Memory,
): WebAssembly.ModuleImports {
  const ESUCCESS = 0;
  const EIO = 29;
  const REGULAR_FILE = 4;
  const real = wasi as Record<string, (...args: number[]) => number>;
  /** each iovec (pointer, length) of a call, as views of wasm memory */
  const iovecs = (iovs: number, n: number): Uint8Array[] => {
    const dv = new DataView(memory().buffer);
    return Array.from({ length: n }, (_, i) =>
      new Uint8Array(memory().buffer, dv.getUint32(iovs + i * 8, true), dv.getUint32(iovs + i * 8 + 4, true)));
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
    fd_fdstat_get: (fd: number, out: number) => {
      if (fd > 2) return real.fd_fdstat_get!(fd, out);
      const dv = new DataView(memory().buffer);
      for (let i = 0; i < 24; i++) dv.setUint8(out + i, 0);
      dv.setUint8(out, REGULAR_FILE);
      dv.setBigUint64(out + 8, 0xffffffffffffffffn, true); // rights: all
      return ESUCCESS;
    },
  };
}

/**
 * The runtime's root certificates as one PEM: what its own TLS trusts by
 * default (node:tls getCACertificates('default') where it exists, which
 * counts NODE_EXTRA_CA_CERTS and --use-system-ca), else tls.rootCertificates
 * plus the NODE_EXTRA_CA_CERTS file, as Node's TLS adds it.
 */
async function runtimeRoots(): Promise<Uint8Array> {
  const tls = (await import('node:tls')) as typeof import('node:tls') & {
    getCACertificates?: (type: 'default') => string[];
  };
  let pems: string[];
  try {
    pems = tls.getCACertificates?.('default') ?? [...tls.rootCertificates];
  } catch {
    pems = [];
  }
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!tls.getCACertificates && extra) {
    try {
      pems.push(readFileSync(extra, 'latin1'));
    } catch {
      // Node warns and goes on without them; so does the tool
    }
  }
  return new TextEncoder().encode(pems.join('\n') + (pems.length ? '\n' : ''));
}

let manualBytes: Uint8Array | null | undefined;
/** curl's manual text, from the gzip file build.sh generates; null when it is missing. */
function manualText(path: string): Uint8Array | null {
  if (manualBytes === undefined) {
    try {
      manualBytes = gunzipSync(readFileSync(path));
    } catch {
      manualBytes = null;
    }
  }
  return manualBytes;
}

async function toolThread(): Promise<void> {
  const { module, channel, args, argv0, env, manual, stdio } = workerData as ToolData;
  const WASI = await loadWasi();
  const fds = stdio ? ([openSync(stdio[0], 'r'), openSync(stdio[1], 'w'), openSync(stdio[2], 'w')] as [number, number, number]) : undefined;
  const [stdin, stdout, stderr] = fds ?? [0, 1, 2];
  const wasi = new WASI({
    version: 'preview1', args: [argv0 ?? 'curl', ...args], env, preopens: { '/': '/' }, returnOnExit: true, stdin, stdout, stderr,
  });
  let memory: WebAssembly.Memory | undefined;
  const call = caller(channel, () => memory!);
  // TLS records are sealed here, in the worker: node:crypto needs no event loop
  let heap: Heap | undefined;
  const local = (op: typeof aeadSeal | typeof idnConvert) => (...args: number[]) =>
    (op as (heap: Heap, ...args: number[]) => number)(heap!, ...args);
  const roots = await runtimeRoots();
  const curlhost: Record<string, (...args: number[]) => number> = {
    mem_limit: () => 0, aead_seal: local(aeadSeal), aead_open: local(aeadOpen), idn_convert: local(idnConvert),
    // --manual and --help <option> (wasm/tool/manual.c): read when asked
    manual_read: (offset, buf, cap) => {
      const text = manualText(manual);
      if (!text) return -ERRNO.NOENT;
      const part = text.subarray(offset, offset + cap);
      heap!.u8.set(part, buf);
      return part.length;
    },
    // the tool's default trust store (wasm/tool/ca.c)
    ca_roots: (buf, cap) => {
      if (cap >= roots.length) heap!.u8.set(roots, buf);
      return roots.length;
    },
  };
  for (const name of Object.keys(CALLS)) curlhost[name] = call(name);
  const instance = new WebAssembly.Instance(module, {
    curlhost,
    wasi_snapshot_preview1: fds
      ? redirectedStdio(blockingStdio(wasi.wasiImport as Record<string, (...args: number[]) => number>), fds, () => memory!)
      : blockingStdio(wasi.wasiImport as Record<string, (...args: number[]) => number>),
  });
  memory = instance.exports.memory as WebAssembly.Memory;
  heap = new Heap(instance.exports as unknown as LibcurlExports);
  try {
    process.exitCode = wasi.start(instance);
  } finally {
    for (const fd of fds ?? []) closeSync(fd);
  }
}

if (isMainThread) void main();
else void toolThread();
