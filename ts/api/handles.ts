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

/** A callback option: set again by every transfer (its closure is new), never kept. */
const CALLBACK = Symbol('callback');
type Kept = OptionValue | typeof CALLBACK;

/** What each idle handle carries from its last transfer, by curl's option name. */
const carried = new WeakMap<Easy, Map<string, Kept>>();

function same(a: Kept | undefined, b: OptionValue): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `easy` carries an option that none of `bags` sets (then it needs curl_easy_reset). */
export function needsReset(easy: Easy, bags: readonly Readonly<Record<string, OptionValue>>[]): boolean {
  const had = carried.get(easy);
  if (!had) return false;
  for (const k of had.keys()) if (!bags.some((b) => Object.hasOwn(b, k))) return true;
  return false;
}

/** Forgets what `easy` carries (it was reset, or it leaves the pool). */
export function forget(easy: Easy): void {
  carried.delete(easy);
}

/**
 * Sets `bags` in order (a later bag wins) on `easy`, skipping the values it
 * already carries; the caller has reset it when {@link needsReset} said so.
 */
export function applyOptions(easy: Easy, bags: readonly Readonly<Record<string, OptionValue>>[]): void {
  const had = carried.get(easy);
  carried.delete(easy); // a failure half-way leaves it unknown
  const now = new Map<string, Kept>();
  for (const bag of bags) {
    for (const k in bag) {
      const v = bag[k]!;
      const fn = typeof v === 'function';
      if (fn || !had || now.has(k) || !same(had.get(k), v)) easy.setOpt(k as never, v as never);
      now.set(k, fn ? CALLBACK : v);
    }
  }
  carried.set(easy, now);
}

/**
 * Drops the transfer's callbacks from an idle handle (they hold its body and
 * head), keeping the options for the next transfer.
 */
export function idle(easy: Easy): void {
  const now = carried.get(easy);
  if (!now) return;
  for (const [k, v] of now) if (v === CALLBACK) easy.setOpt(k as never, null as never);
}
