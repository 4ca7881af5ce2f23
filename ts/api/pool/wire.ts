// SPDX-License-Identifier: MIT
// What crosses between a WorkerPool and its workers: the messages, request
// options reduced to what structured clone carries, and errors taken apart in
// the worker and rebuilt on the main thread as the library's own classes.
import type { CloneableCurlOptions, CurlOptions } from '../../curl/option-types.js';
import { CurlError, reviveCurlError, type CurlErrorKind } from '../../curl/errors.js';
import type { CurlRequestInit } from '../fetch.js';
import type { TransferInfo } from '../info.js';
import type { ResponseHead } from '../head.js';
import type { RequestOptions } from '../request.js';
import type { SessionOptions } from '../session.js';
import { LimitExceeded } from '../transfer.js';
import { LibcurlWasmError, WasmLoadError, PolicyDenied } from '../host.js';

/** curl option values that structured clone carries (no callbacks, no handles, no SharedBlob). */
export type CloneableOption = string | number | boolean | bigint | readonly string[] | Uint8Array;

/** The Session options a pool gives each worker's Session: what can be sent to a thread. */
export interface PoolSessionOptions extends Omit<SessionOptions, 'runtime' | 'runtimeOptions' | 'curl'> {
  curl?: CloneableCurlOptions;
}

/** request() options a pool takes: no streams, no callbacks (they cannot cross threads). */
export interface PoolRequestOptions extends Omit<RequestOptions, 'body' | 'curl' | 'onProgress' | 'onDebug' | 'enforced'> {
  body?: string | Uint8Array | ArrayBuffer | URLSearchParams | null;
  curl?: CloneableCurlOptions;
}

/** fetch() init a pool takes: no stream body, no callbacks. */
export interface PoolFetchInit extends Omit<CurlRequestInit, 'body' | 'curl' | 'onProgress' | 'enforced'> {
  body?: Exclude<BodyInit, ReadableStream> | null;
  curl?: CloneableCurlOptions;
}

/** A request body as it crosses: URLSearchParams and JSON travel as text and are rebuilt. */
export type WireBody = string | Uint8Array | ArrayBuffer | { urlSearchParams: string } | { json: string } | null;

export interface WireRequestOptions extends Omit<PoolRequestOptions, 'body' | 'json' | 'headers' | 'signal'> {
  headers?: Record<string, string> | [string, string][];
  body?: WireBody;
}

export interface WireFetchInit {
  method: string;
  headers: [string, string][];
  body: ArrayBuffer | null;
  redirect: RequestRedirect;
  curl?: CloneableCurlOptions;
  timeoutMs?: number;
  maxRedirects?: number;
  limits?: RequestOptions['limits'];
}

/** What a worker answers for request(); the body's ArrayBuffer is transferred beside it. */
export interface WireResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  url: string;
  rawHeaders: [string, string][];
  previous: ResponseHead[];
  body: Uint8Array;
  info: TransferInfo;
  threadId: number;
}

export interface WireFetched {
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  headers: [string, string][];
  body: ArrayBuffer;
  threadId: number;
}

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  curl?: { kind: CurlErrorKind; curlCode: number };
  limit?: { limit: string; value: number };
  policy?: { rule: string; target: string };
  cause?: WireError;
  /** A cause that was not an Error, when it survived structured clone. */
  value?: unknown;
}

export type ToWorker =
  | { type: 'request'; id: number; url: string; options: WireRequestOptions }
  | { type: 'fetch'; id: number; url: string; init: WireFetchInit }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready'; threadId: number }
  | { type: 'fatal'; error: WireError }
  | { type: 'response'; id: number; response: WireResponse }
  | { type: 'fetched'; id: number; response: WireFetched }
  | { type: 'error'; id: number; error: WireError };

/** What the worker gets at start: the compiled module (no second compile) and its Session's options. */
export interface PoolWorkerData {
  module: WebAssembly.Module;
  session: PoolSessionOptions;
  memoryLimit?: number;
}

/** Refuses, with a TypeError that says why, curl option values a thread cannot receive. */
export function checkCloneable(curl: CurlOptions | undefined, where: string): void {
  for (const [name, value] of Object.entries(curl ?? {})) {
    const ok =
      ['string', 'number', 'boolean', 'bigint'].includes(typeof value) ||
      value instanceof Uint8Array ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok)
      throw new TypeError(
        `${where}: curl option ${name} cannot be sent to a worker thread (only strings, numbers, booleans, bigints, string arrays and bytes cross threads)`,
      );
  }
}

function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Takes an error apart for postMessage, its cause chain included. */
export function wireError(err: unknown, depth = 0): WireError {
  if (!(err instanceof Error) && !(err instanceof DOMException)) {
    return { name: 'Error', message: String(err), ...(isCloneable(err) ? { value: err } : {}) };
  }
  const out: WireError = { name: err.name, message: err.message, stack: err.stack };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (err instanceof CurlError) out.curl = { kind: err.kind, curlCode: err.curlCode };
  if (err instanceof LimitExceeded) out.limit = { limit: err.limit, value: err.value };
  if (err instanceof PolicyDenied) out.policy = { rule: err.rule, target: err.target };
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined && depth < 8) out.cause = wireError(cause, depth + 1);
  return out;
}

/** Rebuilds an error from the worker as the class it was: CurlEasyError, TypeError, AbortError… */
export function reviveError(w: WireError): unknown {
  if (w.value !== undefined && w.cause === undefined && !w.stack) return w.value;
  const cause = w.cause && reviveError(w.cause);
  const opts = cause === undefined ? undefined : { cause };
  let err: Error;
  if (w.curl && w.code) err = reviveCurlError(w.curl.kind, w.curl.curlCode, w.code, w.message, cause);
  else if (w.limit) err = new LimitExceeded(w.limit.limit, w.limit.value);
  else if (w.policy) err = new PolicyDenied(w.policy.rule, w.policy.target);
  else if (w.name === 'WasmLoadError' && w.code) err = new WasmLoadError(w.code as WasmLoadError['code'], w.message, opts);
  else if (w.name === 'AbortError' || w.name === 'TimeoutError') err = new DOMException(w.message, w.name);
  else if (w.name === 'TypeError') err = new TypeError(w.message, opts);
  else if (w.name === 'RangeError') err = new RangeError(w.message, opts);
  else {
    err = new Error(w.message, opts);
    if (w.name !== 'Error') Object.defineProperty(err, 'name', { value: w.name, configurable: true });
  }
  if (w.code && !(err instanceof LibcurlWasmError) && !(err instanceof DOMException)) {
    Object.defineProperty(err, 'code', { value: w.code, enumerable: true, configurable: true });
  }
  // the worker's stack says where it failed; this thread's would only show the pool
  if (w.stack) Object.defineProperty(err, 'stack', { value: w.stack, configurable: true, writable: true });
  return err;
}
