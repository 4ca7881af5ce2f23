// SPDX-License-Identifier: MIT
// Reading a TLS socket's plaintext into the bridge's receive buffer. net's
// `onread` option makes the runtime write each read into a buffer the caller
// hands out, but tls.connect() drops it when it wraps an existing socket
// (node's _tls_wrap.js: `onread: !socket ? … : null`), which is how host TLS
// upgrades the connection curl made. A TLSSocket then emits a fresh Buffer
// per 16 KB record through the stream machinery: on a 256 MiB download that
// was half of the client's CPU, mostly the garbage collector. Node's own
// onread path is two steps on the socket once it exists (net.js's
// initSocketHandle): the handle's useUserBuffer() and three fields that
// stream_base_commons' onStreamRead consults. Those fields are keyed by
// symbols node does not export; they are found by their descriptions on a
// throwaway socket made with `onread`. Where any piece is missing (Bun,
// Deno, a future node) readInto() answers false and the caller keeps 'data'
// events.
import * as net from 'node:net';

interface Keys {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let keys: Keys | null | undefined;

/** Tests turn this off to run host TLS on 'data' events and without the ciphertext tap (./tls-tap.ts): the path of runtimes without the internals. */
export const readIntoSwitch = { enabled: true };

function findKeys(): Keys | null {
  try {
    const probe = new net.Socket({ onread: { buffer: () => Buffer.alloc(1), callback: () => true } });
    const owned = Object.getOwnPropertySymbols(probe);
    const by = (d: string) => owned.find((s) => s.description === d);
    const buffer = by('kBuffer');
    const callback = by('kBufferCb');
    const generator = by('kBufferGen');
    const rec = probe as unknown as Record<symbol, unknown>;
    probe.destroy();
    // the shape net.js gives a socket made with `onread: { buffer: fn }`
    if (!buffer || !callback || !generator || rec[buffer] !== true || typeof rec[generator] !== 'function') return null;
    return { buffer, callback, generator };
  } catch {
    return null;
  }
}

type Fields = Record<symbol, unknown>;

/**
 * Sets `sock` to read into `buffer()`'s answers and call `callback(n)`, when
 * the runtime allows it and `accepts` takes the socket's present onread fields.
 */
function install(sock: net.Socket, buffer: () => Uint8Array, callback: (n: number) => boolean, accepts: (rec: Fields, k: Keys) => boolean): boolean {
  if (!readIntoSwitch.enabled) return false;
  keys ??= findKeys();
  if (!keys) return false;
  const handle = (sock as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } })._handle;
  const rec = sock as unknown as Fields;
  if (typeof handle?.useUserBuffer !== 'function' || !accepts(rec, keys)) return false;
  const first = buffer();
  handle.useUserBuffer(first);
  rec[keys.buffer] = first;
  rec[keys.callback] = callback;
  rec[keys.generator] = buffer;
  return true;
}

/**
 * Points a socket made with `onread` (the bridge's TCP sockets) at another
 * reader: from then on it reads into `buffer()`'s answers and calls
 * `callback(n)`. Answers false, and changes nothing, where the runtime does
 * not allow it.
 */
export function redirectReads(sock: net.Socket, buffer: () => Uint8Array, callback: (n: number) => boolean): boolean {
  return install(sock, buffer, callback, (rec, k) => typeof rec[k.callback] === 'function');
}

/**
 * Makes `sock` (a TLSSocket, just made and not yet reading) write what it
 * reads into `buffer()`'s answers and call `callback(n)` instead of
 * emitting 'data'; `callback` answers false to stop reading until resume().
 * Answers false, and changes nothing, when the runtime does not allow it.
 */
export function readInto(sock: net.Socket, buffer: () => Uint8Array, callback: (n: number) => boolean): boolean {
  // a socket already set up for 'data' (onread taken, or some other shape) is left alone
  return install(sock, buffer, callback, (rec, k) => rec[k.buffer] === null && rec[k.callback] === null && rec[k.generator] === null);
}
