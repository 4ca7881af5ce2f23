// SPDX-License-Identifier: MIT
// Easy: one transfer's handle, with typed options and infos.
import type { Runtime } from '../host/runtime.js';
import { HEAD_BLOCK, HEAD_LAYOUT, HEAD_LINES } from '../host/abi.js';
import { BINDING_OWNED, CALLBACK_NAMES, CallbackSet, type CallbackName, type Callbacks, type HeadSink } from './easy-callbacks.js';
import { check } from './errors.js';
import { EASY_OPTIONS } from './generated/options.js';
import { CURLE } from './generated/codes.js';
import { CURL_SIZES } from './generated/enums.js';
import { easyOption, info } from './names.js';
import type { OptionSpec } from './generated/options.js';
import type { CurlOptions, EasyOptionKey, EasyOptionValue, InfoKey, InfoValueOf } from './option-types.js';
import { kAdopt, kErrorDetail, kForget, kHeadSink, kMulti, kPrepare, kPtr, kRelayId, kRuntime, kTakeCallbackError } from './symbols.js';
import { readInfo, toBigInt, toBytes, toLong } from './values.js';

/** Offset of `next` in struct curl_slist { char *data; struct curl_slist *next; } (wasm32). */
const SLIST_NEXT = 4;
const { CURL_ERROR_SIZE } = CURL_SIZES;
/** getInfo's answer slot (the widest answer is 8 bytes), kept after the error buffer. */
const INFO_OUT = CURL_ERROR_SIZE;
/**
 * Bytes of a handle's head buffer (struct lcw_head), given to a handle once
 * a head sink is set (fetch(), request()): a response head up to this size
 * crosses to the host in one call, a bigger one in several. Other handles
 * have none (10,000 handles of the binding would hold 20 MiB of it).
 */
const HEAD_CAP = 2048;
const OPT = {
  ERRORBUFFER: EASY_OPTIONS.ERRORBUFFER.id,
  HEADERDATA: EASY_OPTIONS.HEADERDATA.id,
  NOPROGRESS: EASY_OPTIONS.NOPROGRESS.id,
  POSTFIELDSIZE_LARGE: EASY_OPTIONS.POSTFIELDSIZE_LARGE.id,
  COPYPOSTFIELDS: EASY_OPTIONS.COPYPOSTFIELDS.id,
} as const;

const OWNED: ReadonlySet<string> = new Set(BINDING_OWNED);

/**
 * Bytes copied into wasm memory once, for blob options of many handles
 * (curl then points at them instead of copying): one CA bundle for every
 * transfer. It lives as long as its runtime.
 */
export class SharedBlob {
  readonly [kRuntime]: Runtime;
  readonly ptr: number;
  readonly length: number;

  constructor(runtime: Runtime, value: string | Uint8Array) {
    const bytes = toBytes('blob', value);
    this[kRuntime] = runtime;
    this.ptr = runtime.heap.allocBytes(bytes);
    this.length = bytes.length;
  }
}

/** Something that can stand behind CURLOPT_SHARE. */
export interface ShareLike {
  readonly [kPtr]: number;
  readonly [kRuntime]: Runtime;
}

/** Any option's value; {@link EasyOptionValue} is the one a given option takes. */
export type OptionValue =
  | number
  | bigint
  | boolean
  | string
  | null
  | readonly string[]
  | ArrayBuffer
  | ArrayBufferView
  | SharedBlob
  | ShareLike
  | Easy
  | Callbacks[CallbackName]
  | object; // CURLOPT_PRIVATE's
/** Any info's answer; {@link InfoValueOf} is the one a given info gives (PRIVATE's: whatever was set). */
export type InfoValue = number | string | null | string[] | string[][];

/**
 * Sets every option of a bag built at run time (the typed spellings are
 * checked where the bag is written, as {@link CurlOptions}).
 * @internal
 */
export function setOptions(easy: Easy, options: Readonly<Record<string, OptionValue>> | CurlOptions): void {
  const bag = options as Readonly<Record<string, OptionValue>>;
  for (const k in bag) easy.setOpt(k as EasyOptionKey, bag[k] as never);
}

/** struct curl_ws_frame: what curl_ws_recv and curl_ws_meta tell about a frame. */
export interface WsFrameMeta {
  /** The struct's version (0). */
  age: number;
  /** CURLWS_* bits: the frame's type, and CURLWS_CONT while more fragments of the message follow. */
  flags: number;
  /** Where this chunk starts in the frame's payload. */
  offset: number;
  /** Payload bytes of this frame still to come after this chunk. */
  bytesleft: number;
  /** Bytes in this chunk. */
  len: number;
}

/** @internal What Easy.close() asks of the Multi holding the handle. */
export interface MultiLike {
  removeHandle(easy: Easy): void;
}

/** The pointer kAdopt hands the constructor (set only during that call). */
let adopted = 0;

const { CURLE_AGAIN } = CURLE;
/** Room for the out-parameters of the WebSocket and CONNECT_ONLY calls, ahead of their data. */
const WS_OUT = 16;

/**
 * A libcurl easy handle.
 * @see https://curl.se/libcurl/c/curl_easy_init.html
 */
export class Easy {
  readonly [kRuntime]: Runtime;
  #ptr: number;
  readonly #id: number;
  readonly #errbuf: number;
  readonly #callbacks: CallbackSet;
  /** slist options and the lists curl points at (curl does not copy them). */
  readonly #lists = new Map<number, { ptr: number; key: string; spec: OptionSpec; value: readonly string[] }>();
  /** The handle's struct lcw_head (curl's HEADERDATA), with 0 or HEAD_CAP bytes of buffer after it. */
  #head: number;
  /** CURLOPT_PRIVATE: kept here (curl's slot routes the relays), answered by getInfo('PRIVATE'). */
  #private: unknown = null;
  /** POSTFIELDSIZE(_LARGE) as the application set it (-1: unset, curl's strlen). */
  #postSize = -1;
  /** Scratch memory for wsRecv/wsSend/recv/send: WS_OUT bytes of out-parameters, then #wsCap bytes of data. */
  #wsBuf = 0;
  #wsCap = 0;
  /** @internal The Multi this handle is added to (Multi sets and clears it). */
  [kMulti]: MultiLike | undefined;

  /** A new handle, or with `template` a duplicate of it (see duphandle). */
  constructor(runtime: Runtime, template?: Easy) {
    if (template && template[kRuntime] !== runtime) throw new TypeError('the template Easy belongs to another libcurl instance');
    this[kRuntime] = runtime;
    const ptr = adopted || (template ? runtime.exports.curl_easy_duphandle(template[kPtr]) : runtime.exports.curl_easy_init());
    adopted = 0;
    if (!ptr) throw new RangeError(template ? 'curl_easy_duphandle failed' : 'curl_easy_init failed: wasm out of memory');
    this.#ptr = ptr;
    this.#id = runtime.relays.id();
    this.#errbuf = runtime.heap.malloc(CURL_ERROR_SIZE + 8);
    this.#head = runtime.heap.malloc(HEAD_LAYOUT.buf);
    runtime.heap.setU32(this.#head + HEAD_LAYOUT.cap, 0); // each line crosses alone until a sink asks for heads
    this.#callbacks = new CallbackSet(
      () => runtime.heap,
      () => runtime.heap.cstring(runtime.exports.lcw_conn_host(this.#ptr)),
    );
    runtime.relays.easy.set(this.#id, this.#callbacks);
    this.#install();
    if (template) {
      // a head sink belongs to one transfer: the duplicate has none
      this.#callbacks.fns = { ...template.#callbacks.fns };
      this.#callbacks.noProgress = template.#callbacks.noProgress;
      this.#private = template.#private;
      this.#postSize = template.#postSize;
      this.#headMode();
      // the duplicate points at the template's lists: give it its own
      for (const list of template.#lists.values()) this.#setList(list.key, list.spec, list.value);
    }
  }

  /**
   * Wraps `ptr`, a duplicate of `parent` that curl made itself (a pushed
   * HTTP/2 stream), with the parent's callbacks, as duphandle would.
   * @internal
   */
  static [kAdopt](parent: Easy, ptr: number): Easy {
    adopted = ptr;
    return new Easy(parent[kRuntime], parent);
  }

  /** @internal */
  get [kRelayId](): number {
    return this.#id;
  }

  get [kPtr](): number {
    if (!this.#ptr) throw new TypeError('this Easy handle is closed');
    return this.#ptr;
  }

  get closed(): boolean {
    return this.#ptr === 0;
  }

  /** Relays and the error buffer, after init, reset and duphandle. */
  #install(): void {
    const { exports, heap } = this[kRuntime];
    heap.u8[this.#errbuf] = 0;
    this.#check(exports.lcw_easy_relays(this.#ptr, this.#id, this.#head));
    this.#headMode();
    this.#check(exports.lcw_easy_setopt_ptr(this.#ptr, OPT.ERRORBUFFER, this.#errbuf));
  }

  /**
   * Before a transfer: the head buffer starts empty (what a failed transfer,
   * trailers or an FTP server's lines left in it is not the next head).
   * @internal
   */
  [kPrepare](): void {
    this[kRuntime].heap.setU32(this.#head + HEAD_LAYOUT.len, 0);
  }

  /**
   * Sends each whole response head to `sink` (one call per head, parsed in
   * JS once), beside any HEADERFUNCTION, until it is set to undefined. Not
   * kept by reset() or duphandle().
   * @internal
   */
  [kHeadSink](sink: HeadSink | undefined): void {
    const ptr = this[kPtr];
    const { exports, heap } = this[kRuntime];
    if (sink && heap.u32(this.#head + HEAD_LAYOUT.cap) === 0) {
      // the state with a buffer, in place of the one without (curl points at it)
      const head = heap.malloc(HEAD_LAYOUT.buf + HEAD_CAP);
      heap.u8.copyWithin(head, this.#head, this.#head + HEAD_LAYOUT.buf);
      heap.setU32(head + HEAD_LAYOUT.len, 0);
      heap.setU32(head + HEAD_LAYOUT.cap, HEAD_CAP);
      try {
        this.#check(exports.lcw_easy_setopt_ptr(ptr, OPT.HEADERDATA, head));
      } catch (err) {
        heap.free(head);
        throw err;
      }
      heap.free(this.#head);
      this.#head = head;
    }
    this.#callbacks.headSink = sink;
    this.#headMode();
  }

  /** What the glue does with header lines: relay each (a HEADERFUNCTION), gather heads (a head sink), or drop them in wasm. */
  #headMode(): void {
    const cb = this.#callbacks;
    this[kRuntime].heap.setU32(this.#head + HEAD_LAYOUT.mode, (cb.fns.HEADERFUNCTION ? HEAD_LINES : 0) | (cb.headSink ? HEAD_BLOCK : 0));
  }

  #check(code: number): void {
    check(this[kRuntime], 'easy', code, undefined);
  }

  /**
   * Sets an option; the name may be `CURLOPT_URL`, `URL` or `url`, and the
   * value's type is the option's (see {@link EasyOptionValues}).
   * @see https://curl.se/libcurl/c/curl_easy_setopt.html
   */
  setOpt<K extends EasyOptionKey>(name: K, value: EasyOptionValue<K>): this;
  setOpt(name: string, value: OptionValue): this {
    const [key, spec] = easyOption(name);
    const ptr = this[kPtr];
    const rt = this[kRuntime];
    const { exports, heap } = rt;
    if (spec.type === 'functionpoint' && CALLBACK_NAMES.includes(key)) {
      if (value !== null && typeof value !== 'function') throw new TypeError(`curl option ${key} takes a function or null`);
      this.#callbacks.fns[key as CallbackName] = (value ?? undefined) as never;
      // takes effect at once, as in C, even in a running transfer
      if (key === 'HEADERFUNCTION') this.#headMode();
      if (key === 'DEBUGFUNCTION') this.#syncProgress();
      return this;
    }
    if (key === 'NOPROGRESS') {
      this.#callbacks.noProgress = toLong(key, value) !== 0;
      this.#syncProgress();
      return this;
    }
    if (key === 'PRIVATE') {
      this.#private = value;
      return this;
    }
    switch (spec.type) {
      case 'long':
      case 'values':
        this.#check(exports.lcw_easy_setopt_long(ptr, spec.id, toLong(key, value)));
        break;
      case 'off_t': {
        const v = toBigInt(key, value);
        this.#check(exports.lcw_easy_setopt_off(ptr, spec.id, Number(v & 0xffffffffn), Number(BigInt.asIntN(32, v >> 32n))));
        break;
      }
      case 'string': {
        const s = this.#cString(key, value);
        // curl's answer, given before curl stores the name: it would keep a
        // refused engine name and then fail every duphandle of this handle
        if (key === 'SSLENGINE' && value) {
          heap.free(s);
          this.#check(CURLE.CURLE_NOT_BUILT_IN);
        }
        try {
          this.#check(exports.lcw_easy_setopt_ptr(ptr, spec.id, s)); // curl copies string options
        } finally {
          heap.free(s);
        }
        break;
      }
      case 'slist':
        this.#setList(key, spec, value);
        break;
      case 'blob': {
        if (value instanceof SharedBlob) {
          if (value[kRuntime] !== rt) throw new TypeError('the SharedBlob belongs to another libcurl instance');
          this.#check(exports.lcw_easy_setopt_blob(ptr, spec.id, value.ptr, value.length, 0));
          break;
        }
        const bytes = toBytes(key, value);
        const p = heap.allocBytes(bytes);
        try {
          this.#check(exports.lcw_easy_setopt_blob(ptr, spec.id, p, bytes.length, 1));
        } finally {
          heap.free(p);
        }
        break;
      }
      default: // objectpoint, cbptr and the callbacks JavaScript cannot give
        this.#setObject(key, spec, value);
    }
    if (key === 'POSTFIELDSIZE' || key === 'POSTFIELDSIZE_LARGE') this.#postSize = Number(value);
    return this;
  }

  /** `value` as a C string in wasm memory (0 for null); the caller frees it. */
  #cString(key: string, value: OptionValue): number {
    if (value !== null && typeof value !== 'string') throw new TypeError(`curl option ${key} takes a string or null`);
    if (value?.includes('\0')) throw new TypeError(`curl option ${key}: the string contains a NUL byte`);
    return value === null ? 0 : this[kRuntime].heap.allocCString(value);
  }

  #setList(key: string, spec: OptionSpec, value: OptionValue): void {
    if (value !== null && !(Array.isArray(value) && value.every((s) => typeof s === 'string'))) {
      throw new TypeError(`curl option ${key} takes an array of strings or null`);
    }
    const { exports, heap } = this[kRuntime];
    let list = 0;
    // appended after the last node, not the head: curl_slist_append walks
    // from the node it is given, and from the head n items cost n^2/2 steps
    let last = 0;
    for (const item of (value ?? []) as string[]) {
      if (item.includes('\0')) throw new TypeError(`curl option ${key}: an item contains a NUL byte`);
      const s = heap.allocCString(item);
      const node = exports.curl_slist_append(last, s);
      heap.free(s);
      if (!node) {
        exports.curl_slist_free_all(list);
        throw new RangeError('wasm out of memory building a curl_slist');
      }
      list ||= node;
      last = last ? heap.u32(last + SLIST_NEXT) : node;
    }
    try {
      this.#check(exports.lcw_easy_setopt_ptr(this[kPtr], spec.id, list));
    } catch (err) {
      exports.curl_slist_free_all(list);
      throw err;
    }
    const old = this.#lists.get(spec.id);
    if (old) exports.curl_slist_free_all(old.ptr);
    if (list) this.#lists.set(spec.id, { ptr: list, key, spec, value: value as string[] });
    else this.#lists.delete(spec.id);
  }

  #setObject(key: string, spec: OptionSpec, value: OptionValue): void {
    const { exports, heap } = this[kRuntime];
    const ptr = this[kPtr];
    if (key === 'POSTFIELDS' || key === 'COPYPOSTFIELDS') {
      // POSTFIELDS is not copied by curl: always hand it a copy to own
      if (value === null) {
        this.#check(exports.lcw_easy_setopt_ptr(ptr, OPT.COPYPOSTFIELDS, 0));
        return;
      }
      // a size set before is the length, as in C (which reads that many bytes)
      const all = toBytes(key, value);
      const bytes = this.#postSize >= 0 && this.#postSize < all.length ? all.subarray(0, this.#postSize) : all;
      this.#check(exports.lcw_easy_setopt_off(ptr, OPT.POSTFIELDSIZE_LARGE, bytes.length, 0));
      const p = heap.allocBytes(bytes);
      try {
        this.#check(exports.lcw_easy_setopt_ptr(ptr, OPT.COPYPOSTFIELDS, p));
      } finally {
        heap.free(p);
      }
      return;
    }
    if (key === 'SHARE') {
      if (value !== null && (typeof value !== 'object' || !(kPtr in value))) throw new TypeError('curl option SHARE takes a Share or null');
      if (value !== null && (value as ShareLike)[kRuntime] !== this[kRuntime]) throw new TypeError('the Share belongs to another libcurl instance');
      this.#check(exports.lcw_easy_setopt_ptr(ptr, spec.id, value === null ? 0 : (value as ShareLike)[kPtr]));
      return;
    }
    if (key === 'STREAM_DEPENDS' || key === 'STREAM_DEPENDS_E') {
      if (value !== null && !(value instanceof Easy)) throw new TypeError(`curl option ${key} takes an Easy or null`);
      if (value !== null && value[kRuntime] !== this[kRuntime]) throw new TypeError('the Easy belongs to another libcurl instance');
      this.#check(exports.lcw_easy_setopt_ptr(ptr, spec.id, value === null ? 0 : value[kPtr]));
      return;
    }
    if (OWNED.has(key))
      throw new TypeError(`curl option ${key} is not supported from JavaScript: the binding sets it itself (callbacks and error text pass through it)`);
    if (value !== null)
      throw new TypeError(`curl option ${key} is not supported from JavaScript: it takes a C pointer, and only null (curl's default) can be set`);
    // NULL, as C passes it: curl's own answer stands (CURLE_UNKNOWN_OPTION for the removed CONV_* callbacks)
    this.#check(exports.lcw_easy_setopt_ptr(ptr, spec.id, 0));
  }

  /**
   * curl's NOPROGRESS: the application's, but off while a DEBUGFUNCTION is
   * set, whose exception can abort the transfer only from the progress relay
   * (which then calls no user callback under the application's NOPROGRESS).
   */
  #syncProgress(): void {
    const cb = this.#callbacks;
    this.#check(this[kRuntime].exports.lcw_easy_setopt_long(this[kPtr], OPT.NOPROGRESS, cb.noProgress && !cb.fns.DEBUGFUNCTION ? 1 : 0));
  }

  /**
   * Reads transfer information; the name may be `CURLINFO_RESPONSE_CODE`,
   * `RESPONSE_CODE` or `responseCode`.
   * @see https://curl.se/libcurl/c/curl_easy_getinfo.html
   */
  getInfo<K extends InfoKey>(name: K): InfoValueOf<K>;
  getInfo(name: string): InfoValue {
    const [key, spec] = info(name);
    const { exports, heap } = this[kRuntime];
    const ptr = this[kPtr]; // throws on a closed handle, before its memory is touched
    if (key === 'PRIVATE') return this.#private as InfoValue;
    const out = this.#errbuf + INFO_OUT;
    heap.setU32(out, 0);
    heap.setU32(out + 4, 0);
    this.#check(exports.lcw_easy_getinfo(ptr, spec.id, out));
    return readInfo(this[kRuntime], key, spec, out);
  }

  /**
   * Pauses or resumes (CURLPAUSE_* bits).
   * @see https://curl.se/libcurl/c/curl_easy_pause.html
   */
  pause(bitmask: number): void {
    const rt = this[kRuntime];
    const ptr = this[kPtr];
    this.#check(rt.inCurl(() => rt.exports.curl_easy_pause(ptr, bitmask))); // unpausing delivers held data
  }

  /**
   * Sets every option back to its default; callbacks are dropped.
   * @see https://curl.se/libcurl/c/curl_easy_reset.html
   */
  reset(): void {
    this[kRuntime].assertNotInCallback('Easy.reset()');
    const { exports } = this[kRuntime];
    exports.curl_easy_reset(this[kPtr]);
    this.#freeLists();
    this.#callbacks.fns = {};
    this.#callbacks.headSink = undefined;
    this.#callbacks.error = undefined;
    this.#callbacks.noProgress = true;
    this.#private = null;
    this.#postSize = -1;
    this.#install();
  }

  /**
   * A new handle with the same options and callbacks.
   * @see https://curl.se/libcurl/c/curl_easy_duphandle.html
   */
  duphandle(): Easy {
    return new Easy(this[kRuntime], this);
  }

  /**
   * Runs connection upkeep (HTTP/2 PING) on the connection this handle holds.
   * @see https://curl.se/libcurl/c/curl_easy_upkeep.html
   */
  upkeep(): void {
    const rt = this[kRuntime];
    const ptr = this[kPtr];
    this.#wsScratch(0);
    check(
      rt,
      'easy',
      rt.inCurl(() => rt.exports.curl_easy_upkeep(ptr)),
      this[kErrorDetail](),
    );
  }

  /**
   * Sends raw bytes on the connection of a CONNECT_ONLY transfer (still
   * added to its Multi, as in C); answers how many went out, or null for
   * CURLE_AGAIN (wait for the ACTIVESOCKET to be writable).
   * @see https://curl.se/libcurl/c/curl_easy_send.html
   */
  send(data: Uint8Array): number | null {
    const rt = this[kRuntime];
    const p = this.#wsScratch(data.length);
    rt.heap.u8.set(data, p + WS_OUT);
    const rc = rt.exports.curl_easy_send(this[kPtr], p + WS_OUT, data.length, p);
    if (rc === CURLE_AGAIN) return null;
    check(rt, 'easy', rc, this[kErrorDetail]());
    return rt.heap.u32(p);
  }

  /**
   * Receives raw bytes into `buffer` on the connection of a CONNECT_ONLY
   * transfer: the count (0: the peer closed), or null for CURLE_AGAIN
   * (wait for the ACTIVESOCKET to be readable).
   * @see https://curl.se/libcurl/c/curl_easy_recv.html
   */
  recv(buffer: Uint8Array): number | null {
    const rt = this[kRuntime];
    const p = this.#wsScratch(buffer.length);
    const rc = rt.exports.curl_easy_recv(this[kPtr], p + WS_OUT, buffer.length, p);
    if (rc === CURLE_AGAIN) return null;
    check(rt, 'easy', rc, this[kErrorDetail]());
    const n = rt.heap.u32(p);
    buffer.set(rt.heap.view(p + WS_OUT, n));
    return n;
  }

  #wsScratch(size: number): number {
    const heap = this[kRuntime].heap;
    if (!this.#wsBuf || size > this.#wsCap) {
      const cap = Math.max(size, 4096);
      const p = heap.malloc(WS_OUT + cap);
      heap.free(this.#wsBuf);
      this.#wsBuf = p;
      this.#wsCap = cap;
    }
    this[kRuntime].heap.u8[this.#errbuf] = 0; // only what this call reports
    return this.#wsBuf;
  }

  /**
   * Receives WebSocket payload into `buffer` (a connection made with
   * CONNECT_ONLY 2): at most one frame, or the part of it that fits.
   * Answers null for CURLE_AGAIN (nothing to read now).
   * @see https://curl.se/libcurl/c/curl_ws_recv.html
   */
  wsRecv(buffer: Uint8Array): { nread: number; meta: WsFrameMeta } | null {
    const rt = this[kRuntime];
    const p = this.#wsScratch(buffer.length);
    const rc = rt.exports.curl_ws_recv(this[kPtr], p + WS_OUT, buffer.length, p, p + 4);
    if (rc === CURLE_AGAIN) return null;
    check(rt, 'easy', rc, this[kErrorDetail]());
    const nread = rt.heap.u32(p);
    buffer.set(rt.heap.view(p + WS_OUT, nread));
    return { nread, meta: readWsFrame(rt, rt.heap.u32(p + 4)) };
  }

  /**
   * Sends `data` as (part of) a WebSocket frame with CURLWS_* `flags`;
   * answers how many payload bytes went out, or null for CURLE_AGAIN.
   * After a partial send or null, call again with the unsent rest.
   * @see https://curl.se/libcurl/c/curl_ws_send.html
   */
  wsSend(data: Uint8Array, flags: number, fragsize: number | bigint = 0): number | null {
    const rt = this[kRuntime];
    const frag = toBigInt('fragsize', fragsize);
    const p = this.#wsScratch(data.length);
    rt.heap.u8.set(data, p + WS_OUT);
    const rc = rt.exports.lcw_ws_send(this[kPtr], p + WS_OUT, data.length, p, Number(frag & 0xffffffffn), Number(BigInt.asIntN(32, frag >> 32n)), flags);
    if (rc === CURLE_AGAIN) return null;
    check(rt, 'easy', rc, this[kErrorDetail]());
    return rt.heap.u32(p);
  }

  /**
   * The frame being delivered, inside a WRITEFUNCTION of a WebSocket
   * transfer; null elsewhere.
   * @see https://curl.se/libcurl/c/curl_ws_meta.html
   */
  wsMeta(): WsFrameMeta | null {
    const rt = this[kRuntime];
    const m = rt.exports.curl_ws_meta(this[kPtr]);
    return m ? readWsFrame(rt, m) : null;
  }

  /**
   * The TLS version and cipher suite of the connection in use (from mbedTLS),
   * while one is attached: during the transfer, e.g. in a header callback.
   */
  tlsInfo(): { version: string; cipher: string } | undefined {
    const { exports, heap } = this[kRuntime];
    const version = heap.cstring(exports.lcw_tls_version(this[kPtr]));
    const cipher = heap.cstring(exports.lcw_tls_cipher(this[kPtr]));
    return version && cipher ? { version, cipher } : undefined;
  }

  /** @internal the detailed text curl left in its error buffer, if any. */
  [kErrorDetail](): string {
    return this[kRuntime].heap.cstring(this.#errbuf) ?? '';
  }

  /** @internal the exception a callback threw during the last transfer, taken once. */
  [kTakeCallbackError](): unknown {
    const err = this.#callbacks.error;
    this.#callbacks.error = undefined;
    return err;
  }

  #freeLists(): void {
    const { exports } = this[kRuntime];
    for (const { ptr } of this.#lists.values()) exports.curl_slist_free_all(ptr);
    this.#lists.clear();
  }

  /**
   * Frees the handle; one still added to a Multi is removed from it first,
   * as curl_easy_cleanup does.
   * @see https://curl.se/libcurl/c/curl_easy_cleanup.html
   */
  close(): void {
    if (!this.#ptr) return;
    const rt = this[kRuntime];
    rt.assertNotInCallback('Easy.close()');
    try {
      this[kMulti]?.removeHandle(this);
    } finally {
      rt.exports.curl_easy_cleanup(this.#ptr);
      this[kForget]();
    }
  }

  /** @internal Frees the host side only: curl freed the handle (or is about to). */
  [kForget](): void {
    if (!this.#ptr) return;
    const rt = this[kRuntime];
    this.#ptr = 0;
    this[kMulti] = undefined;
    this.#freeLists();
    rt.heap.free(this.#errbuf);
    rt.heap.free(this.#head);
    rt.heap.free(this.#wsBuf);
    this.#wsBuf = 0;
    rt.relays.easy.delete(this.#id);
  }
}

/** struct curl_ws_frame { int age; int flags; curl_off_t offset; curl_off_t bytesleft; size_t len; } on wasm32. */
function readWsFrame(rt: Runtime, ptr: number): WsFrameMeta {
  const { heap } = rt;
  return { age: heap.i32(ptr), flags: heap.i32(ptr + 4), offset: Number(heap.i64(ptr + 8)), bytesleft: Number(heap.i64(ptr + 16)), len: heap.u32(ptr + 24) };
}
