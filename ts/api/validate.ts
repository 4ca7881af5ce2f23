// SPDX-License-Identifier: MIT
// Checks the options of fetch, request, ws, Session, Sandbox and WorkerPool
// before anything starts, so a wrong value fails with a TypeError that names
// the option (`request: options.timeoutMs must be a number ≥ 0, not the
// string "5"`) rather than deep inside (`.toUpperCase is not a function`) or
// not at all. TypeErrors carry Node's codes: ERR_INVALID_ARG_TYPE for a wrong
// type, ERR_INVALID_ARG_VALUE for a right type with a wrong value (unknown
// option names included).

import type { NetworkPolicyOptions, RuntimeOptions } from './host.js';
import type { CurlRequestInit } from './fetch.js';
import type { WorkerPoolOptions } from './pool/pool.js';
import type { RequestOptions } from './request.js';
import type { SandboxLimits, SandboxOptions } from './sandbox.js';
import type { ProxyOptions, RetryOptions, SessionOptions } from './session.js';
import type { TransferLimits } from './transfer.js';
import type { WsConnectOptions } from './websocket/connection.js';

type Obj = Record<string, unknown>;
/**
 * A checker for every field of T: a field added to an options interface and
 * not here is a compile error, so the validators cannot drift from the types.
 */
type Fields<T> = { [K in keyof Required<T>]: Check };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
  return String(v);
}

function fail(where: string, path: string, expected: string, value: unknown, code = 'ERR_INVALID_ARG_TYPE'): never {
  const err = new TypeError(`${where}: ${path} must be ${expected}, not ${describe(value)}`);
  Object.defineProperty(err, 'code', { value: code, enumerable: true, configurable: true });
  throw err;
}

/** A checker for one option: throws, or returns. */
type Check = (where: string, path: string, v: unknown) => void;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const number =
  (min = 0, { integer = false, infinity = false } = {}): Check =>
  (where, path, v) => {
    const ok = typeof v === 'number' && !Number.isNaN(v) && (Number.isFinite(v) || (infinity && v === Infinity));
    if (!ok || (integer && Number.isFinite(v) && !Number.isInteger(v))) fail(where, path, `${integer ? 'an integer' : 'a number'} ≥ ${min}`, v);
    if ((v as number) < min) fail(where, path, `${integer ? 'an integer' : 'a number'} ≥ ${min}`, v, 'ERR_INVALID_ARG_VALUE');
  };
const string: Check = (where, path, v) => void (typeof v !== 'string' && fail(where, path, 'a string', v));
const boolean: Check = (where, path, v) => void (typeof v !== 'boolean' && fail(where, path, 'true or false', v));
const fn: Check = (where, path, v) => void (typeof v !== 'function' && fail(where, path, 'a function', v));
const any: Check = () => {};
const oneOf =
  (...values: string[]): Check =>
  (where, path, v) => {
    if (typeof v !== 'string') fail(where, path, values.map((x) => `'${x}'`).join(', '), v);
    if (!values.includes(v)) fail(where, path, `one of ${values.map((x) => `'${x}'`).join(', ')}`, v, 'ERR_INVALID_ARG_VALUE');
  };
const signal: Check = (where, path, v) => void (!(v instanceof AbortSignal) && fail(where, path, 'an AbortSignal', v));
const stringArray: Check = (where, path, v) => {
  if (!Array.isArray(v)) fail(where, path, 'an array of strings', v);
  v.forEach((x, i) => string(where, `${path}[${i}]`, x));
};
const stringOrStrings: Check = (where, path, v) => (typeof v === 'string' ? undefined : stringArray(where, path, v));
const record =
  (value: Check): Check =>
  (where, path, v) => {
    if (!isObject(v)) fail(where, path, 'a plain object', v);
    for (const k of Object.keys(v)) value(where, `${path}.${k}`, v[k]);
  };
/** curl option bags: a plain object; the values are checked by Easy.setOpt per option. */
const curlBag = record(any);
const headers: Check = (where, path, v) => {
  if (v instanceof Headers) return;
  if (Array.isArray(v)) {
    v.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(where, `${path}[${i}]`, 'a [name, value] pair', pair);
      string(where, `${path}[${i}][0]`, pair[0]);
      string(where, `${path}[${i}][1]`, pair[1]);
    });
    return;
  }
  record(string)(where, path, v);
};
const shape =
  (fields: object, closed = true): Check =>
  (where, path, v) => {
    if (!isObject(v)) fail(where, path, 'an object', v);
    check(where, path, v, fields, closed);
  };

/** Checked like the others but never offered in a message: the Sandbox's channel to its transfers (@internal in the types). */
const UNLISTED = new Set(['enforced']);

function check(where: string, path: string, o: Obj, fields: object, closed: boolean): void {
  for (const k of Object.keys(o)) {
    const f = (fields as Record<string, Check | undefined>)[k];
    if (f === undefined) {
      const known = Object.keys(fields)
        .filter((n) => !UNLISTED.has(n))
        .join(', ');
      if (closed) fail(where, `${path}.${k}`, `one of the known options (${known})`, o[k], 'ERR_INVALID_ARG_VALUE');
      continue;
    }
    if (o[k] !== undefined) f(where, `${path}.${k}`, o[k]);
  }
}

/** Checks `o` (undefined passes) against `fields`; `closed`: unknown names are refused. */
function validate(where: string, path: string, o: unknown, fields: object, closed = true): void {
  if (o === undefined) return;
  if (!isObject(o)) fail(where, path, 'an object', o);
  check(where, path, o, fields, closed);
}

const RETRY: Fields<RetryOptions> = {
  retries: number(0, { integer: true }),
  delayMs: number(),
  statuses: (w, p, v) => {
    if (!Array.isArray(v)) fail(w, p, 'an array of status codes', v);
    v.forEach((s, i) => number(100, { integer: true })(w, `${p}[${i}]`, s));
  },
};
const retry = shape(RETRY);
const retryOrFalse: Check = (w, p, v) => (v === false ? undefined : retry(w, p, v));
const TRANSFER_LIMITS: Fields<TransferLimits> = {
  maxBodyBytes: number(),
  maxHeaderBytes: number(),
  maxRequestHeaders: number(0, { integer: true }),
  maxRequestHeaderBytes: number(),
  maxUrlBytes: number(),
  neverPause: boolean,
};
const limits = shape(TRANSFER_LIMITS);
/** request()'s body: what normalizeBody and the upload source take. */
const body: Check = (w, p, v) => {
  const ok =
    v === null ||
    typeof v === 'string' ||
    v instanceof Uint8Array ||
    v instanceof ArrayBuffer ||
    v instanceof URLSearchParams ||
    v instanceof ReadableStream ||
    (typeof v === 'object' && Symbol.asyncIterator in v);
  if (!ok) fail(w, p, 'a string, a Uint8Array, an ArrayBuffer, URLSearchParams, a ReadableStream or an async iterable of bytes', v);
};
const session: Check = (w, p, v) => {
  // duck-typed: a Session from the other (ESM or CJS) copy of the package works too
  if (!isObject(v) || typeof (v as { transfer?: unknown }).transfer !== 'function') fail(w, p, 'a Session', v);
};

const REQUEST: Fields<RequestOptions & { session: unknown }> = {
  method: string,
  headers,
  body,
  json: any,
  redirect: oneOf('follow', 'manual', 'error'),
  maxRedirects: number(0, { integer: true }),
  signal,
  timeoutMs: number(),
  retry: retryOrFalse,
  totalTimeoutMs: number(),
  onProgress: fn,
  onDebug: fn,
  curl: curlBag,
  limits,
  enforced: curlBag,
  session,
};

/** Fields fetch adds to RequestInit (RequestInit's own are the platform's to check). */
const FETCH: Fields<Omit<CurlRequestInit, keyof RequestInit> & { session: unknown; method: unknown; signal: unknown }> = {
  method: string,
  signal: (w, p, v) => (v === null ? undefined : signal(w, p, v)),
  curl: curlBag,
  onProgress: fn,
  timeoutMs: number(),
  limits,
  enforced: curlBag,
  maxRedirects: number(0, { integer: true }),
  onEnd: fn,
  session,
};

const PROXY: Check = (w, p, v) => {
  if (typeof v === 'string') return;
  shape({ url: string, username: string, password: string, noProxy: string } satisfies Fields<ProxyOptions>)(w, p, v);
  if ((v as Obj).url === undefined) fail(w, `${p}.url`, 'a string', undefined);
};

const SESSION_COMMON: Fields<Omit<SessionOptions, 'runtime' | 'runtimeOptions'>> = {
  maxConnections: number(0, { integer: true }),
  maxConnectionsPerHost: number(0, { integer: true }),
  headers: record(string),
  cookies: boolean,
  proxy: PROXY,
  ca: stringOrStrings,
  verify: boolean,
  timeoutMs: number(),
  retry,
  http2: boolean,
  curl: curlBag,
};
const SESSION: Fields<SessionOptions> = {
  ...SESSION_COMMON,
  runtime: (w, p, v) => void (!isObject(v) && fail(w, p, 'a Runtime', v)),
  runtimeOptions: shape({
    module: any,
    wasi: any,
    lookup: fn,
    log: fn,
    memoryLimit: number(0, { integer: true }),
    tls: oneOf('host', 'mbedtls'),
  } satisfies Fields<RuntimeOptions>),
};

const WS: Fields<WsConnectOptions> = {
  session,
  protocols: stringOrStrings,
  headers: record(string),
  signal,
  timeoutMs: number(),
  closeTimeoutMs: number(),
  maxMessageSize: number(0, { integer: true }),
  curl: curlBag,
};

const SANDBOX_LIMITS: Fields<SandboxLimits> = {
  timeoutMs: number(),
  maxBodyBytes: number(),
  maxHeaderBytes: number(),
  maxWireBytesIn: number(),
  maxWireBytesOut: number(),
  maxSandboxBytesIn: number(0, { infinity: true }),
  maxRedirects: number(0, { integer: true }),
  maxConnections: number(0, { integer: true }),
  maxMemoryBytes: number(0, { integer: true }),
  maxUrlBytes: number(),
  maxRequestHeaders: number(0, { integer: true }),
  maxRequestHeaderBytes: number(),
};
const POLICY: Fields<NetworkPolicyOptions> = {
  allowHosts: stringArray,
  denyHosts: stringArray,
  allowAddresses: stringArray,
  denyAddresses: stringArray,
  allowPorts: (w, p, v) => {
    if (!Array.isArray(v)) fail(w, p, 'an array of ports', v);
    v.forEach((x, i) => number(0, { integer: true })(w, `${p}[${i}]`, x));
  },
  preset: oneOf('public', 'none'),
};
const SANDBOX: Fields<SandboxOptions> = {
  policy: shape(POLICY),
  protocols: stringArray,
  limits: shape(SANDBOX_LIMITS),
  lookup: fn,
  ca: stringOrStrings,
  headers: record(string),
};

const POOL: Fields<WorkerPoolOptions> = {
  workers: number(1, { integer: true }),
  session: shape(SESSION_COMMON),
  module: any,
  memoryLimit: number(0, { integer: true }),
};

/** request() options (and Session/Sandbox/WorkerPool `.request`). */
export function validateRequestOptions(o: unknown, where = 'request'): void {
  validate(where, 'options', o, REQUEST);
}

/** fetch()'s init: the fields libcurl-wasm adds, and `method`'s type (RequestInit's others are the platform's). */
export function validateFetchInit(init: unknown, where = 'fetch'): void {
  validate(where, 'init', init, FETCH, false);
}

export function validateSessionOptions(o: unknown, where = 'Session'): void {
  validate(where, 'options', o, SESSION);
}

export function validateWsOptions(o: unknown, where = 'ws'): void {
  validate(where, 'options', o, WS);
}

/** SandboxOptions: for Sandbox.create() to call (ts/api/sandbox.ts). */
export function validateSandboxOptions(o: unknown, where = 'Sandbox'): void {
  validate(where, 'options', o, SANDBOX);
}

export function validatePoolOptions(o: unknown, where = 'WorkerPool'): void {
  validate(where, 'options', o, POOL);
}

/** The URL argument of fetch/request/ws: a string or a URL. */
export function validateUrl(url: unknown, where: string): void {
  if (typeof url !== 'string' && !(url instanceof URL)) fail(where, 'url', 'a string or a URL', url);
}
