// SPDX-License-Identifier: MIT
// fetch() as the WHATWG standard describes it for a client, on libcurl:
// the runtime's own Request, Response and Headers, streamed bodies both
// ways, AbortSignal, redirect modes. `init.curl` takes curl options that
// fetch has no field for.
import type { CurlOptions } from '../curl/option-types.js';
import type { UploadBody } from './body.js';
import { toHeaders, type ResponseHead } from './head.js';
import { defaultSession, type Session } from './session.js';
import type { Progress, Transfer, TransferLimits, TransferSpec } from './transfer.js';
import { validateFetchInit } from './validate.js';

export interface CurlRequestInit extends RequestInit {
  /** Extra curl options for this request (applied last). */
  curl?: CurlOptions;
  /** Upload and download progress. */
  onProgress?: (p: Progress) => void;
  /** Whole-transfer timeout, milliseconds. */
  timeoutMs?: number;
  /** Caps on the decoded body and the response heads (bytes); past them the transfer fails. */
  limits?: TransferLimits;
  /** @internal options no per-request setting may override (Sandbox). */
  enforced?: TransferSpec['enforced'];
  /** Redirects followed at most (default 20). */
  maxRedirects?: number;
  /** @internal called once as the transfer ends, if it started (Sandbox). */
  onEnd?: () => void;
}

/** Statuses whose response has no body (a Response refuses one). */
export const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** What fetch needs of a Request. */
interface Outgoing {
  url: URL;
  method: string;
  headers: [string, string][];
  body: UploadBody | null;
  bodyLength: number | undefined;
  redirect: RequestRedirect;
  signal: AbortSignal | undefined;
}

/** Request's own normalisation of these methods (others keep their case). */
const NORMALIZED_METHODS: Record<string, string> = { get: 'GET', head: 'HEAD', post: 'POST', put: 'PUT', delete: 'DELETE', options: 'OPTIONS' };
const REDIRECT_MODES = new Set<unknown>(['follow', 'error', 'manual']);
/** Init fields the short path reads; any other field goes through a Request. */
const SIMPLE_FIELDS = new Set(['method', 'headers', 'signal', 'redirect']);

/**
 * A bodiless request with only those fields, from a string or URL, answers
 * exactly what `new Request()` would (the same URL, normalised method and
 * Headers, the caller's own signal) without building one: a Request costs
 * an AbortSignal, a Headers and a parse more per call. Anything else
 * (a body, another field, a URL that Request refuses) answers undefined.
 */
function simpleRequest(input: string | URL | Request, init: RequestInit): Outgoing | undefined {
  if (typeof input !== 'string' && !(input instanceof URL)) return undefined;
  for (const k in init) if ((init as Record<string, unknown>)[k] !== undefined && !SIMPLE_FIELDS.has(k)) return undefined;
  if (init.method !== undefined && typeof init.method !== 'string') return undefined;
  const method = init.method === undefined ? 'GET' : NORMALIZED_METHODS[init.method.toLowerCase()];
  if (method === undefined) return undefined;
  const redirect = init.redirect ?? 'follow';
  if (!REDIRECT_MODES.has(redirect)) return undefined;
  const signal = init.signal ?? undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) return undefined;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined; // Request's errors are Request's to throw
  }
  if (url.username || url.password) return undefined;
  return { url, method, headers: init.headers === undefined ? [] : [...new Headers(init.headers)], body: null, bodyLength: undefined, redirect, signal };
}

async function fullRequest(input: string | URL | Request, standard: RequestInit): Promise<Outgoing> {
  const hasStreamBody = standard.body instanceof ReadableStream;
  const request = new Request(input, hasStreamBody ? ({ duplex: 'half', ...standard } as RequestInit) : standard);
  const signal = callerSignal(input, standard);
  // before a body is read whole: an aborted fetch() reads none of it (a stream body might never end)
  if (signal?.aborted) {
    cancelStream(request.body, signal.reason);
    throw signal.reason;
  }
  let body: UploadBody | null = null;
  let bodyLength: number | undefined;
  if (request.body) {
    if (hasStreamBody) body = request.body;
    else {
      // every other BodyInit is already in memory: its length is known
      const bytes = new Uint8Array(await request.arrayBuffer());
      body = bytes;
      bodyLength = bytes.length;
    }
  }
  return {
    url: new URL(request.url),
    method: request.method,
    headers: [...request.headers],
    body,
    bodyLength,
    redirect: request.redirect,
    signal,
  };
}

/** Request inputs, each kept alive by the signal a transfer holds (see callerSignal()). */
const requestOf = new WeakMap<AbortSignal, Request>();

/**
 * The signal the caller gave, not a new Request's: that one follows the
 * caller's through a controller only the Request holds (undici keeps it by
 * WeakRef), so once the Request was collected an abort no longer reached
 * the transfer. A Request input's own signal is such a one too (and the one
 * a Sandbox follows): the Request lives as long as the transfer holds the
 * signal answered.
 */
function callerSignal(input: string | URL | Request, init: RequestInit): AbortSignal | undefined {
  // null: no signal, not even the input's
  const signal = init.signal !== undefined ? (init.signal ?? undefined) : input instanceof Request ? input.signal : undefined;
  if (signal && input instanceof Request) requestOf.set(signal, input);
  return signal;
}

let primed = false;
/**
 * Node loads its fetch implementation (undici, ~10 ms) on the first touch of
 * Response, and its web streams on the first ReadableStream: a first fetch()
 * touches both before it waits for its session, so that this runs while
 * libcurl.wasm compiles on V8's background threads instead of after the
 * transfer.
 */
function primeWebClasses(): void {
  if (primed) return;
  primed = true;
  void [globalThis.Response, globalThis.ReadableStream];
}

/**
 * fetch() on `session`: what `session.fetch()`, `sandbox.fetch()` and the
 * top-level fetch() run. Not an async function: a bodiless request is one
 * transfer and its head's promise mapped to the Response.
 * @internal
 */
export function sessionFetch(session: Session, input: string | URL | Request, init: CurlRequestInit | null = {}, where = 'fetch'): Promise<Response> {
  try {
    init ??= {}; // RequestInit is a dictionary: null is an empty one
    validateFetchInit(init, where);
    const { curl, onProgress, timeoutMs, limits, enforced, maxRedirects, onEnd, ...standard } = init;
    const extra: Extra = { curl, onProgress, timeoutMs, limits, enforced, maxRedirects, onEnd };
    const out = simpleRequest(input, standard);
    if (out) return send(session, out, extra);
    return fullRequest(input, standard).then(
      (o) => send(session, o, extra),
      (err: unknown) => {
        cancelRequestBody(input, init, err);
        throw err;
      },
    );
  } catch (err) {
    cancelRequestBody(input, init, err);
    return Promise.reject(err);
  }
}

/**
 * A request body fetch() rejects before a transfer reads it is cancelled
 * with the error, so its producer stops and lets go of what it holds:
 * undici does so on an abort; here every rejection before a transfer
 * exists does (a refused option or scheme, a limit, an aborted signal).
 * @internal
 */
export function cancelRequestBody(input: string | URL | Request, init: RequestInit | null | undefined, reason: unknown): void {
  const body = init?.body != null ? init.body : input instanceof Request && !input.bodyUsed ? input.body : null;
  cancelStream(body, reason);
}

function cancelStream(body: unknown, reason: unknown): void {
  if (body instanceof ReadableStream && !body.locked) body.cancel(reason).catch(() => {});
}

/** The curl-flavoured fields of a CurlRequestInit. */
type Extra = Pick<CurlRequestInit, 'curl' | 'onProgress' | 'timeoutMs' | 'limits' | 'enforced' | 'maxRedirects' | 'onEnd'>;

function send(session: Session, out: Outgoing, extra: Extra): Promise<Response> {
  const { body } = out;
  let transfer: Transfer | undefined;
  let spec: TransferSpec;
  try {
    spec = transferSpec(out, extra);
    transfer = session.transferNow(spec);
  } catch (err) {
    cancelStream(body, err);
    throw err;
  }
  if (transfer) return respond(transfer, out, extra.onEnd);
  return session.transfer(spec).then(
    (t) => respond(t, out, extra.onEnd),
    (err: unknown) => {
      cancelStream(body, err);
      throw err;
    },
  );
}

function transferSpec(out: Outgoing, extra: Extra): TransferSpec {
  const { url, method, headers, body, bodyLength, redirect, signal } = out;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch: unsupported scheme ${url.protocol}`);
  signal?.throwIfAborted();
  primeWebClasses();

  const spec: TransferSpec = {
    url: url.href,
    method,
    headers,
    body,
    bodyLength,
    redirect,
    maxRedirects: extra.maxRedirects ?? MAX_REDIRECTS,
    signal,
    timeoutMs: extra.timeoutMs,
    curl: extra.curl,
    onProgress: extra.onProgress,
    limits: extra.limits,
    enforced: extra.enforced,
    keepInfo: false,
  };
  return spec;
}

function respond(transfer: Transfer, out: Outgoing, onEnd: CurlRequestInit['onEnd']): Promise<Response> {
  if (onEnd) void transfer.done.then(onEnd, onEnd);
  return transfer.head.then(
    (head) => toResponse(head, transfer, out),
    (err) => {
      throw out.signal?.aborted ? out.signal.reason : new TypeError('fetch failed', { cause: err });
    },
  );
}

function toResponse(head: ResponseHead, transfer: Transfer, { url, method, redirect }: Outgoing): Response {
  if (redirect === 'error' && REDIRECTS.has(head.status)) {
    void transfer.body.cancel(new TypeError('redirect'));
    throw new TypeError('fetch failed: unexpected redirect', { cause: new Error(`${head.status} to ${header(head.headers, 'location')}`) });
  }
  const responseHeaders = toHeaders(head.headers);
  const nullBody = method === 'HEAD' || NULL_BODY.has(head.status);
  if (nullBody) void transfer.body.cancel();
  const response = new Response(nullBody ? null : transfer.body, {
    status: head.status,
    statusText: head.statusText,
    headers: responseHeaders,
  });
  const redirects = transfer.heads.filter((h) => REDIRECTS.has(h.status) && h !== head).length;
  Object.defineProperty(response, 'url', { value: head.url || url.href });
  Object.defineProperty(response, 'redirected', { value: redirects > 0 });
  return response;
}

function header(headers: [string, string][], name: string): string | undefined {
  return headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

/**
 * WHATWG fetch through libcurl, on `init.session` or else the default
 * session, which, like Node's fetch, keeps no cookies or credentials between
 * calls (connections, TLS sessions and the DNS cache are reused).
 */
export async function fetch(input: string | URL | Request, init?: (CurlRequestInit & { session?: Session }) | null): Promise<Response> {
  if (init?.session === undefined) return sessionFetch(defaultSession(), input, init);
  validateFetchInit(init);
  const { session, ...rest } = init;
  return sessionFetch(session, input, rest);
}

/**
 * fetch() on a Session.
 * @deprecated use `session.fetch(input, init)` or `fetch(input, { session })`.
 */
export function fetchOn(session: Session, input: string | URL | Request, init?: CurlRequestInit): Promise<Response> {
  return sessionFetch(session, input, init);
}
