// SPDX-License-Identifier: MIT
// Node's built-in modules that only some transfers need (TLS, UDP), loaded on
// first use rather than by a static import: a static import loads them with
// the library (node:tls with node:crypto ~3 ms, node:dgram, node:dns), before
// a plain-HTTP first request, or an importer that never makes one, could
// skip them.
import { createRequire } from 'node:module';

type Loader = (id: string) => unknown;
/** process.getBuiltinModule (Node >= 20.16, Bun, Deno 2), else require. */
const load: Loader = (globalThis as { process?: { getBuiltinModule?: Loader } }).process?.getBuiltinModule ?? (createRequire(import.meta.url) as Loader);

function lazily<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(id) as T);
}

export const nodeTls = lazily<typeof import('node:tls')>('node:tls');
export const nodeCrypto = lazily<typeof import('node:crypto')>('node:crypto');
export const nodeDgram = lazily<typeof import('node:dgram')>('node:dgram');
export const nodeDns = lazily<typeof import('node:dns')>('node:dns');
export const nodeFs = lazily<typeof import('node:fs')>('node:fs');
