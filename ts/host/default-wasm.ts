// SPDX-License-Identifier: MIT
// Where the default libcurl.wasm comes from: the file beside the library.
// The single-file build (dist/inline.*) replaces this module with one that
// decodes the embedded bytes (rollup.config.mjs), so every default path
// (Runtime.create, sessions, fetch) needs no file there.
import { WasmLoadError } from './errors.js';

/** Reads a file (the module from a path or file: URL). */
export async function readBytes(url: URL | string): Promise<Uint8Array<ArrayBuffer>> {
  const { readFile } = await import('node:fs/promises'); // lazily: bundles for the edge never load it
  return (await readFile(url)) as Uint8Array<ArrayBuffer>;
}

/** The packaged libcurl.wasm. */
export async function readDefaultWasm(): Promise<Uint8Array<ArrayBuffer>> {
  // dist/ keeps the wasm beside the bundle. Written as a literal so that Vite,
  // webpack and Parcel emit the asset; with rollup or esbuild, copy it (the
  // package exports ./libcurl.wasm) or use libcurl-wasm/inline.
  const packaged = new URL('./libcurl.wasm', import.meta.url);
  try {
    return await readBytes(packaged);
  } catch (err) {
    // running from the source tree (ts/host/)
    if (!import.meta.url.includes('/ts/host/')) throw new WasmLoadError('ERR_WASM_NOT_FOUND', `libcurl.wasm not found at ${packaged}`, { cause: err });
    return readBytes(new URL('../../wasm/libcurl.wasm', import.meta.url));
  }
}
