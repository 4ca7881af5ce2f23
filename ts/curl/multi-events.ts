// SPDX-License-Identifier: MIT
// Readiness arithmetic for Multi: host POLL bits to the CURL_WAIT_POLL*
// bits of curl_waitfd and the CURL_CSELECT_* bits of socket_action, and the
// push headers a CURLMOPT_PUSHFUNCTION reads.
import type { Runtime } from '../host/runtime.js';
import { POLL } from '../host/sockets.js';
import { CURL_CSELECT, CURL_POLL } from './generated/enums.js';
import { CURL_WAIT_POLLIN, CURL_WAIT_POLLOUT, CURL_WAIT_POLLPRI, type PushHeaders } from './multi-types.js';

const { CURL_POLL_IN, CURL_POLL_OUT } = CURL_POLL;
const { CURL_CSELECT_IN, CURL_CSELECT_OUT, CURL_CSELECT_ERR } = CURL_CSELECT;
/** As poll(2): a hung-up or failed socket reads (EOF or the error) without blocking. */
const READ_EVENTS = POLL.IN | POLL.ERR | POLL.HUP;
const WRITE_EVENTS = POLL.OUT | POLL.ERR;

/** The CURL_WAIT_POLL* bits that hold for a descriptor asked for `events`. */
export function revents(readiness: number, events: number): number {
  let r = 0;
  if (events & CURL_WAIT_POLLIN && readiness & READ_EVENTS) r |= CURL_WAIT_POLLIN;
  if (events & CURL_WAIT_POLLPRI && readiness & POLL.PRI) r |= CURL_WAIT_POLLPRI;
  if (events & CURL_WAIT_POLLOUT && readiness & WRITE_EVENTS) r |= CURL_WAIT_POLLOUT;
  return r;
}

/** CURL_CSELECT_* bits for a socket curl asked to watch for `what` (CURL_POLL_*). */
export function cselect(what: number | undefined, readiness: number): number {
  if (what === undefined) return 0;
  let ev = 0;
  if (what & CURL_POLL_IN && readiness & READ_EVENTS) ev |= CURL_CSELECT_IN;
  if (what & CURL_POLL_OUT && readiness & WRITE_EVENTS) ev |= CURL_CSELECT_OUT;
  if (ev && readiness & POLL.ERR) ev |= CURL_CSELECT_ERR;
  return ev;
}

/** struct curl_pushheaders, read through curl's accessors until end(). */
export function pushHeaders(rt: Runtime, ptr: number): PushHeaders & { end(): void } {
  const { exports, heap } = rt;
  let live = true;
  return {
    byNum: (num) => (live ? heap.cstring(exports.curl_pushheader_bynum(ptr, num)) : null),
    byName: (name) => {
      if (!live) return null;
      const s = heap.allocCString(name);
      try {
        return heap.cstring(exports.curl_pushheader_byname(ptr, s));
      } finally {
        heap.free(s);
      }
    },
    end: () => void (live = false),
  };
}
