// SPDX-License-Identifier: MIT
// request(): the curl-flavoured API. It answers status, HTTP version, every
// head of a redirect chain, the body as a stream or whole, and what curl
// measured (timings, addresses, TLS). Retries are opt-in and only for
// idempotent requests whose body can be sent again.
import { Readable } from 'node:stream';
import type { CurlOptions } from '../curl/option-types.js';
import { CurlError } from '../curl/errors.js';
import { readWhole, type UploadBody } from './body.js';
import { toHeaders, type ResponseHead } from './head.js';
import type { TransferInfo } from './info.js';
import { defaultSession, type RetryOptions, type Session } from './session.js';
import type { Progress, RedirectMode, Transfer, TransferLimits, TransferSpec } from './transfer.js';

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
const RETRYABLE = new Set(['CURLE_COULDNT_CONNECT', 'CURLE_RECV_ERROR', 'CURLE_SEND_ERROR', 'CURLE_GOT_NOTHING', 'CURLE_OPERATION_TIMEDOUT', 'CURLE_PARTIAL_FILE', 'CURLE_HTTP2', 'CURLE_HTTP2_STREAM']);

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

export class CurlResponse {
  readonly status: number;
  readonly statusText: string;
  /** 'HTTP/1.1', 'HTTP/2', … as the status line said. */
  readonly httpVersion: string;
  readonly headers: Headers;
  /** Header fields as received, names in their case. */
  readonly rawHeaders: [string, string][];
  /** The heads before this one: 1xx and each redirect hop. */
  readonly previous: ResponseHead[];
  /** The URL that answered (after redirects). */
  readonly url: string;
  readonly body: ReadableStream<Uint8Array>;
  readonly #transfer: Transfer;

  /** @internal */
  constructor(head: ResponseHead, transfer: Transfer) {
    this.status = head.status;
    this.statusText = head.statusText;
    this.httpVersion = head.httpVersion;
    this.rawHeaders = head.headers;
    this.headers = toHeaders(head.headers);
    this.previous = transfer.heads.filter((h) => h !== head);
    this.url = head.url;
    this.body = transfer.body;
    this.#transfer = transfer;
  }

  async bytes(): Promise<Uint8Array> {
    const whole = await readWhole(this.body, Number(this.headers.get('content-length') ?? Number.NaN));
    return Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength);
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
    return this.#transfer.done;
  }

  /** Timings (ms), addresses, sizes, TLS version and cipher. */
  info(): TransferInfo {
    return this.#transfer.info();
  }
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

/** request() on a Session. */
export async function requestOn(session: Session, url: string | URL, options: RequestOptions = {}): Promise<CurlResponse> {
  const method = (options.method ?? (options.body != null || options.json !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers = normalizeHeaders(options.headers);
  const { body, length, replayable } = normalizeBody(options, headers);
  const retry = options.retry === false ? undefined : options.retry ?? session.retry;
  const canRetry = retry !== undefined && IDEMPOTENT.has(method) && replayable;
  const statuses = new Set(retry?.statuses ?? [502, 503, 504]);

  const deadline = options.totalTimeoutMs === undefined ? Infinity : Date.now() + options.totalTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    const left = Math.max(1, deadline - Date.now());
    const timeoutMs = Math.min(options.timeoutMs ?? Infinity, left);
    const transfer = await session.transfer({
      url: String(url),
      method,
      headers,
      body,
      bodyLength: length,
      redirect: options.redirect ?? 'follow',
      maxRedirects: options.maxRedirects ?? 20,
      signal: options.signal,
      timeoutMs: Number.isFinite(timeoutMs) ? timeoutMs : undefined,
      curl: options.curl,
      onProgress: options.onProgress,
      onDebug: options.onDebug,
      limits: options.limits,
      enforced: options.enforced && { ...options.enforced, ...(Number.isFinite(timeoutMs) ? { TIMEOUT_MS: Math.min(timeoutMs, options.enforced.TIMEOUT_MS as number) } : {}) },
    });
    const delay = (retry?.delayMs ?? 100) * 2 ** attempt;
    const last = !canRetry || attempt >= retry!.retries || Date.now() + delay >= deadline;
    try {
      const head = await transfer.head;
      if (last || !statuses.has(head.status)) return new CurlResponse(head, transfer);
      await transfer.body.cancel();
    } catch (err) {
      if (last || options.signal?.aborted || !(err instanceof CurlError) || !RETRYABLE.has(err.code)) throw err;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** request() on the default session. */
export function request(url: string | URL, options?: RequestOptions): Promise<CurlResponse> {
  return requestOn(defaultSession(), url, options);
}
