// SPDX-License-Identifier: MIT
// User callbacks of an easy handle, behind the relays in wasm/glue/api.c.
// A callback that throws aborts its transfer: the relay answers curl's
// abort value and keeps the exception, which becomes the `cause` of the
// transfer's error.
import type { EasyRelays } from '../host/imports.js';
import type { Heap } from '../host/memory.js';
import { CALLBACK_RETURNS } from './generated/enums.js';

/** Receives body (or header) bytes: a view of wasm memory, valid during the call only. Return nothing to take all, or a count, or `CURL_WRITEFUNC_PAUSE`. */
export type WriteCallback = (data: Uint8Array) => number | void;
/** Fills `buffer` with upload bytes; returns how many (0 at the end), or `CURL_READFUNC_PAUSE`/`CURL_READFUNC_ABORT`. */
export type ReadCallback = (buffer: Uint8Array) => number;
/** Moves the upload source to `offset` (origin as in fseek); returns a CURL_SEEKFUNC_* value. */
export type SeekCallback = (offset: number, origin: number) => number;
/** Progress; return true or a non-zero number to abort the transfer. */
export type ProgressCallback = (dltotal: number, dlnow: number, ultotal: number, ulnow: number) => number | boolean | void;
/** curl's trace (CURLOPT_VERBOSE): `type` is a curl_infotype value. */
export type DebugCallback = (type: number, data: Uint8Array) => void;

export interface Callbacks {
  WRITEFUNCTION?: WriteCallback;
  HEADERFUNCTION?: WriteCallback;
  READFUNCTION?: ReadCallback;
  SEEKFUNCTION?: SeekCallback;
  XFERINFOFUNCTION?: ProgressCallback;
  /** Deprecated in curl (7.32.0) but still honoured: called only while no XFERINFOFUNCTION is set. */
  PROGRESSFUNCTION?: ProgressCallback;
  DEBUGFUNCTION?: DebugCallback;
}
export type CallbackName = keyof Callbacks;
export const CALLBACK_NAMES: readonly string[] = [
  'WRITEFUNCTION',
  'HEADERFUNCTION',
  'READFUNCTION',
  'SEEKFUNCTION',
  'XFERINFOFUNCTION',
  'PROGRESSFUNCTION',
  'DEBUGFUNCTION',
];
/**
 * Pointer options wasm/glue/api.c's lcw_easy_relays() sets on every handle
 * (the relays' data, the socket opener) and the error buffer the binding
 * reads: JavaScript cannot take them over.
 */
export const BINDING_OWNED = [
  'WRITEDATA',
  'HEADERDATA',
  'READDATA',
  'SEEKDATA',
  'XFERINFODATA',
  'DEBUGDATA',
  'OPENSOCKETFUNCTION',
  'OPENSOCKETDATA',
  'ERRORBUFFER',
] as const;
/** An option name of {@link BINDING_OWNED}. */
export type BindingOwned = (typeof BINDING_OWNED)[number];

const WRITE_ERROR = CALLBACK_RETURNS.CURL_WRITEFUNC_ERROR;
const READ_ABORT = CALLBACK_RETURNS.CURL_READFUNC_ABORT;
const SEEK_FAIL = CALLBACK_RETURNS.CURL_SEEKFUNC_FAIL;
const SEEK_CANTSEEK = CALLBACK_RETURNS.CURL_SEEKFUNC_CANTSEEK;

/** The connection's TLS version and cipher suite, as Easy.tlsInfo() answers. */
export interface TlsNames {
  version: string;
  cipher: string;
}

/**
 * Receives each response head whole (status line to blank line) as a view of
 * wasm memory, valid during the call only. The block that ends a head
 * carries curl's effective URL and the connection's TLS (undefined without);
 * `url` is undefined on the first parts of a head too big for one block.
 */
export type HeadSink = (block: Uint8Array, url: string | undefined, tls: TlsNames | undefined) => void;

export class CallbackSet implements EasyRelays {
  fns: Callbacks = {};
  /** Where whole response heads go (fetch() and request()), beside any HEADERFUNCTION. */
  headSink: HeadSink | undefined;
  /** The first exception a callback threw during the current transfer. */
  error: unknown;
  /** CURLOPT_NOPROGRESS as the application set it: curl's own is also off while a DEBUGFUNCTION needs the relay to abort. */
  noProgress = true;
  readonly #heap: () => Heap;
  readonly #connectHost: () => string | null;

  constructor(heap: () => Heap, connectHost: () => string | null) {
    this.#heap = heap;
    this.#connectHost = connectHost;
  }

  connectHost(): string | null {
    return this.#connectHost();
  }

  fail(reason: unknown): void {
    this.error ??= reason;
  }

  #fail(err: unknown, answer: number): number {
    this.error ??= err;
    return answer;
  }

  write(header: boolean, ptr: number, len: number): number {
    const fn = header ? this.fns.HEADERFUNCTION : this.fns.WRITEFUNCTION;
    if (!fn) return len;
    try {
      const taken = fn(this.#heap().view(ptr, len));
      return taken === undefined ? len : taken;
    } catch (err) {
      return this.#fail(err, WRITE_ERROR);
    }
  }

  head(ptr: number, len: number, url: number, tlsVersion: number, tlsCipher: number): number {
    const fn = this.headSink;
    if (!fn) return 0;
    try {
      const heap = this.#heap();
      const tls = tlsVersion && tlsCipher ? { version: heap.cstring(tlsVersion)!, cipher: heap.cstring(tlsCipher)! } : undefined;
      fn(heap.view(ptr, len), url ? heap.cstring(url)! : undefined, tls);
      return 0;
    } catch (err) {
      return this.#fail(err, -1);
    }
  }

  read(ptr: number, len: number): number {
    const fn = this.fns.READFUNCTION;
    if (!fn) return 0;
    try {
      return fn(this.#heap().view(ptr, len));
    } catch (err) {
      return this.#fail(err, READ_ABORT);
    }
  }

  seek(offset: number, origin: number): number {
    const fn = this.fns.SEEKFUNCTION;
    if (!fn) return SEEK_CANTSEEK;
    try {
      return fn(offset, origin);
    } catch (err) {
      return this.#fail(err, SEEK_FAIL);
    }
  }

  progress(dltotal: number, dlnow: number, ultotal: number, ulnow: number): number {
    if (this.error !== undefined) return 1; // a callback failed: stop at once
    // as in curl: XFERINFOFUNCTION wins over PROGRESSFUNCTION, neither runs under NOPROGRESS
    const fn = this.noProgress ? undefined : (this.fns.XFERINFOFUNCTION ?? this.fns.PROGRESSFUNCTION);
    if (!fn) return 0;
    try {
      const r = fn(dltotal, dlnow, ultotal, ulnow);
      return r === true ? 1 : typeof r === 'number' ? r : 0;
    } catch (err) {
      return this.#fail(err, 1);
    }
  }

  debug(type: number, ptr: number, len: number): void {
    const fn = this.fns.DEBUGFUNCTION;
    if (!fn) return;
    try {
      fn(type, this.#heap().view(ptr, len));
    } catch (err) {
      this.#fail(err, 0); // curl ignores the debug answer; progress() aborts
    }
  }
}
