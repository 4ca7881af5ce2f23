// SPDX-License-Identifier: MIT
// The automatic driver behind Multi.run(), what the high-level API uses:
// CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION tell the host which descriptors and
// which deadline to watch; readiness and expiry call
// curl_multi_socket_action; info_read is drained after every call. No
// interval polling, and handles are never removed inside a curl callback.
import type { Runtime } from '../host/runtime.js';
import type { Easy } from './easy.js';
import { CURL_CSELECT, CURL_SOCKET } from './generated/enums.js';
import type { CurlMsg } from './multi-types.js';
import { microtask } from './microtask.js';
import { Roster } from './roster.js';

const { CURL_SOCKET_TIMEOUT } = CURL_SOCKET;
const { CURL_CSELECT_OUT } = CURL_CSELECT;
const ARMED_NONE = 0;
const ARMED_MICROTASK = 1;
const ARMED_IMMEDIATE = 2;
const ARMED_TIMEOUT = 3;
/** curl calls in a row for one writable socket in one flush (bounded: other sockets wait). */
const SEND_BURST = 16;

/** What the driver needs of its Multi (the faithful layer). */
export interface DriverHost {
  readonly rt: Runtime;
  /** Whether the multi handle is still open. */
  readonly open: boolean;
  /** >0 while a curl_multi_* call is on the stack (callbacks run inside it). */
  readonly depth: number;
  /** Easy handles added and not removed. */
  readonly handleCount: number;
  socketAction(fd: number, events: number): number;
  infoRead(): CurlMsg | undefined;
  addHandle(easy: Easy): void;
  /** Removes without telling the driver (it is the one asking). */
  remove(easy: Easy): void;
  /** CURL_CSELECT_* bits that hold for `fd` given what curl asked to watch. */
  events(fd: number): number;
}

/**
 * Told, synchronously and outside any curl call, when a transfer that
 * start() added is over and removed: `error` undefined when it completed.
 */
export interface RunSettler {
  settled(error: unknown): void;
}

/** A promise's settle functions as a settler (run()'s promise). */
export class PromiseSettler implements RunSettler {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  constructor(resolve: () => void, reject: (err: unknown) => void) {
    this.resolve = resolve;
    this.reject = reject;
  }
  settled(error: unknown): void {
    if (error === undefined) this.resolve();
    else this.reject(error);
  }
}

export class Driver {
  readonly #m: DriverHost;
  /**
   * Each running handle's slot in #settlers: the map holds no per-transfer
   * object, which its rehashed tables would keep alive (see Roster).
   */
  readonly #running = new Map<Easy, number>();
  readonly #settlers = new Roster<RunSettler>();
  #timeoutMs = -1;
  /** How curl's pending timeout is armed (ARMED_*), and its timer. */
  #armed = ARMED_NONE;
  #timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  /** A microtask is queued for #onMicrotask (it fires only if still armed so). */
  #microtaskQueued = false;
  #ready = new Set<number>();
  #readyNext = new Set<number>();
  #flushQueued = false;

  constructor(host: DriverHost) {
    this.#m = host;
  }

  /** Whether run() has transfers in flight (readiness is then the driver's). */
  get active(): boolean {
    return this.#running.size > 0;
  }

  has(easy: Easy): boolean {
    return this.#running.has(easy);
  }

  run(easy: Easy): Promise<void> {
    return new Promise<void>((resolve, reject) => this.start(easy, new PromiseSettler(resolve, reject)));
  }

  /** run() without a promise: `settler` hears of the end (the Session's engine: one promise fewer per request, and the end is known in the same turn as the last bytes). */
  start(easy: Easy, settler: RunSettler): void {
    this.#m.addHandle(easy);
    this.#running.set(easy, this.#settlers.add(settler));
    this.#m.rt.transferStarted();
    this.#arm(true);
  }

  abort(easy: Easy, reason: unknown): void {
    if (!this.#running.has(easy)) return;
    if (this.#m.depth > 0) {
      setImmediate(() => this.abort(easy, reason));
      return;
    }
    this.#finish(easy, reason);
  }

  /** The handle left the multi another way (removeHandle, Easy.close): its run() rejects. */
  removed(easy: Easy): void {
    if (this.#running.has(easy)) this.#settle(easy, new Error('the Easy handle was removed from its Multi'));
  }

  /** Every run() rejects: the multi is closing. */
  closeAll(): void {
    for (const easy of [...this.#running.keys()]) this.#finish(easy, new Error('the Multi handle was closed'));
    this.#disarm();
  }

  onTimer(ms: number): void {
    this.#timeoutMs = ms;
    if (this.#running.size) this.#arm();
  }

  onReady(fd: number): void {
    this.#ready.add(fd);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(this.#flushTask); // batches every event of this loop turn
    }
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
    if (this.#timeoutMs < 0 || !this.#m.open) return;
    // no closure per arming: the callbacks are the driver's own, made once
    if (this.#timeoutMs === 0 && started) {
      this.#armed = ARMED_MICROTASK;
      if (!this.#microtaskQueued) {
        this.#microtaskQueued = true;
        microtask(this.#onMicrotask);
      }
    } else if (this.#timeoutMs === 0) {
      // setImmediate is far cheaper than setTimeout(0) (which costs a
      // timer-list turn, ~3 ms on Deno)
      this.#armed = ARMED_IMMEDIATE;
      this.#timer = setImmediate(this.#fire);
    } else {
      this.#armed = ARMED_TIMEOUT;
      this.#timer = setTimeout(this.#fire, this.#timeoutMs);
    }
  }

  readonly #fire = (): void => {
    this.#armed = ARMED_NONE;
    this.#timer = undefined;
    this.#timeoutMs = -1;
    this.#act(CURL_SOCKET_TIMEOUT, 0);
  };

  readonly #onMicrotask = (): void => {
    this.#microtaskQueued = false;
    if (this.#armed === ARMED_MICROTASK) this.#fire();
  };

  readonly #flushTask = (): void => this.#flush();

  #disarm(): void {
    if (this.#armed === ARMED_IMMEDIATE) clearImmediate(this.#timer as ReturnType<typeof setImmediate>);
    else if (this.#armed === ARMED_TIMEOUT) clearTimeout(this.#timer as ReturnType<typeof setTimeout>);
    this.#armed = ARMED_NONE;
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
      let ev = this.#m.events(fd);
      for (let n = 0; n < SEND_BURST && ev && this.#m.open; n++) {
        this.#act(fd, ev);
        if (!(ev & CURL_CSELECT_OUT)) break;
        ev = this.#m.events(fd);
        if (!(ev & CURL_CSELECT_OUT)) break;
      }
    }
    // level-triggered: what is still ready after curl's turn goes again
    for (const fd of fds) if (this.#m.events(fd)) this.onReady(fd);
    fds.clear();
  }

  #act(fd: number, events: number): void {
    let running: number;
    try {
      running = this.#m.socketAction(fd, events);
    } catch (err) {
      for (const easy of [...this.#running.keys()]) this.#finish(easy, err);
      return;
    }
    // a DONE message exists only for a handle that is added and no longer
    // running: while every added handle runs, info_read has nothing to say
    if (running < this.#m.handleCount) this.#drain();
  }

  /** Drains info_read completely; finished transfers leave the multi. */
  #drain(): void {
    for (let m = this.#m.infoRead(); m; m = this.#m.infoRead()) {
      if (this.#running.has(m.easy)) this.#finish(m.easy, m.error);
    }
  }

  #finish(easy: Easy, error: unknown): void {
    try {
      this.#m.remove(easy);
    } catch (err) {
      error ??= err;
    }
    this.#settle(easy, error);
  }

  #settle(easy: Easy, error: unknown): void {
    const slot = this.#running.get(easy)!;
    const pending = this.#settlers.get(slot)!;
    this.#settlers.delete(slot);
    this.#running.delete(easy);
    this.#m.rt.transferEnded();
    if (!this.#running.size) this.#disarm();
    pending.settled(error);
  }
}
