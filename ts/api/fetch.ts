// SPDX-License-Identifier: MIT
// fetch() as the WHATWG standard describes it for a client, on libcurl:
// the runtime's own Request, Response and Headers, streamed bodies both
// ways, AbortSignal, redirect modes. `init.curl` takes curl options that
// fetch has no field for.
import type { OptionValue } from '../curl/easy.js';
import type { UploadBody } from './body.js';
import { defaultSession, type Session } from './session.js';
import type { Progress, TransferSpec } from './transfer.js';

export interface CurlRequestInit extends RequestInit {
  /** Extra curl options for this request (applied last). */
  curl?: Record<string, OptionValue>;
  /** Upload and download progress. */
  onProgress?: (p: Progress) => void;
  /** Whole-transfer timeout, milliseconds. */
  timeoutMs?: number;
  /** Caps on the decoded body and the response heads (bytes); past them the transfer fails. */
  limits?: TransferSpec['limits'];
  /** @internal options no per-request setting may override (Sandbox). */
  enforced?: TransferSpec['enforced'];
  /** Redirects followed at most (default 20). */
  maxRedirects?: number;
}

/** Statuses whose response has no body (a Response refuses one). */
export const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** fetch() on a Session (the default one unless given). */
export async function fetchOn(session: Session, input: string | URL | Request, init: CurlRequestInit = {}): Promise<Response> {
  const { curl, onProgress, timeoutMs, limits, enforced, maxRedirects, ...standard } = init;
  const hasStreamBody = standard.body instanceof ReadableStream;
  const request = new Request(input, hasStreamBody ? { duplex: 'half', ...standard } as RequestInit : standard);
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch: unsupported scheme ${url.protocol}`);
  const signal = request.signal;
  signal.throwIfAborted();

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

  const transfer = await session.transfer({
    url: url.href,
    method: request.method,
    headers: [...request.headers],
    body,
    bodyLength,
    redirect: request.redirect,
    maxRedirects: maxRedirects ?? MAX_REDIRECTS,
    signal,
    timeoutMs,
    curl,
    onProgress,
    limits,
    enforced,
  });

  let head;
  try {
    head = await transfer.head;
  } catch (err) {
    throw signal.aborted ? signal.reason : new TypeError('fetch failed', { cause: err });
  }
  if (request.redirect === 'error' && REDIRECTS.has(head.status)) {
    void transfer.body.cancel(new TypeError('redirect'));
    throw new TypeError('fetch failed: unexpected redirect', { cause: new Error(`${head.status} to ${header(head.headers, 'location')}`) });
  }
  const headers = new Headers();
  for (const [k, v] of head.headers) {
    try {
      headers.append(k, v);
    } catch {
      // a header value Headers refuses (e.g. bytes outside Latin-1) is dropped, as undici does
    }
  }
  const nullBody = request.method === 'HEAD' || NULL_BODY.has(head.status);
  if (nullBody) void transfer.body.cancel();
  const response = new Response(nullBody ? null : transfer.body, {
    status: head.status,
    statusText: head.statusText,
    headers,
  });
  const redirects = transfer.heads.filter((h) => REDIRECTS.has(h.status) && h !== head).length;
  Object.defineProperty(response, 'url', { value: head.url || url.href });
  Object.defineProperty(response, 'redirected', { value: redirects > 0 });
  return response;
}

function header(headers: [string, string][], name: string): string | undefined {
  return headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

/** WHATWG fetch through libcurl, on the default session. */
export function fetch(input: string | URL | Request, init?: CurlRequestInit): Promise<Response> {
  return fetchOn(defaultSession(), input, init);
}

