// SPDX-License-Identifier: MIT
// libcurl-wasm/inline: the whole library plus libcurl.wasm in one file, for
// bundlers and runtimes that cannot read a file beside the module. The bytes
// come from a virtual module that rollup.config.mjs fills in at build time
// (base64), so this entry only works from dist/inline.{mjs,cjs}.
//
// Use createRuntime() (or defaultRuntime()/compileLibcurl() from here): they
// default to the embedded module. Runtime.create() without `module` still
// looks for libcurl.wasm beside the library, as it does from the main entry.
// @ts-expect-error -- virtual module, provided by the inline-wasm plugin in rollup.config.mjs
import wasmBase64 from 'virtual:libcurl-wasm';
import { compileLibcurl as compileSource, Runtime, type RuntimeOptions, type WasmSource } from './index.js';

export * from './index.js';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text); // atob: Node >= 16, Deno, Bun, browsers, workers
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The bytes of the libcurl.wasm embedded in this bundle. */
export const wasmBytes: Uint8Array<ArrayBuffer> = decodeBase64(wasmBase64 as string);

let inlineModule: Promise<WebAssembly.Module> | undefined;

/** Compiles libcurl.wasm; without a source, the embedded module, compiled once per process. */
export function compileLibcurl(source?: WasmSource): Promise<WebAssembly.Module> {
  if (source !== undefined) return compileSource(source);
  inlineModule ??= WebAssembly.compile(wasmBytes);
  return inlineModule;
}

/** Runtime.create() with the embedded module unless `options.module` says otherwise. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  return Runtime.create({ ...options, module: await compileLibcurl(options.module) });
}

let shared: Promise<Runtime> | undefined;

/** The process-wide default instance of this bundle, created on first use. */
export function defaultRuntime(): Promise<Runtime> {
  shared ??= createRuntime();
  return shared;
}
