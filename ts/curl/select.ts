// SPDX-License-Identifier: MIT
// What a C program around the multi interface gets from its OS and event
// library, for host descriptors (which live past FD_SETSIZE and only the
// host can watch): select(2) for the fdset pattern, a uv_poll_t-like
// watcher for the socket_action pattern, and eventfd(2) for a descriptor of
// the application's own to pass to wait()/poll().
import type { Runtime } from '../host/runtime.js';
import { POLL, READABLE, type Descriptor } from '../host/sockets.js';
import { CURL_CSELECT } from './generated/enums.js';
import type { FdSet } from './multi-types.js';

const READ_EVENTS = POLL.IN | POLL.ERR | POLL.HUP;
const WRITE_EVENTS = POLL.OUT | POLL.ERR;

/**
 * select(2) over host descriptors: resolves once one in `sets` is ready or
 * `timeoutMs` passed (null: no timeout) with how many are, leaving in each
 * array only the ready descriptors, as select() leaves its fd_sets.
 */
export function select(rt: Runtime, sets: Pick<FdSet, 'read' | 'write' | 'except'>, timeoutMs: number | null): Promise<number> {
  const { sockets } = rt;
  const want = { read: [...sets.read], write: [...sets.write], except: [...sets.except] };
  const settle = () => {
    sets.read.splice(0, Infinity, ...want.read.filter((fd) => sockets.readiness(fd) & READ_EVENTS));
    sets.write.splice(0, Infinity, ...want.write.filter((fd) => sockets.readiness(fd) & WRITE_EVENTS));
    sets.except.splice(0, Infinity, ...want.except.filter((fd) => sockets.readiness(fd) & (POLL.ERR | POLL.PRI)));
    return sets.read.length + sets.write.length + sets.except.length;
  };
  const all = [...new Set([...want.read, ...want.write, ...want.except])];
  const now = settle();
  if (now || timeoutMs === 0) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const fd of all) sockets.unwatch(fd);
      resolve(settle());
    };
    const check = () => {
      if (settle()) done();
    };
    const timer = timeoutMs === null ? undefined : setTimeout(done, timeoutMs);
    for (const fd of all) sockets.watch(fd, check);
  });
}

/**
 * A watcher for one host descriptor, as libuv's uv_poll_t or libevent's
 * event_new(EV_PERSIST): while started, `callback` gets the CURL_CSELECT_*
 * bits that hold, on a later event-loop turn, as long as they hold (level
 * triggered). A started poll keeps the process alive.
 */
export class SocketPoll {
  readonly #rt: Runtime;
  readonly fd: number;
  #what = 0;
  #callback: ((fd: number, events: number) => void) | undefined;
  #queued = false;

  constructor(rt: Runtime, fd: number) {
    this.#rt = rt;
    this.fd = fd;
  }

  /** Watches for CURL_CSELECT_IN and/or CURL_CSELECT_OUT (replacing what was watched before). */
  start(events: number, callback: (fd: number, events: number) => void): void {
    if (!this.#callback) this.#rt.transferStarted();
    this.#what = events;
    this.#callback = callback;
    this.#rt.sockets.watch(this.fd, () => this.#changed());
    this.#changed();
  }

  stop(): void {
    if (!this.#callback) return;
    this.#callback = undefined;
    this.#rt.sockets.unwatch(this.fd);
    this.#rt.transferEnded();
  }

  #events(): number {
    const r = this.#rt.sockets.readiness(this.fd);
    let ev = 0;
    if (this.#what & CURL_CSELECT.CURL_CSELECT_IN && r & READ_EVENTS) ev |= CURL_CSELECT.CURL_CSELECT_IN;
    if (this.#what & CURL_CSELECT.CURL_CSELECT_OUT && r & WRITE_EVENTS) ev |= CURL_CSELECT.CURL_CSELECT_OUT;
    if (ev && r & POLL.ERR) ev |= CURL_CSELECT.CURL_CSELECT_ERR;
    return ev;
  }

  #changed(): void {
    if (this.#queued || !this.#callback || !this.#events()) return;
    this.#queued = true;
    setImmediate(() => {
      this.#queued = false;
      const ev = this.#events();
      if (ev && this.#callback) this.#callback(this.fd, ev);
      this.#changed(); // still ready after the callback: again next turn
    });
  }
}

/** The host side of an EventFd: readable while its counter is above 0. */
class EventDescriptor implements Descriptor {
  count = 0;
  constructor(readonly fd: number) {}
  readiness(): number {
    return POLL.OUT | (this.count > 0 ? READABLE : 0);
  }
  close(): void {}
}

/**
 * eventfd(2): a descriptor of the application's own, readable once
 * signalled, that wait() and poll() accept among their extra descriptors.
 */
export class EventFd {
  readonly #rt: Runtime;
  readonly #d: EventDescriptor;

  constructor(rt: Runtime) {
    this.#rt = rt;
    this.#d = rt.sockets.add((fd) => new EventDescriptor(fd));
  }

  get fd(): number {
    return this.#d.fd;
  }

  /** write(fd, 1): makes it readable. */
  signal(): void {
    this.#d.count++;
    this.#rt.sockets.changed(this.fd);
  }

  /** read(fd): answers the count and makes it unreadable again. */
  read(): number {
    const n = this.#d.count;
    this.#d.count = 0;
    return n;
  }

  close(): void {
    this.#rt.sockets.close(this.fd);
  }
}
