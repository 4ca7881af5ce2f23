// SPDX-License-Identifier: MIT
// Finds and compiles wasm/curl.wasm, once per thread. Its own module, with
// nothing but node:fs and node:url, so that the command (./cli.ts) starts the
// compile right after the worker, before the socket bridge (./host.ts) loads.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/curl.wasm beside the bundle, or wasm/curl.wasm in the repository. */
function toolWasm(): string {
  for (const rel of ['./curl.wasm', '../../wasm/curl.wasm']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('curl.wasm not found: run "npm run build:wasm"');
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();
/** The tool's module (or another program built on the same bridge: `path`), compiled once per thread. */
export function toolModule(path?: string): Promise<WebAssembly.Module> {
  let file: string;
  try {
    file = path ?? toolWasm();
  } catch (err) {
    return Promise.reject(err);
  }
  let module = compiled.get(file);
  // a synchronous read (1.3 MB from the page cache) costs less than a round through libuv's pool
  if (!module)
    compiled.set(
      file,
      (module = new Promise<Uint8Array<ArrayBuffer>>((resolve) => resolve(readFileSync(file) as Uint8Array<ArrayBuffer>)).then((bytes) =>
        WebAssembly.compile(bytes),
      )),
    );
  return module;
}
