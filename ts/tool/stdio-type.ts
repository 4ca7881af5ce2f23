// SPDX-License-Identifier: MIT
// What the tool's stdin, stdout and stderr are, told from the descriptors
// themselves. curl asks isatty() before it writes a binary body to stdout
// and to hide the progress meter (emscripten's isatty: fd_fdstat_get's file
// type is CHARACTER_DEVICE), and fstat() whether a file is regular (`-F
// name=@-` reads a regular stdin in place: fd_filestat_get). Deno's and
// Bun's node:wasi answer CHARACTER_DEVICE for fds 0-2 whatever they are, so
// `curl-wasm URL | cat` met curl's terminal check; uvwasi (Node) answers it
// for /dev/null too. Here a terminal is a character device, a pipe or socket
// a stream socket (uvwasi's choice for a pipe), a file a regular file.
import { fstatSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';

// WASI preview1 filetype values
const UNKNOWN = 0;
const BLOCK_DEVICE = 1;
const CHARACTER_DEVICE = 2;
const DIRECTORY = 3;
const REGULAR_FILE = 4;
const SOCKET_STREAM = 6;
const ESUCCESS = 0;

let ttyModule: typeof import('node:tty') | undefined;
/** node:tty loads node:net on Node: loaded only when a descriptor is a character device. */
function isTerminal(fd: number): boolean {
  ttyModule ??= createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return ttyModule.isatty(fd);
}

/** The WASI file type of `st`; a character device is a terminal only if `terminal`. */
function fileType(st: Stats, terminal: () => boolean): number {
  if (st.isFile()) return REGULAR_FILE;
  if (st.isDirectory()) return DIRECTORY;
  if (st.isFIFO() || st.isSocket()) return SOCKET_STREAM;
  if (st.isBlockDevice()) return BLOCK_DEVICE;
  if (st.isCharacterDevice()) return terminal() ? CHARACTER_DEVICE : UNKNOWN;
  return UNKNOWN;
}

/** a Stats number as u64 (a runtime may leave one out: 0) */
const u64 = (n: number | null | undefined) => BigInt(Math.max(0, Math.trunc(Number(n) || 0)));
const ns = (ms: number) => u64(ms * 1e6);

/**
 * Wraps `wasi` so that fd_fdstat_get and fd_filestat_get of fds 0-2 tell the
 * type of `stdio[fd]` (the process's own descriptors when the same). The
 * rest of each answer is the runtime's when it is about those descriptors,
 * else (files the worker opened for curl() of ../cli.ts) all rights.
 */
export function trueStdioTypes(wasi: WebAssembly.ModuleImports, stdio: [number, number, number], memory: () => WebAssembly.Memory): WebAssembly.ModuleImports {
  const real = wasi as Record<string, (...args: number[]) => number>;
  const own = stdio.every((fd, i) => fd === i);
  const stat = (fd: number): Stats | undefined => {
    try {
      return fstatSync(stdio[fd]!);
    } catch {
      return undefined; // closed: the runtime's answer stands
    }
  };
  return {
    ...wasi,
    fd_fdstat_get: (fd: number, out: number) => {
      if (fd > 2) return real.fd_fdstat_get!(fd, out);
      const st = stat(fd);
      if (!st) return real.fd_fdstat_get!(fd, out);
      if (!own || real.fd_fdstat_get!(fd, out) !== ESUCCESS) {
        new Uint8Array(memory().buffer, out, 24).fill(0);
        new DataView(memory().buffer).setBigUint64(out + 8, 0xffffffffffffffffn, true); // rights: all
      }
      // only isatty() reads this type: a character device that is no terminal (/dev/null) is UNKNOWN
      new DataView(memory().buffer).setUint8(
        out,
        fileType(st, () => isTerminal(stdio[fd]!)),
      );
      return ESUCCESS;
    },
    fd_filestat_get: (fd: number, out: number) => {
      if (fd > 2) return real.fd_filestat_get!(fd, out);
      const st = stat(fd);
      if (!st) return real.fd_filestat_get!(fd, out);
      const dv = new DataView(memory().buffer);
      new Uint8Array(memory().buffer, out, 64).fill(0);
      dv.setBigUint64(out, u64(st.dev), true);
      dv.setBigUint64(out + 8, u64(st.ino), true);
      // fstat: S_ISCHR for any character device
      dv.setUint8(
        out + 16,
        fileType(st, () => true),
      );
      dv.setBigUint64(out + 24, u64(st.nlink), true);
      dv.setBigUint64(out + 32, u64(st.size), true);
      dv.setBigUint64(out + 40, ns(st.atimeMs), true);
      dv.setBigUint64(out + 48, ns(st.mtimeMs), true);
      dv.setBigUint64(out + 56, ns(st.ctimeMs), true);
      return ESUCCESS;
    },
  };
}
