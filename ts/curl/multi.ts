// SPDX-License-Identifier: MIT
// Multi: libcurl's multi interface, faithful (perform, infoRead, wait...)
// and automatic (run): CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION tell the host
// which descriptors and which deadline to watch; readiness and expiry call
// curl_multi_socket_action; info_read is drained after every call. No
// interval polling, and handles are never removed inside a curl callback.
import type { MultiRelays } from '../host/imports.js';
import type { Runtime } from '../host/runtime.js';
import { POLL } from '../host/sockets.js';
import type { Easy } from './easy.js';
import { check, curlError, type CurlEasyError } from './errors.js';
import { curlCodeName, type CurlCodeName } from './generated/codes.js';
import { CURL_CSELECT, CURL_POLL, CURL_SOCKET, CURLMSG } from './generated/enums.js';
import { multiOption } from './names.js';
import type { MultiOptionKey, MultiOptionValue } from './option-types.js';
import { kErrorDetail, kPrepare, kPtr, kRuntime, kTakeCallbackError } from './symbols.js';
import { toLong } from './values.js';

const { CURL_SOCKET_TIMEOUT } = CURL_SOCKET;
const { CURL_POLL_IN, CURL_POLL_OUT, CURL_POLL_REMOVE } = CURL_POLL;
const { CURL_CSELECT_IN, CURL_CSELECT_OUT, CURL_CSELECT_ERR } = CURL_CSELECT;
const { CURLMSG_DONE } = CURLMSG;
/** curl calls in a row for one writable socket in one flush (bounded: other sockets wait). */
const SEND_BURST = 16;
const READ_EVENTS = POLL.IN | POLL.ERR | POLL.HUP;
const WRITE_EVENTS = POLL.OUT | POLL.ERR;
/** The readiness bits that satisfy a pollfd `events` request. */
const pollMask = (events: number) => (events & POLL.IN ? READ_EVENTS : 0) | (events & POLL.OUT ? WRITE_EVENTS : 0);

/** A message from curl_multi_info_read. */
export interface DoneMessage {
  readonly msg: 'DONE';
  readonly easy: Easy;
  /** The transfer's CURLcode (0 is success). */
  readonly result: number;
  /** Its name, e.g. `CURLE_OK`, `CURLE_COULDNT_CONNECT`. */
  readonly code: CurlCodeName;
  /** The typed error for a failed transfer; its `cause` is what a callback threw. */
  readonly error: CurlEasyError | undefined;
}

/** Descriptors curl wants watched, as curl_multi_fdset reports them. */
export interface FdSet {
  read: number[];
  write: number[];
  except: number[];
  maxFd: number;
}

/**
 * A libcurl multi handle.
 * @see https://curl.se/libcurl/c/curl_multi_init.html
 */
export class Multi {
  readonly #rt: Runtime;
  #ptr: number;
  readonly #id: number;
  readonly #scratch: number; // 8 bytes for out-parameters
  readonly #handles = new Map<number, Easy>();
  /** What curl asked to watch: fd -> CURL_POLL_* bits. */
  readonly #interest = new Map<number, number>();
  #timeoutMs = -1;
  /** Cancels the pending curl timeout, if one is armed. */
  #timer: (() => void) | undefined;
  /** Automatic mode: transfers started with run(). */
  readonly #running = new Map<Easy, { resolve: () => void; reject: (err: unknown) => void }>();
  #ready = new Set<number>();
  #readyNext = new Set<number>();
  #flushQueued = false;
  #wake: (() => void) | undefined;
  /** One watcher for every descriptor (no closure per socket callback). */
  readonly #watcher = (fd: number) => this.#onReady(fd);
  /** >0 while a curl_multi_* call is on the stack (callbacks run inside it). */
  #depth = 0;

  constructor(runtime: Runtime) {
    this.#rt = runtime;
    const ptr = runtime.exports.curl_multi_init();
    if (!ptr) throw new RangeError('curl_multi_init failed: wasm out of memory');
    this.#ptr = ptr;
    this.#id = runtime.relays.id();
    this.#scratch = runtime.heap.malloc(8);
    const relays: MultiRelays = { socket: (fd, what) => this.#onSocket(fd, what), timer: (ms) => this.#onTimer(ms) };
    runtime.relays.multi.set(this.#id, relays);
    this.#check(runtime.exports.lcw_multi_relays(ptr, this.#id));
  }

  get #live(): number {
    if (!this.#ptr) throw new TypeError('this Multi handle is closed');
    return this.#ptr;
  }

  #check(code: number): void {
    check(this.#rt, 'multi', code);
  }

  /** @see https://curl.se/libcurl/c/curl_multi_setopt.html */
  setOpt<K extends MultiOptionKey>(name: K, value: MultiOptionValue<K>): this {
    const [key, spec] = multiOption(name);
    if (spec.type !== 'long' && spec.type !== 'values') throw new TypeError(`curl multi option ${key} is not settable from JavaScript`);
    this.#check(this.#rt.exports.lcw_multi_setopt_long(this.#live, spec.id, toLong(key, value)));
    return this;
  }

  /** @see https://curl.se/libcurl/c/curl_multi_add_handle.html */
  addHandle(easy: Easy): void {
    if (easy[kRuntime] !== this.#rt) throw new TypeError('the Easy handle belongs to another libcurl instance');
    easy[kPrepare]();
    this.#check(this.#rt.exports.curl_multi_add_handle(this.#live, easy[kPtr]));
    this.#handles.set(easy[kPtr], easy);
  }

  /** @see https://curl.se/libcurl/c/curl_multi_remove_handle.html */
  removeHandle(easy: Easy): void {
    if (easy[kRuntime] !== this.#rt) throw new TypeError('the Easy handle belongs to another libcurl instance');
    this.#check(this.#rt.exports.curl_multi_remove_handle(this.#live, easy[kPtr]));
    this.#handles.delete(easy[kPtr]);
  }

  /** The easy handles added and not yet removed. */
  get handles(): Easy[] {
    return [...this.#handles.values()];
  }

  /**
   * Does what can be done now without waiting; answers the running count.
   * @see https://curl.se/libcurl/c/curl_multi_perform.html
   */
  perform(): number {
    return this.#call(() => this.#rt.exports.curl_multi_perform(this.#live, this.#scratch));
  }

  /** A curl_multi_* call that answers the running count through #scratch. */
  #call(fn: () => number): number {
    this.#depth++;
    try {
      this.#check(this.#rt.inCurl(fn));
    } finally {
      this.#depth--;
    }
    return this.#rt.heap.i32(this.#scratch);
  }

  /**
   * Tells curl that `fd` is ready (CURL_CSELECT_* bits), or with fd -1 that
   * its timeout expired; answers the running count.
   * @see https://curl.se/libcurl/c/curl_multi_socket_action.html
   */
  socketAction(fd: number, events: number): number {
    return this.#call(() => this.#rt.exports.curl_multi_socket_action(this.#live, fd, events, this.#scratch));
  }

  /**
   * The next message, or undefined.
   * @see https://curl.se/libcurl/c/curl_multi_info_read.html
   */
  infoRead(): DoneMessage | undefined {
    const { exports, heap } = this.#rt;
    for (;;) {
      const m = exports.curl_multi_info_read(this.#live, this.#scratch);
      if (!m) return undefined;
      // struct CURLMsg { CURLMSG msg; CURL *easy_handle; union { void *whatever; CURLcode result; } data; }
      if (heap.i32(m) !== CURLMSG_DONE) continue;
      const easy = this.#handles.get(heap.u32(m + 4));
      if (!easy) continue;
      const result = heap.i32(m + 8);
      const cause = easy[kTakeCallbackError]();
      const error = result === 0 ? undefined : curlError(this.#rt, 'easy', result, easy[kErrorDetail](), cause) as CurlEasyError;
      return { msg: 'DONE', easy, result, code: curlCodeName(result) ?? ('CURLE_OK' as CurlCodeName), error };
    }
  }

  /**
   * Milliseconds until curl wants to be called (-1: no timeout set).
   * @see https://curl.se/libcurl/c/curl_multi_timeout.html
   */
  timeout(): number {
    this.#check(this.#rt.exports.curl_multi_timeout(this.#live, this.#scratch));
    return this.#rt.heap.i32(this.#scratch);
  }

  /**
   * The descriptors curl waits on now (from curl_multi_waitfds, since host
   * descriptors lie above FD_SETSIZE).
   * @see https://curl.se/libcurl/c/curl_multi_fdset.html
   */
  fdset(): FdSet {
    const set: FdSet = { read: [], write: [], except: [], maxFd: -1 };
    for (const { fd, events } of this.#waitFds()) {
      if (events & POLL.IN) set.read.push(fd);
      if (events & POLL.OUT) set.write.push(fd);
      set.except.push(fd);
      set.maxFd = Math.max(set.maxFd, fd);
    }
    return set;
  }

  /** curl_multi_waitfds: what curl_multi_wait would poll. */
  #waitFds(): { fd: number; events: number }[] {
    const { exports, heap } = this.#rt;
    this.#check(exports.curl_multi_waitfds(this.#live, 0, 0, this.#scratch));
    const n = heap.u32(this.#scratch);
    if (!n) return [];
    const fds = heap.malloc(n * 8); // struct curl_waitfd { int fd; short events; short revents; }
    try {
      this.#check(exports.curl_multi_waitfds(this.#live, fds, n, this.#scratch));
      return Array.from({ length: heap.u32(this.#scratch) }, (_, i) => ({ fd: heap.i32(fds + i * 8), events: heap.u16(fds + i * 8 + 4) }));
    } finally {
      heap.free(fds);
    }
  }

  /**
   * Waits until a descriptor curl watches is ready, curl's own timeout is
   * due, or `timeoutMs` passes; answers how many descriptors are ready.
   * Never blocks the event loop.
   * @see https://curl.se/libcurl/c/curl_multi_wait.html
   */
  wait(timeoutMs: number): Promise<number> {
    const fds = this.#waitFds();
    const ready = () => fds.filter(({ fd, events }) => this.#rt.sockets.readiness(fd) & pollMask(events)).length;
    if (ready()) return Promise.resolve(ready());
    for (const { fd } of fds) this.#rt.sockets.watch(fd, this.#watcher);
    const curlTimeout = this.timeout();
    const ms = curlTimeout >= 0 ? Math.min(curlTimeout, timeoutMs) : timeoutMs;
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(ready());
      };
      const timer = setTimeout(finish, Math.max(0, ms));
      this.#wake = finish;
    });
  }

  /**
   * As wait(), and wakeup() ends it early.
   * @see https://curl.se/libcurl/c/curl_multi_poll.html
   */
  poll(timeoutMs: number): Promise<number> {
    return this.wait(timeoutMs);
  }

  /** Ends a pending wait()/poll() at once. */
  wakeup(): void {
    this.#wake?.();
  }

  /** CURL_CSELECT_* bits for `fd` given what curl asked for (0 for a descriptor curl does not watch). */
  #events(fd: number): number {
    const what = this.#interest.get(fd);
    if (what === undefined) return 0;
    const r = this.#rt.sockets.readiness(fd);
    let ev = 0;
    if (what & CURL_POLL_IN && r & READ_EVENTS) ev |= CURL_CSELECT_IN;
    if (what & CURL_POLL_OUT && r & WRITE_EVENTS) ev |= CURL_CSELECT_OUT;
    if (ev && r & POLL.ERR) ev |= CURL_CSELECT_ERR;
    return ev;
  }

  // --- relays (called from inside curl: record, never call back in) -----

  #onSocket(fd: number, what: number): void {
    const { sockets } = this.#rt;
    if (what === CURL_POLL_REMOVE) {
      this.#interest.delete(fd);
      sockets.unwatch(fd);
      return;
    }
    this.#interest.set(fd, what);
    sockets.watch(fd, this.#watcher);
    // it may be ready already; if not, the watcher reports when it is
    if (this.#events(fd)) this.#onReady(fd);
  }

  #onTimer(ms: number): void {
    this.#timeoutMs = ms;
    if (this.#running.size) this.#arm();
  }

  #onReady(fd: number): void {
    if (!this.#running.size) {
      this.#wake?.();
      return;
    }
    this.#ready.add(fd);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => this.#flush()); // batches every event of this loop turn
    }
  }

  // --- automatic driver ---------------------------------------------------

  /**
   * Adds `easy` and drives it to completion on the event loop; resolves
   * when it is done and removed, rejects with its CurlEasyError.
   */
  run(easy: Easy): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.addHandle(easy);
      this.#running.set(easy, { resolve, reject });
      this.#rt.transferStarted();
      this.#arm(true);
    });
  }

  /**
   * Stops a transfer started with run(): its promise rejects with `reason`.
   * Safe to call from anywhere, a curl callback included (the removal then
   * waits until curl has returned).
   */
  abort(easy: Easy, reason: unknown): void {
    if (!this.#running.has(easy)) return;
    if (this.#depth > 0) {
      setImmediate(() => this.abort(easy, reason));
      return;
    }
    this.#finish(easy, reason);
  }

  /**
   * Schedules curl's timeout. `started`: run() just added a transfer, whose
   * 0 ms timeout then fires in a microtask, once the caller's synchronous
   * code is done (never inside a curl call: microtasks wait for an empty
   * stack) and without an event-loop turn; a request on a reused connection
   * goes out at once. curl's own 0 ms timeouts keep setImmediate, so that a
   * transfer curl keeps busy never starves I/O.
   */
  #arm(started = false): void {
    this.#disarm();
    if (this.#timeoutMs < 0 || !this.#ptr) return;
    const fire = () => {
      this.#timer = undefined;
      this.#timeoutMs = -1;
      this.#act(CURL_SOCKET_TIMEOUT, 0);
    };
    if (this.#timeoutMs === 0 && started) {
      let live = true;
      queueMicrotask(() => {
        if (live) fire();
      });
      this.#timer = () => void (live = false);
    } else if (this.#timeoutMs === 0) {
      // setImmediate is far cheaper than setTimeout(0) (which costs a
      // timer-list turn, ~3 ms on Deno)
      const t = setImmediate(fire);
      this.#timer = () => clearImmediate(t);
    } else {
      const t = setTimeout(fire, this.#timeoutMs);
      this.#timer = () => clearTimeout(t);
    }
  }

  #disarm(): void {
    this.#timer?.();
    this.#timer = undefined;
  }

  #flush(): void {
    this.#flushQueued = false;
    // swap the sets: fds made ready while curl runs wait for the next flush
    const fds = this.#ready;
    this.#ready = this.#readyNext;
    this.#readyNext = fds;
    for (const fd of fds) {
      // an upload: curl sends one buffer per call; while the socket takes
      // more, call again now rather than a loop turn later (the host corks
      // the socket, so these sends leave in one writev)
      let ev = this.#events(fd);
      for (let n = 0; n < SEND_BURST && ev && this.#ptr; n++) {
        this.#act(fd, ev);
        if (!(ev & CURL_CSELECT_OUT)) break;
        ev = this.#events(fd);
        if (!(ev & CURL_CSELECT_OUT)) break;
      }
    }
    // level-triggered: what is still ready after curl's turn goes again
    for (const fd of fds) if (this.#events(fd)) this.#onReady(fd);
    fds.clear();
  }

  #act(fd: number, events: number): void {
    let running: number;
    try {
      running = this.socketAction(fd, events);
    } catch (err) {
      for (const easy of [...this.#running.keys()]) this.#finish(easy, err);
      return;
    }
    // a DONE message exists only for a handle that is added and no longer
    // running: while every added handle runs, info_read has nothing to say
    if (running < this.#handles.size) this.#drain();
  }

  /** Drains info_read completely; finished transfers leave the multi. */
  #drain(): void {
    for (let m = this.infoRead(); m; m = this.infoRead()) {
      if (this.#running.has(m.easy)) this.#finish(m.easy, m.error);
    }
  }

  #finish(easy: Easy, error: unknown): void {
    const pending = this.#running.get(easy)!;
    this.#running.delete(easy);
    this.#rt.transferEnded();
    try {
      this.removeHandle(easy);
    } catch (err) {
      error ??= err;
    }
    if (!this.#running.size) this.#disarm();
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }

  /**
   * Removes every handle and frees the multi handle.
   * @see https://curl.se/libcurl/c/curl_multi_cleanup.html
   */
  close(): void {
    if (!this.#ptr) return;
    this.#rt.assertNotInCallback('Multi.close()');
    for (const easy of [...this.#running.keys()]) this.#finish(easy, new Error('the Multi handle was closed'));
    for (const easy of this.#handles.values()) this.#rt.exports.curl_multi_remove_handle(this.#ptr, easy[kPtr]);
    this.#handles.clear();
    this.#disarm();
    this.#rt.exports.curl_multi_cleanup(this.#ptr);
    this.#ptr = 0;
    for (const fd of this.#interest.keys()) this.#rt.sockets.unwatch(fd);
    this.#interest.clear();
    this.#rt.relays.multi.delete(this.#id);
    this.#rt.heap.free(this.#scratch);
  }
}
