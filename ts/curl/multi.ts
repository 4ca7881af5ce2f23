// SPDX-License-Identifier: MIT
// Multi: libcurl's multi interface, faithful to curl's manual pages
// (perform, info_read, wait, poll, wakeup, fdset, socket_action, assign…).
// run() hands the handle to the automatic driver (multi-driver.ts) instead.
//
// Errors: every CURLMcode other than CURLM_OK throws a CurlMultiError (its
// `code` the C name, `curlCode` the number) through errors.ts's check().
// CURLM_CALL_MULTI_PERFORM is never returned (curl stopped using it in
// 7.20.0), so no call here ever asks to be repeated.
import type { MultiRelays } from '../host/imports.js';
import type { Runtime } from '../host/runtime.js';
import type { Easy } from './easy.js';
import { check, curlError, type CurlEasyError } from './errors.js';
import { CURLM, curlCodeName, type CurlCodeName } from './generated/codes.js';
import { CURL_POLL } from './generated/enums.js';
import { Driver, type RunSettler } from './multi-driver.js';
import { cselect, revents } from './multi-events.js';
import { UserCallbacks, type HostSide } from './multi-user.js';
import {
  CURL_WAIT_POLLIN,
  CURL_WAIT_POLLOUT,
  type CurlMsg,
  type CurlMsgType,
  type FdSet,
  type MultiOptionKey,
  type MultiOptionValues,
  type WaitFd,
} from './multi-types.js';
import { multiOption } from './names.js';
import type { MultiOptionName } from './generated/options.js';
import { kErrorDetail, kMinConnects, kMulti, kPrepare, kPtr, kRuntime, kStart, kTakeCallbackError } from './symbols.js';
import { toBigInt, toLong } from './values.js';

export * from './multi-types.js';

const { CURL_POLL_REMOVE } = CURL_POLL;

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
  /** The application's SOCKETFUNCTION, TIMERFUNCTION, PUSHFUNCTION, their data, assign()'s values. */
  readonly #user: UserCallbacks<Multi>;
  #driver: Driver | undefined;
  /** A pending poll()/wait(): re-count on readiness; `wake` ends a poll(). */
  #pending: { check(): void; wake?: () => void } | undefined;
  /** wakeup() with no poll() pending: the next poll() returns at once. */
  #woken = false;
  /** One watcher for every descriptor (no closure per socket callback). */
  readonly #watcher = (fd: number) => this.#onReady(fd);
  /** >0 while a curl_multi_* call is on the stack (callbacks run inside it). */
  #depth = 0;
  /** MAXCONNECTS as this handle set it while following the load; undefined once the caller sets it. */
  #pool: number | undefined = 0;

  constructor(runtime: Runtime) {
    this.#rt = runtime;
    this.#user = new UserCallbacks<Multi>(runtime, this, this.#handles);
    const ptr = runtime.exports.curl_multi_init();
    if (!ptr) throw new RangeError('curl_multi_init failed: wasm out of memory');
    this.#ptr = ptr;
    this.#id = runtime.relays.id();
    this.#scratch = runtime.heap.malloc(8);
    const relays: MultiRelays = {
      socket: (fd, what) => this.#onSocket(fd, what),
      timer: (ms) => this.#onTimer(ms),
      push: (parent, easy, n, headers) => this.#user.push(parent, easy, n, headers),
    };
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

  /**
   * Sets a CURLMOPT_* option; the name may be `CURLMOPT_MAXCONNECTS` or
   * `MAXCONNECTS`. Unless MAXCONNECTS is set, the connection pool follows
   * the load: curl's own default (4 per running transfer) counts the
   * transfers running *now*, so when many end at once it closes the
   * connections they leave idle, only for the next burst to open them
   * again; this handle keeps MAXCONNECTS at 4 per handle at the most ever
   * added at once. SOCKETFUNCTION and TIMERFUNCTION put the multi in
   * user-driven mode (the application calls socketAction()), which run()
   * refuses; the *DATA options take any value, passed to the callback.
   * @see https://curl.se/libcurl/c/curl_multi_setopt.html
   */
  setOpt<K extends MultiOptionName>(name: MultiOptionKey<K>, value: MultiOptionValues<Multi>[K] | boolean): this {
    const [key, spec] = multiOption(name);
    const { exports } = this.#rt;
    switch (key as MultiOptionName) {
      case 'SOCKETFUNCTION':
      case 'TIMERFUNCTION':
        if (value !== null && this.#driver) throw new TypeError(`curl multi option ${key} cannot be set on a Multi driven by run(): use one or the other`);
        this.#user.set(key as HostSide, value);
        return this;
      case 'PUSHFUNCTION':
        this.#user.set(key as HostSide, value);
        this.#check(exports.lcw_multi_push(this.#live, this.#id, value === null ? 0 : 1));
        return this;
      case 'SOCKETDATA':
      case 'TIMERDATA':
      case 'PUSHDATA':
        this.#user.set(key as HostSide, value);
        return this;
      case 'PIPELINING_SITE_BL':
      case 'PIPELINING_SERVER_BL':
      case 'CONTENT_LENGTH_PENALTY_SIZE':
      case 'CHUNK_LENGTH_PENALTY_SIZE':
        // obsolete since 7.62.0: curl answers CURLM_OK and reads no value,
        // but the value still has the option's type (a length, a list of names)
        if (spec.type === 'off_t') toBigInt(key, value);
        else if (value !== null && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
          throw new TypeError(`curl multi option ${key} takes an array of strings or null`);
        }
        this.#check(exports.lcw_multi_setopt_long(this.#live, spec.id, 0));
        return this;
      default:
        this.#check(exports.lcw_multi_setopt_long(this.#live, spec.id, toLong(key, value as number | boolean)));
        if (key === 'MAXCONNECTS') this.#pool = undefined; // the caller's own setting: no longer follow the load
        return this;
    }
  }

  /** MAXCONNECTS follows the load: at least `n`, and 4 per handle at the most added at once. */
  #followLoad(n: number): void {
    if (this.#pool === undefined || n <= this.#pool) return;
    this.#check(this.#rt.exports.lcw_multi_setopt_long(this.#live, multiOption('MAXCONNECTS')[1].id, n));
    this.#pool = n;
  }

  /** @internal the fewest connections the pool keeps while it follows the load. */
  [kMinConnects](n: number): void {
    this.#followLoad(n);
  }

  /** @see https://curl.se/libcurl/c/curl_multi_add_handle.html */
  addHandle(easy: Easy): void {
    if (easy[kRuntime] !== this.#rt) throw new TypeError('the Easy handle belongs to another libcurl instance');
    easy[kPrepare]();
    // curl calls TIMERFUNCTION from inside
    this.#call(
      () => this.#rt.exports.curl_multi_add_handle(this.#live, easy[kPtr]),
      () => {
        this.#handles.set(easy[kPtr], easy);
        easy[kMulti] = this;
        this.#followLoad(4 * this.#handles.size);
      },
    );
  }

  /** @see https://curl.se/libcurl/c/curl_multi_remove_handle.html */
  removeHandle(easy: Easy): void {
    this.#remove(easy);
    this.#driver?.removed(easy);
  }

  #remove(easy: Easy): void {
    if (easy[kRuntime] !== this.#rt) throw new TypeError('the Easy handle belongs to another libcurl instance');
    this.#call(
      () => this.#rt.exports.curl_multi_remove_handle(this.#live, easy[kPtr]),
      () => {
        this.#handles.delete(easy[kPtr]);
        if (easy[kMulti] === this) easy[kMulti] = undefined;
      },
    );
  }

  /**
   * The easy handles added and not yet removed, pushed streams included.
   * @see https://curl.se/libcurl/c/curl_multi_get_handles.html
   */
  getHandles(): Easy[] {
    void this.#live;
    return [...this.#handles.values()];
  }

  /** The same as getHandles(). */
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

  /**
   * Tells curl that `fd` is ready (CURL_CSELECT_* bits), or with
   * CURL_SOCKET_TIMEOUT (-1) that its timeout expired; answers the running
   * count.
   * @see https://curl.se/libcurl/c/curl_multi_socket_action.html
   */
  socketAction(fd: number, events: number): number {
    // the driver's hot call: its arguments go by fields to one function made
    // once, not by a closure per call
    this.#actFd = fd;
    this.#actEvents = events;
    return this.#call(this.#socketAction);
  }

  #actFd = 0;
  #actEvents = 0;
  readonly #socketAction = (): number => this.#rt.exports.curl_multi_socket_action(this.#live, this.#actFd, this.#actEvents, this.#scratch);

  /**
   * A curl_multi_* call (callbacks may run inside it); answers the int curl
   * left in #scratch. `done` records what curl did before anything a user
   * callback threw inside curl is rethrown.
   */
  #call(fn: () => number, done?: () => void): number {
    void this.#live; // before #scratch, freed by close(), is touched
    this.#depth++;
    this.#rt.heap.setI32(this.#scratch, 0);
    let code: number;
    try {
      code = this.#rt.inCurl(fn);
    } finally {
      this.#depth--;
    }
    if (code === 0) done?.();
    const thrown = this.#user.takeError();
    if (thrown) throw thrown.error;
    this.#check(code);
    return this.#rt.heap.i32(this.#scratch);
  }

  /**
   * Associates `value` with curl's socket `fd`: the SOCKETFUNCTION gets it as
   * `socketp` from then on. CURLM_BAD_SOCKET for a socket curl does not watch.
   * @see https://curl.se/libcurl/c/curl_multi_assign.html
   */
  assign(fd: number, value: unknown): void {
    void this.#live;
    if (!this.#interest.has(fd)) this.#check(CURLM.CURLM_BAD_SOCKET);
    if (value === null || value === undefined) this.#user.assigned.delete(fd);
    else this.#user.assigned.set(fd, value);
  }

  /**
   * The next message, or undefined; `msgsInQueue` says how many remain.
   * @see https://curl.se/libcurl/c/curl_multi_info_read.html
   */
  infoRead(): CurlMsg | undefined {
    const { exports, heap } = this.#rt;
    const m = exports.curl_multi_info_read(this.#live, this.#scratch);
    if (!m) return undefined;
    // struct CURLMsg { CURLMSG msg; CURL *easy_handle; union { void *whatever; CURLcode result; } data; }
    const msg = heap.i32(m) as CurlMsgType;
    const ptr = heap.u32(m + 4);
    const result = heap.i32(m + 8);
    const msgsInQueue = heap.i32(this.#scratch);
    const easy = this.#handles.get(ptr);
    if (!easy) throw new Error(`curl_multi_info_read named an easy handle (0x${ptr.toString(16)}) this Multi never added`);
    const cause = easy[kTakeCallbackError]();
    const error = result === 0 ? undefined : (curlError(this.#rt, 'easy', result, easy[kErrorDetail](), cause) as CurlEasyError);
    return { msg, easy, result, code: curlCodeName(result) ?? ('CURLE_OK' as CurlCodeName), error, msgsInQueue };
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
   * The descriptors curl waits on now. Host descriptors start at 1024, past
   * FD_SETSIZE, so the sets are arrays: pass them to `select()` (select.ts).
   * @see https://curl.se/libcurl/c/curl_multi_fdset.html
   */
  fdset(): FdSet {
    const set: FdSet = { read: [], write: [], except: [], maxFd: -1 };
    for (const { fd, events } of this.waitfds()) {
      if (events & CURL_WAIT_POLLIN) set.read.push(fd);
      if (events & CURL_WAIT_POLLOUT) set.write.push(fd);
      set.except.push(fd);
      set.maxFd = Math.max(set.maxFd, fd);
    }
    return set;
  }

  /**
   * What curl_multi_wait would poll now, as curl_waitfd entries.
   * @see https://curl.se/libcurl/c/curl_multi_waitfds.html
   */
  waitfds(): WaitFd[] {
    const { exports, heap } = this.#rt;
    this.#check(exports.curl_multi_waitfds(this.#live, 0, 0, this.#scratch));
    const n = heap.u32(this.#scratch);
    if (!n) return [];
    const fds = heap.malloc(n * 8); // struct curl_waitfd { int fd; short events; short revents; }
    try {
      this.#check(exports.curl_multi_waitfds(this.#live, fds, n, this.#scratch));
      return Array.from({ length: heap.u32(this.#scratch) }, (_, i) => ({ fd: heap.i32(fds + i * 8), events: heap.u16(fds + i * 8 + 4), revents: 0 }));
    } finally {
      heap.free(fds);
    }
  }

  /**
   * Waits until a descriptor curl watches or one of `extraFds` is ready,
   * curl's own timeout is due, or `timeoutMs` passes; answers how many
   * descriptors are ready and fills in each extra one's `revents`. With
   * nothing to wait on it returns at once. A promise: the event loop runs.
   * @see https://curl.se/libcurl/c/curl_multi_wait.html
   */
  wait(timeoutMs: number, extraFds: WaitFd[] = []): Promise<number> {
    return this.#wait(timeoutMs, extraFds, false);
  }

  /**
   * As wait(), but with nothing to wait on it waits the timeout, and
   * wakeup() ends it (or, called before, makes it return at once).
   * @see https://curl.se/libcurl/c/curl_multi_poll.html
   */
  poll(timeoutMs: number, extraFds: WaitFd[] = []): Promise<number> {
    return this.#wait(timeoutMs, extraFds, true);
  }

  async #wait(timeoutMs: number, extra: WaitFd[], poll: boolean): Promise<number> {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) this.#check(CURLM.CURLM_BAD_FUNCTION_ARGUMENT);
    const curlFds = this.waitfds();
    const { sockets } = this.#rt;
    const count = () => {
      let n = 0;
      for (const w of curlFds) if (revents(sockets.readiness(w.fd), w.events)) n++;
      for (const w of extra) if ((w.revents = revents(sockets.readiness(w.fd), w.events))) n++;
      return n;
    };
    const ready = count();
    if (ready || (poll && this.#woken) || (!poll && !curlFds.length && !extra.length)) {
      if (poll) this.#woken = false;
      return ready;
    }
    const curlTimeout = this.timeout();
    const ms = curlTimeout >= 0 ? Math.min(curlTimeout, timeoutMs) : timeoutMs;
    if (ms === 0) return 0;
    for (const { fd } of curlFds) sockets.watch(fd, this.#watcher);
    for (const { fd } of extra) if (!this.#interest.has(fd)) sockets.watch(fd, this.#watcher);
    try {
      return await new Promise<number>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          this.#pending = undefined;
          resolve(count());
        };
        const timer = setTimeout(finish, ms);
        this.#pending = {
          check: () => {
            if (count()) finish();
          },
          wake: poll ? finish : undefined,
        };
      });
    } finally {
      for (const { fd } of extra) if (!this.#interest.has(fd)) sockets.unwatch(fd);
    }
  }

  /**
   * Ends a pending poll() at once; with none pending, the next poll()
   * returns at once. wait() does not notice it, as in curl.
   * @see https://curl.se/libcurl/c/curl_multi_wakeup.html
   */
  wakeup(): void {
    void this.#live;
    if (this.#pending?.wake) this.#pending.wake();
    else this.#woken = true;
  }

  /** CURL_CSELECT_* bits for `fd` given what curl asked for (0 for a descriptor curl does not watch). */
  #events(fd: number): number {
    return cselect(this.#interest.get(fd), this.#rt.sockets.readiness(fd));
  }

  // --- relays (called from inside curl: record, never call back in) -----

  #onSocket(fd: number, what: number): number {
    if (what !== CURL_POLL_REMOVE) this.#interest.set(fd, what);
    // curl_multi_assign(fd, NULL) still works during CURL_POLL_REMOVE
    const answer = this.#user.socket(fd, what);
    const { sockets } = this.#rt;
    if (what === CURL_POLL_REMOVE) {
      this.#interest.delete(fd);
      this.#user.assigned.delete(fd);
      if (answer === undefined) sockets.unwatch(fd);
    } else if (answer === undefined) {
      sockets.watch(fd, this.#watcher);
      // it may be ready already; if not, the watcher reports when it is
      if (this.#events(fd)) this.#onReady(fd);
    }
    return answer ?? 0;
  }

  #onTimer(ms: number): number {
    const answer = this.#user.timer(ms);
    if (answer === undefined) this.#driver?.onTimer(ms);
    return answer ?? 0;
  }

  #onReady(fd: number): void {
    if (this.#driver?.active && this.#interest.has(fd)) this.#driver.onReady(fd);
    else this.#pending?.check();
  }

  // --- the automatic driver -----------------------------------------------

  #driven(): Driver {
    if (this.#user.driving)
      throw new TypeError('run() cannot drive a Multi whose SOCKETFUNCTION or TIMERFUNCTION the application set: call socketAction() instead');
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return (this.#driver ??= new Driver({
      rt: this.#rt,
      get open() {
        return self.#ptr !== 0;
      },
      get depth() {
        return self.#depth;
      },
      get handleCount() {
        return self.#handles.size;
      },
      socketAction: (fd, ev) => this.socketAction(fd, ev),
      infoRead: () => this.infoRead(),
      addHandle: (easy) => this.addHandle(easy),
      remove: (easy) => this.#remove(easy),
      events: (fd) => this.#events(fd),
    }));
  }

  /**
   * Adds `easy` and drives it to completion on the event loop; resolves
   * when it is done and removed, rejects with its CurlEasyError. Not on a
   * multi whose SOCKETFUNCTION/TIMERFUNCTION the application set.
   */
  run(easy: Easy): Promise<void> {
    try {
      return this.#driven().run(easy);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * run() without a promise: `settler` is told when the transfer is over
   * and removed (synchronously, outside any curl call). Throws what run() rejects with.
   * @internal
   */
  [kStart](easy: Easy, settler: RunSettler): void {
    this.#driven().start(easy, settler);
  }

  /**
   * Stops a transfer started with run(): its promise rejects with `reason`.
   * Safe to call from anywhere, a curl callback included (the removal then
   * waits until curl has returned).
   */
  abort(easy: Easy, reason: unknown): void {
    this.#driver?.abort(easy, reason);
  }

  /**
   * Removes every handle and frees the multi handle; inside one of its own
   * callbacks it throws CURLM_RECURSIVE_API_CALL, as curl_multi_cleanup answers.
   * @see https://curl.se/libcurl/c/curl_multi_cleanup.html
   */
  close(): void {
    if (!this.#ptr) return;
    // inside one of this multi's own callbacks curl_multi_cleanup refuses, as here
    if (this.#depth > 0) this.#check(CURLM.CURLM_RECURSIVE_API_CALL);
    this.#rt.assertNotInCallback('Multi.close()');
    this.#driver?.closeAll();
    for (const easy of this.#handles.values()) {
      this.#rt.exports.curl_multi_remove_handle(this.#ptr, easy[kPtr]);
      if (easy[kMulti] === this) easy[kMulti] = undefined;
    }
    this.#handles.clear();
    this.#rt.exports.curl_multi_cleanup(this.#ptr);
    this.#ptr = 0;
    this.#user.takeError(); // nobody left to tell
    for (const fd of this.#interest.keys()) this.#rt.sockets.unwatch(fd);
    this.#interest.clear();
    this.#user.assigned.clear();
    this.#rt.relays.multi.delete(this.#id);
    this.#rt.heap.free(this.#scratch);
    this.#pending?.wake?.();
  }
}
