// SPDX-License-Identifier: MIT
// Where the default libcurl.wasm comes from: the file beside the library.
// The single-file build (dist/inline.*) replaces this module with one that
// decodes the embedded bytes (rollup.config.mjs), so every default path
// (Runtime.create, sessions, fetch) needs no file there.
import { WasmLoadError } from './errors.js';

type NodeFs = typeof import('node:fs');
/** process.getBuiltinModule (Node >= 20.16, Bun, Deno 2): a built-in module without an import. */
const builtin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;

/** Reads a file (the module from a path or file: URL). */
export async function readBytes(url: URL | string): Promise<Uint8Array<ArrayBuffer>> {
  // A synchronous read of the ~1 MB module (under a millisecond from the page
  // cache) where the runtime hands out node:fs without an import: the async
  // readFile and a dynamic import (which goes through any loader hooks, such
  // as tsx's, on their own thread) took ~8 ms of a process's first request
  const fs = builtin?.('node:fs') as NodeFs | undefined;
  if (fs) return fs.readFileSync(url) as Uint8Array<ArrayBuffer>;
  const { readFile } = await import('node:fs/promises'); // lazily: bundles for the edge never load it
  return (await readFile(url)) as Uint8Array<ArrayBuffer>;
}

/**
 * The packaged libcurl.wasm read now, where node:fs comes without an import
 * (process.getBuiltinModule); undefined elsewhere or on any failure (then
 * readDefaultWasm() reads it, and says what went wrong). Compiling can start
 * within the caller's turn: a first fetch() loads Node's Response meanwhile.
 */
export function defaultWasmNow(): Uint8Array<ArrayBuffer> | undefined {
  const fs = builtin?.('node:fs') as NodeFs | undefined;
  if (!fs) return undefined;
  for (const url of wasmPlaces()) {
    try {
      return fs.readFileSync(url) as Uint8Array<ArrayBuffer>;
    } catch {
      // the next place, then readDefaultWasm()
    }
  }
  return undefined;
}

/**
 * Where the packaged libcurl.wasm is: beside the bundle (dist/), and, running
 * from the source tree (ts/host/), in wasm/. The first URL is written as a
 * literal so that Vite, webpack and Parcel emit the asset; with rollup or
 * esbuild, copy it (the package exports ./libcurl.wasm) or use
 * libcurl-wasm/inline.
 */
function wasmPlaces(): URL[] {
  const packaged = new URL('./libcurl.wasm', import.meta.url);
  return import.meta.url.includes('/ts/host/') ? [packaged, new URL('../../wasm/libcurl.wasm', import.meta.url)] : [packaged];
}

/** The packaged libcurl.wasm. */
export async function readDefaultWasm(): Promise<Uint8Array<ArrayBuffer>> {
  const [packaged, sourceTree] = wasmPlaces();
  try {
    return await readBytes(packaged!);
  } catch (err) {
    if (!sourceTree) throw new WasmLoadError('ERR_WASM_NOT_FOUND', `libcurl.wasm not found at ${packaged}`, { cause: err });
    return readBytes(sourceTree);
  }
}
