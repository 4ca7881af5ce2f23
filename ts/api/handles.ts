// SPDX-License-Identifier: MIT
// Options on an easy handle that a session reuses. A C program that reuses
// a handle sets only what changes between its transfers; so does this: a
// handle keeps the options of its last transfer, and the next one sets only
// those whose value differs (the CA blob, the cipher list, the header list
// and the rest stay as they are). curl_easy_reset runs only when the last
// transfer set an option that this one does not (a POST's READFUNCTION
// before a GET), so that every transfer starts from the same state as on a
// fresh handle.
import type { Easy, OptionValue } from '../curl/easy.js';

/**
 * Idle handles of a session: a handle taken from it skips curl_easy_init
 * and curl_easy_cleanup. Only transfers that set no curl options of their
 * own give theirs back: curl_easy_reset keeps a handle's own cookie engine,
 * HSTS and alt-svc caches, which options could have started.
 */
export interface HandlePool {
  take(): Easy | undefined;
  give(easy: Easy): void;
}

/** What an idle handle carries from its last transfer, by curl's option name (callbacks as CALLBACK). */
interface Carried {
  options: Map<string, OptionValue | typeof CALLBACK>;
  /** The callback options among them (dropped while the handle is idle). */
  callbacks: string[];
}

/** A callback option: set again by every transfer (its closure is new), never kept. */
const CALLBACK = Symbol('callback');

const carried = new WeakMap<Easy, Carried>();

function same(a: unknown, b: OptionValue): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `easy` carries an option that neither bag sets (then it needs curl_easy_reset). */
export function needsReset(easy: Easy, first: Readonly<Record<string, OptionValue>>, second: Readonly<Record<string, OptionValue>>): boolean {
  const had = carried.get(easy);
  if (!had) return false;
  for (const k of had.options.keys()) if (!Object.hasOwn(first, k) && !Object.hasOwn(second, k)) return true;
  return false;
}

/** Forgets what `easy` carries (it was reset). */
export function forget(easy: Easy): void {
  carried.delete(easy);
}

/**
 * Sets `first`, then `second` (which wins) on `easy`, skipping the values it
 * already carries; the caller has reset it when {@link needsReset} said so.
 */
export function applyOptions(easy: Easy, first: Readonly<Record<string, OptionValue>>, second: Readonly<Record<string, OptionValue>>): void {
  let had = carried.get(easy);
  carried.delete(easy); // a failure half-way leaves it unknown
  // a fresh handle starts empty; a kept one is updated in place (its keys are
  // all set again: needsReset said so)
  const fresh = !had;
  had ??= { options: new Map(), callbacks: [] };
  had.callbacks.length = 0;
  set(easy, first, had, fresh, undefined);
  set(easy, second, had, fresh, first);
  carried.set(easy, had);
}

function set(
  easy: Easy,
  bag: Readonly<Record<string, OptionValue>>,
  had: Carried,
  fresh: boolean,
  earlier: Readonly<Record<string, OptionValue>> | undefined,
): void {
  for (const k in bag) {
    const v = bag[k]!;
    if (typeof v === 'function') {
      easy.setOpt(k as never, v as never);
      had.options.set(k, CALLBACK);
      had.callbacks.push(k);
      continue;
    }
    // a key both bags set is set twice, in order, whatever it carried
    if (fresh || (earlier !== undefined && Object.hasOwn(earlier, k)) || !same(had.options.get(k), v)) easy.setOpt(k as never, v as never);
    had.options.set(k, v);
  }
}

/**
 * Drops the transfer's callbacks from an idle handle (they hold its body and
 * head), keeping the options for the next transfer.
 */
export function idle(easy: Easy): void {
  const had = carried.get(easy);
  if (had) for (const k of had.callbacks) easy.setOpt(k as never, null as never);
}
