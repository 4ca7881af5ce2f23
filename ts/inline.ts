// SPDX-License-Identifier: MIT
// libcurl-wasm/inline: the whole library plus libcurl.wasm in one file, for
// bundlers and runtimes that cannot read a file beside the module. The bytes
// come from a virtual module that rollup.config.mjs fills in at build time
// (base64), and the same build makes every default (Runtime.create, Session,
// fetch, request, WebSocket) use them, so this entry only works from
// dist/inline.{mjs,cjs}.
// @ts-expect-error -- virtual module, provided by the inline-wasm plugin in rollup.config.mjs
import { wasmBytes as embedded } from 'virtual:inline-default-wasm';
import { Runtime, type RuntimeOptions } from './index.js';

export * from './index.js';

/** The bytes of the libcurl.wasm embedded in this bundle. */
export const wasmBytes: Uint8Array<ArrayBuffer> = embedded;

/** Runtime.create(), kept for callers of earlier versions: the default module is the embedded one. */
export function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  return Runtime.create(options);
}
