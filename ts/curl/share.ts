// SPDX-License-Identifier: MIT
// Share: data several easy handles hold in common.
import type { Runtime } from '../host/runtime.js';
import { check } from './errors.js';
import { kPtr, kRuntime } from './symbols.js';

const CURLSHOPT_SHARE = 1;
const CURLSHOPT_UNSHARE = 2;
/** What a Share can hold (CURL_LOCK_DATA_*). */
export const SHARE_DATA = { COOKIE: 2, DNS: 3, SSL_SESSION: 4, CONNECT: 5, PSL: 6, HSTS: 7 } as const;
export type ShareData = keyof typeof SHARE_DATA;

/**
 * A libcurl share handle; pass it as the SHARE option.
 * @see https://curl.se/libcurl/c/curl_share_init.html
 */
export class Share {
  readonly [kRuntime]: Runtime;
  readonly #rt: Runtime;
  #ptr: number;

  constructor(runtime: Runtime, data: readonly ShareData[] = []) {
    this.#rt = this[kRuntime] = runtime;
    this.#ptr = runtime.exports.curl_share_init();
    if (!this.#ptr) throw new RangeError('curl_share_init failed: wasm out of memory');
    for (const d of data) this.share(d);
  }

  get [kPtr](): number {
    if (!this.#ptr) throw new TypeError('this Share handle is closed');
    return this.#ptr;
  }

  /** @see https://curl.se/libcurl/c/CURLSHOPT_SHARE.html */
  share(data: ShareData): this {
    return this.#set(CURLSHOPT_SHARE, data);
  }

  /** @see https://curl.se/libcurl/c/CURLSHOPT_UNSHARE.html */
  unshare(data: ShareData): this {
    return this.#set(CURLSHOPT_UNSHARE, data);
  }

  #set(opt: number, data: ShareData): this {
    const value = SHARE_DATA[data];
    if (value === undefined) throw new TypeError(`unknown share data "${String(data)}"`);
    check(this.#rt, 'share', this.#rt.exports.lcw_share_setopt_long(this[kPtr], opt, value));
    return this;
  }

  /** Frees the share; fails with CURLSHE_IN_USE while handles still use it. */
  close(): void {
    if (!this.#ptr) return;
    check(this.#rt, 'share', this.#rt.exports.curl_share_cleanup(this.#ptr));
    this.#ptr = 0;
  }
}
