// SPDX-License-Identifier: MIT
// The application's side of a Multi: its SOCKETFUNCTION, TIMERFUNCTION and
// PUSHFUNCTION with their *DATA values and curl_multi_assign's per-socket
// values, all kept on the host (curl's own slots hold the relays). These
// run inside curl: what they throw is held until the curl call returns.
import type { Runtime } from '../host/runtime.js';
import { Easy } from './easy.js';
import { pushHeaders } from './multi-events.js';
import { CURL_PUSH, type MultiOptionValues } from './multi-types.js';
import { kAdopt, kForget, kMulti, kRelayId } from './symbols.js';

export type HostSide = 'SOCKETFUNCTION' | 'SOCKETDATA' | 'TIMERFUNCTION' | 'TIMERDATA' | 'PUSHFUNCTION' | 'PUSHDATA';
const FUNCTIONS = new Set<HostSide>(['SOCKETFUNCTION', 'TIMERFUNCTION', 'PUSHFUNCTION']);

export class UserCallbacks<M extends { removeHandle(easy: Easy): void }> {
  readonly #rt: Runtime;
  readonly #multi: M;
  /** The multi's handles by pointer (pushed streams join it here). */
  readonly #handles: Map<number, Easy>;
  readonly #values: Partial<MultiOptionValues<M>> = {};
  /** curl_multi_assign's per-socket values. */
  readonly assigned = new Map<number, unknown>();
  #error: { error: unknown } | undefined;

  constructor(rt: Runtime, multi: M, handles: Map<number, Easy>) {
    this.#rt = rt;
    this.#multi = multi;
    this.#handles = handles;
  }

  /** Whether the application drives the multi (its SOCKETFUNCTION or TIMERFUNCTION is set). */
  get driving(): boolean {
    return this.#values.SOCKETFUNCTION != null || this.#values.TIMERFUNCTION != null;
  }

  get socketFunction(): boolean {
    return this.#values.SOCKETFUNCTION != null;
  }

  set(key: HostSide, value: unknown): void {
    if (FUNCTIONS.has(key) && value !== null && typeof value !== 'function') throw new TypeError(`curl multi option ${key} takes a function or null`);
    this.#values[key] = value as never;
  }

  /** What a callback threw during the last curl call, taken once. */
  takeError(): { error: unknown } | undefined {
    const e = this.#error;
    this.#error = undefined;
    return e;
  }

  #guard<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (error) {
      this.#error ??= { error };
      return fallback;
    }
  }

  /**
   * CURLMOPT_SOCKETFUNCTION: its answer for curl (-1 when it said so or
   * threw), or undefined when the application has none.
   */
  socket(fd: number, what: number): number | undefined {
    const fn = this.#values.SOCKETFUNCTION;
    if (!fn) return undefined;
    const owner = this.#rt.sockets.owners.get(fd);
    const easy = [...this.#handles.values()].find((e) => e[kRelayId] === owner);
    return this.#guard(() => (fn(easy, fd, what, this.#values.SOCKETDATA, this.assigned.get(fd)) === -1 ? -1 : 0), -1);
  }

  /** CURLMOPT_TIMERFUNCTION: as socket(). */
  timer(ms: number): number | undefined {
    const fn = this.#values.TIMERFUNCTION;
    if (!fn) return undefined;
    return this.#guard(() => (fn(this.#multi, ms, this.#values.TIMERDATA) === -1 ? -1 : 0), -1);
  }

  /** CURLMOPT_PUSHFUNCTION: wraps curl's duplicate handle as an Easy for the callback. */
  push(parentPtr: number, easyPtr: number, numHeaders: number, headersPtr: number): number {
    const fn = this.#values.PUSHFUNCTION;
    const parent = this.#handles.get(parentPtr);
    if (!fn || !parent) return CURL_PUSH.CURL_PUSH_DENY;
    const headers = pushHeaders(this.#rt, headersPtr);
    const easy = Easy[kAdopt](parent, easyPtr);
    const answer = this.#guard(() => fn(parent, easy, numHeaders, headers, this.#values.PUSHDATA), CURL_PUSH.CURL_PUSH_ERROROUT);
    headers.end();
    if (answer === CURL_PUSH.CURL_PUSH_OK) {
      // curl adds it to the multi once the callback returns
      this.#handles.set(easyPtr, easy);
      easy[kMulti] = this.#multi;
    } else {
      queueMicrotask(() => easy[kForget]()); // curl frees the handle after we return
    }
    return answer;
  }
}
