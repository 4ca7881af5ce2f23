// SPDX-License-Identifier: MIT
// request(): the curl-flavoured API. It answers status, HTTP version, every
// head of a redirect chain, the body as a stream or whole, and what curl
// measured (timings, addresses, TLS). Retries are opt-in and only for
// idempotent requests whose body can be sent again.
import { Readable } from 'node:stream';
import type { CurlOptions } from '../curl/option-types.js';
import { CurlError } from '../curl/errors.js';
import { readWhole, type UploadBody } from './body.js';
import { contentLength, toHeaders, type ResponseHead } from './head.js';
import type { TransferInfo } from './info.js';
import { defaultSession, type RetryOptions, type Session } from './session.js';
import type { Progress, RedirectMode, Transfer, TransferLimits, TransferSpec } from './transfer.js';
import { validateRequestOptions, validateUrl } from './validate.js';

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string> | [string, string][] | Headers;
  /** Bytes, text, a ReadableStream, a Node Readable or any async iterable of bytes. */
  body?: string | Uint8Array | ArrayBuffer | URLSearchParams | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  redirect?: RedirectMode;
  maxRedirects?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Overrides the session's retry policy for this request. */
  retry?: RetryOptions | false;
  /** Time limit for the whole request, retries and their delays included, milliseconds. */
  totalTimeoutMs?: number;
  onProgress?: (p: Progress) => void;
  /** curl's trace, as `curl -v` shows it: type is a curl_infotype. */
  onDebug?: (type: number, data: Uint8Array) => void;
  curl?: CurlOptions;
  /** Caps on the decoded body and the response heads (bytes); past them the transfer fails. */
  limits?: TransferLimits;
  /** @internal options no per-request setting may override (Sandbox). */
  enforced?: TransferSpec['enforced'];
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Failures worth another attempt: the request may never have reached the server intact. */
const RETRYABLE = new Set([
  'CURLE_COULDNT_CONNECT',
  'CURLE_RECV_ERROR',
  'CURLE_SEND_ERROR',
  'CURLE_GOT_NOTHING',
  'CURLE_OPERATION_TIMEDOUT',
  'CURLE_PARTIAL_FILE',
  'CURLE_HTTP2',
  'CURLE_HTTP2_STREAM',
]);

/**
 * What a CurlResponse reads from: a transfer on this thread (streamed body),
 * or one a WorkerPool worker finished (`whole` body, final info).
 * @internal
 */
export interface ResponseSource {
  readonly heads: readonly ResponseHead[];
  /** The body as it streams in (undefined when `whole` holds it). */
  readonly body?: ReadableStream<Uint8Array> | undefined;
  readonly whole?: Uint8Array | undefined;
  /** The streamed body read whole without a stream (a transfer on this thread). */
  readAll?(length: number | ResponseHead): Uint8Array | Promise<Uint8Array>;
  readonly done: Promise<void>;
  info(): TransferInfo;
  /** The WorkerPool worker that ran it. */
  readonly threadId?: number | undefined;
}

/**
 * What {@link CurlResponse.nodeStream} returns: a node:stream Readable, of
 * which the types name only a few members so that they need no
 * `@types/node` (hand it to `stream.pipeline()`, or cast it to `Readable`).
 */
export interface NodeReadable extends AsyncIterable<Uint8Array> {
  readonly readable: boolean;
  on(event: string, listener: (...args: unknown[]) => void): this;
  destroy(error?: Error): this;
}

/**
 * The answer of `request()`, wherever it ran: `session.request()`,
 * `sandbox.request()`, `pool.request()` or the top-level `request()`.
 */
export class CurlResponse {
  readonly status: number;
  readonly statusText: string;
  /** The HTTP version that answered: '1.0', '1.1', '2' or '3' (as `info().httpVersion`). */
  readonly httpVersion: string;
  /** The heads before this one: 1xx and each redirect hop. */
  readonly previous: ResponseHead[];
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** The WorkerPool worker thread that ran the transfer; undefined for a transfer on this thread. */
  readonly threadId: number | undefined;
  readonly #source: ResponseSource;
  readonly #head: ResponseHead;
  #body: ReadableStream<Uint8Array> | undefined;
  #headers: Headers | undefined;
  /** Read whole without a stream: `body` is a locked stream from then on. */
  #used = false;

  /** @internal */
  constructor(head: ResponseHead, source: ResponseSource) {
    this.status = head.status;
    this.statusText = head.statusText;
    this.httpVersion = head.httpVersion;
    this.#head = head;
    this.previous = source.heads.length === 1 ? [] : source.heads.filter((h) => h !== head);
    this.url = head.url;
    this.threadId = source.threadId;
    this.#source = source;
  }

  /** Header fields as received, names in their case (split from the head on first use). */
  get rawHeaders(): [string, string][] {
    return this.#head.headers;
  }

  /**
   * The header fields as `Headers`, made on first use: Node loads its fetch
   * implementation (undici) the first time a `Headers` is made, ~35 ms of a
   * process's first request here.
   */
  get headers(): Headers {
    this.#headers ??= toHeaders(this.rawHeaders);
    return this.#headers;
  }

  /** The body as a stream (a response from a WorkerPool streams the bytes it already holds). */
  get body(): ReadableStream<Uint8Array> {
    if (!this.#body && this.#used) {
      // read: the body stream is locked from now on, as a Response's would be
      this.#body = new ReadableStream<Uint8Array>();
      this.#body.getReader();
    }
    if (!this.#body && this.#source.whole === undefined) this.#body = this.#source.body;
    if (!this.#body) {
      const whole = this.#source.whole ?? new Uint8Array(0);
      this.#body = new ReadableStream<Uint8Array>({
        start(c) {
          if (whole.length) c.enqueue(whole);
          c.close();
        },
      });
    }
    return this.#body;
  }

  bytes(): Promise<Uint8Array> {
    try {
      const { whole } = this.#source;
      if (!this.#body && !this.#used && (whole || this.#source.readAll)) {
        this.#used = true;
        if (whole) return Promise.resolve(whole);
        // a body already in (a small one, mostly) costs no promise of its own
        const got = this.#source.readAll!(this.#head);
        return got instanceof Uint8Array ? Promise.resolve(asBuffer(got)) : got.then(asBuffer);
      }
      return readWhole(this.body, contentLength(this.#head)).then(asBuffer);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** The body as a Node Readable (no copy of the whole body). */
  nodeStream(): NodeReadable {
    return Readable.fromWeb(this.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  /** Settles when the transfer is over; then info() is final. */
  get done(): Promise<void> {
    return this.#source.done;
  }

  /** Timings (ms), addresses, sizes, TLS version and cipher. */
  info(): TransferInfo {
    return this.#source.info();
  }
}

/** A Buffer over the same bytes (what bytes() has always answered). */
function asBuffer(got: Uint8Array): Uint8Array {
  return Buffer.from(got.buffer, got.byteOffset, got.byteLength);
}

function normalizeHeaders(h: RequestOptions['headers']): [string, string][] {
  if (!h) return [];
  if (h instanceof Headers) return [...h];
  return Array.isArray(h) ? h.map(([k, v]) => [k, v]) : Object.entries(h); // a copy: the body may add content-type
}

function normalizeBody(o: RequestOptions, headers: [string, string][]): { body: UploadBody | null; length?: number; replayable: boolean } {
  const has = (name: string) => headers.some(([k]) => k.toLowerCase() === name);
  let body = o.body ?? null;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    if (!has('content-type')) headers.push(['content-type', 'application/json']);
  }
  if (body === null) return { body: null, replayable: true };
  if (body instanceof URLSearchParams) {
    if (!has('content-type')) headers.push(['content-type', 'application/x-www-form-urlencoded;charset=UTF-8']);
    body = body.toString();
  }
  if (typeof body === 'string') body = new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) body = new Uint8Array(body);
  if (body instanceof Uint8Array) return { body, length: body.length, replayable: true };
  return { body, replayable: false };
}

/**
 * request() on `session`: what `session.request()`, `sandbox.request()` and the
 * top-level request() run. Not an async function: a request that cannot be
 * retried is one transfer and one promise (its head's, mapped to the response).
 * @internal
 */
export function sessionRequest(session: Session, url: string | URL, options: RequestOptions = {}, where = 'request'): Promise<CurlResponse> {
  try {
    validateUrl(url, where);
    validateRequestOptions(options, where);
    const method = (options.method ?? (options.body != null || options.json !== undefined ? 'POST' : 'GET')).toUpperCase();
    const headers = normalizeHeaders(options.headers);
    const { body, length, replayable } = normalizeBody(options, headers);
    const retry = options.retry === false ? undefined : (options.retry ?? session.retry);
    const deadline = options.totalTimeoutMs === undefined ? Infinity : Date.now() + options.totalTimeoutMs;
    const attempt: Attempt = { session, url: String(url), method, headers, body, length, options, deadline };
    if (retry !== undefined && IDEMPOTENT.has(method) && replayable) return withRetries(attempt, retry);
    const spec = attemptSpec(attempt);
    const transfer = session.transferNow(spec);
    return transfer ? respond(transfer) : session.transfer(spec).then(respond);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** What each attempt of one request shares. */
interface Attempt {
  session: Session;
  url: string;
  method: string;
  headers: [string, string][];
  body: UploadBody | null;
  length: number | undefined;
  options: RequestOptions;
  deadline: number;
}

/** The transfer for one attempt, its timeout what is left of the whole request's. */
function attemptSpec(a: Attempt): TransferSpec {
  const { options } = a;
  const left = a.deadline === Infinity ? Infinity : Math.max(1, a.deadline - Date.now());
  const timeoutMs = Math.min(options.timeoutMs ?? Infinity, left);
  return {
    url: a.url,
    method: a.method,
    headers: a.headers,
    body: a.body,
    bodyLength: a.length,
    redirect: options.redirect ?? 'follow',
    maxRedirects: options.maxRedirects ?? 20,
    signal: options.signal,
    timeoutMs: Number.isFinite(timeoutMs) ? timeoutMs : undefined,
    curl: options.curl,
    onProgress: options.onProgress,
    onDebug: options.onDebug,
    limits: options.limits,
    enforced: options.enforced && {
      ...options.enforced,
      ...(Number.isFinite(timeoutMs) ? { TIMEOUT_MS: Math.min(timeoutMs, options.enforced.TIMEOUT_MS as number) } : {}),
    },
  };
}

function respond(transfer: Transfer): Promise<CurlResponse> {
  return transfer.head.then((head) => new CurlResponse(head, transfer));
}

async function withRetries(a: Attempt, retry: RetryOptions): Promise<CurlResponse> {
  const statuses = new Set(retry.statuses ?? [502, 503, 504]);
  for (let attempt = 0; ; attempt++) {
    const spec = attemptSpec(a);
    const transfer = a.session.transferNow(spec) ?? (await a.session.transfer(spec));
    const delay = (retry.delayMs ?? 100) * 2 ** attempt;
    const last = attempt >= retry.retries || Date.now() + delay >= a.deadline;
    try {
      const head = await transfer.head;
      if (last || !statuses.has(head.status)) return new CurlResponse(head, transfer);
      await transfer.body.cancel();
    } catch (err) {
      if (last || a.options.signal?.aborted || !(err instanceof CurlError) || !RETRYABLE.has(err.code)) throw err;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * The curl-flavoured request, on `options.session` or else the default
 * session, which keeps no cookies between calls (connections and the DNS
 * cache are reused).
 */
export async function request(url: string | URL, options?: RequestOptions & { session?: Session }): Promise<CurlResponse> {
  validateRequestOptions(options);
  const { session, ...rest } = options ?? {};
  return sessionRequest(session ?? defaultSession(), url, rest);
}

/**
 * request() on a Session.
 * @deprecated use `session.request(url, options)` or `request(url, { session })`.
 */
export function requestOn(session: Session, url: string | URL, options?: RequestOptions): Promise<CurlResponse> {
  return sessionRequest(session, url, options);
}
