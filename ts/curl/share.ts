// SPDX-License-Identifier: MIT
// Share: data several easy handles hold in common.
import type { Runtime } from '../host/runtime.js';
import { check } from './errors.js';
import { CURL_LOCK_DATA, CURLSHOPT } from './generated/enums.js';
import { kPtr, kRuntime } from './symbols.js';

const { CURLSHOPT_SHARE, CURLSHOPT_UNSHARE } = CURLSHOPT;
const D = CURL_LOCK_DATA;
/** What a Share can hold (CURL_LOCK_DATA_*). */
export const SHARE_DATA = {
  COOKIE: D.CURL_LOCK_DATA_COOKIE,
  DNS: D.CURL_LOCK_DATA_DNS,
  SSL_SESSION: D.CURL_LOCK_DATA_SSL_SESSION,
  CONNECT: D.CURL_LOCK_DATA_CONNECT,
  PSL: D.CURL_LOCK_DATA_PSL,
  HSTS: D.CURL_LOCK_DATA_HSTS,
} as const;
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
