// SPDX-License-Identifier: MIT
// One HTTP exchange on a Session's multi handle: the engine under fetch()
// and request(). It maps a method, headers and a body onto curl options,
// streams both bodies, splits the response heads (1xx, redirect hops, the
// final one) and settles as soon as the final head is in.
import type { DebugCallback } from '../curl/easy-callbacks.js';
import { Easy, setOptions, type OptionValue } from '../curl/easy.js';
import { CURLPAUSE } from '../curl/generated/enums.js';
import { easyOption } from '../curl/names.js';
import type { CurlOptions } from '../curl/option-types.js';
import type { Multi } from '../curl/multi.js';
import { BodySink, UploadSource, type UploadBody } from './body.js';
import { applyOptions, forget, idle, needsReset, type HandlePool } from './handles.js';
import { HeadParser, latin1, type ResponseHead } from './head.js';
import { readTransferInfo, type TransferInfo } from './info.js';
import type { Runtime } from './host.js';
import { checkRequestBounds, FIELD_VALUE, LimitExceeded, TOKEN } from './request-bounds.js';

export { checkHeaderFields, checkRequestBounds, LimitExceeded } from './request-bounds.js';

export type { HandlePool } from './handles.js';

export type RedirectMode = 'follow' | 'manual' | 'error';

export interface Progress {
  /** Bytes received so far, and the total when the server said it. */
  download: { loaded: number; total: number | undefined };
  upload: { loaded: number; total: number | undefined };
}

export interface TransferSpec {
  url: string;
  method: string;
  headers: [string, string][];
  body: UploadBody | null;
  /** Byte length of the body when known (else HTTP/1.1 sends it chunked). */
  bodyLength?: number;
  redirect: RedirectMode;
  maxRedirects: number;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Extra curl options, applied last. */
  curl?: CurlOptions | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
  /** curl's trace (CURLOPT_DEBUGFUNCTION): what `curl -v` shows. */
  onDebug?: DebugCallback | undefined;
  /** Caps on the decoded body and the response heads, and on the caller's own request (checked before anything enters wasm). */
  limits?: TransferLimits | undefined;
  /** curl options applied after everything else, `curl` included, by curl's name (a sandbox's rules). */
  enforced?: Record<string, OptionValue> | undefined;
  /** Keep what curl measured for info() once the handle is freed (default true; fetch() never asks). */
  keepInfo?: boolean | undefined;
}

export interface TransferLimits {
  /** Decoded response body bytes. */
  maxBodyBytes?: number | undefined;
  /** Response head bytes, all heads together. */
  maxHeaderBytes?: number | undefined;
  /** Request header fields the caller may give. */
  maxRequestHeaders?: number | undefined;
  /** Bytes of those fields, names and values. */
  maxRequestHeaderBytes?: number | undefined;
  /** Bytes of the URL. */
  maxUrlBytes?: number | undefined;
  /**
   * Queue the body in JS up to maxBodyBytes instead of pausing curl: a
   * paused transfer makes curl hold what its decoders produce in wasm
   * memory, where a compression bomb would reach the memory cap first.
   */
  neverPause?: boolean | undefined;
}

export interface Transfer {
  /** Settles with the final response head (or rejects with the failure). */
  readonly head: Promise<ResponseHead>;
  /** Every head received: 1xx, each redirect hop, the final one. */
  readonly heads: ResponseHead[];
  /** The body as a stream, made on first use. */
  readonly body: ReadableStream<Uint8Array>;
  /** The whole body in a buffer of its own (instead of `body`, not after it). */
  readAll(lengthHint: number): Promise<Uint8Array>;
  /** Settles when the transfer is over (body fully written). */
  readonly done: Promise<void>;
  /** Timings, addresses and the rest; final once `done` settles. */
  info(): TransferInfo;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** CURLOPT_UPLOAD_BUFFERSIZE of a transfer with a request body. */
const UPLOAD_BUFFER = 256 << 10;

/** Refuses what would let a caller inject bytes into the request head, and what is past the caller's bounds. */
function checkRequest(spec: TransferSpec): void {
  if (typeof spec.method !== 'string' || !TOKEN.test(spec.method)) throw new TypeError(`invalid HTTP method ${JSON.stringify(spec.method)}`);
  checkRequestBounds([spec.url], spec.headers, spec.limits);
}

/**
 * `options` under curl's own names (the last spelling of one option wins),
 * each string that would reach the wire checked for CR, LF and NUL.
 */
export function curlOptions(options: Record<string, OptionValue> | undefined): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const key in options) {
    const [name, spec] = easyOption(key);
    const value = options[key]!;
    const strings = spec.type === 'string' && typeof value === 'string' ? [value] : spec.type === 'slist' && Array.isArray(value) ? value : [];
    for (const v of strings) {
      if (typeof v === 'string' && !FIELD_VALUE.test(v)) throw new TypeError(`invalid value for curl option ${key}: CR, LF and NUL are not allowed`);
    }
    out[name] = value;
  }
  return out;
}

export function startTransfer(rt: Runtime, multi: Multi, defaults: Record<string, OptionValue>, spec: TransferSpec, pool?: HandlePool): Transfer {
  checkRequest(spec);
  const extra = spec.curl && curlOptions(spec.curl);
  const reusable = pool !== undefined && !extra && !spec.enforced;
  let easy = (reusable && pool.take()) || new Easy(rt);
  let released = false;
  const follow = spec.redirect === 'follow';
  let final: TransferInfo | undefined;
  let tls: { version: string; cipher: string } | undefined;
  let headSettled = false;
  let resolveHead!: (h: ResponseHead) => void;
  let rejectHead!: (e: unknown) => void;
  const head = new Promise<ResponseHead>((res, rej) => {
    resolveHead = res;
    rejectHead = rej;
  });
  head.catch(() => {}); // the caller may only await `done`

  // once released the handle may run another request: a late resume or
  // cancel (a body cancelled after its transfer ended) must not reach it
  const resume = () => {
    if (!released && !easy.closed) easy.pause(CURLPAUSE.CURLPAUSE_CONT);
  };
  const abort = (reason: unknown) => {
    if (!released) multi.abort(easy, reason);
  };
  const sink = new BodySink(!spec.limits?.neverPause, resume, (reason) => abort(reason ?? new DOMException('The body was cancelled', 'AbortError')));
  const upload = spec.body === null ? undefined : new UploadSource(spec.body, resume);
  const parser = new HeadParser((h) => {
    h.url = (easy.getInfo('EFFECTIVE_URL') as string) ?? spec.url;
    tls = easy.tlsInfo() ?? tls; // the connection is attached now, reused or not
    if (h.status < 200 && h.status !== 101) return; // 1xx: more to come
    // curl follows a redirect status that carries a Location (REDIRECT_URL
    // stays empty while following, so the header decides); past MAXREDIRS it
    // fails the transfer with CURLE_TOO_MANY_REDIRECTS
    const hop = follow && REDIRECTS.has(h.status) && h.headers.some(([k]) => k.toLowerCase() === 'location');
    if (hop) return;
    headSettled = true;
    resolveHead(h);
  });

  // TFTP, FTP, file: and the like have no HTTP head: the response is the
  // body alone, its status curl's RESPONSE_CODE (0 for TFTP and file:)
  const headless = (): void => {
    if (headSettled || /^(https?|wss?)$/i.test(String(easy.getInfo('SCHEME') ?? 'http'))) return;
    headSettled = true;
    const status = Number(easy.getInfo('RESPONSE_CODE') ?? 0);
    resolveHead({ httpVersion: '', status, statusText: '', headers: [], url: (easy.getInfo('EFFECTIVE_URL') as string) ?? spec.url });
  };

  const limits = spec.limits;
  let headerBytes = 0;
  let bodyBytes = 0;
  // the session's defaults first, then this request's options over them
  // (the same final state as one merged bag, without building one per request)
  const options: Record<string, OptionValue> = {
    URL: spec.url,
    FOLLOWLOCATION: follow ? 1 : 0,
    MAXREDIRS: spec.maxRedirects,
    // fetch decodes what it advertises; curl advertises what it decodes
    ACCEPT_ENCODING: '',
    SUPPRESS_CONNECT_HEADERS: 1,
    HEADERFUNCTION: (d: Uint8Array) => {
      headerBytes += d.length;
      if (limits?.maxHeaderBytes !== undefined && headerBytes > limits.maxHeaderBytes) throw new LimitExceeded('maxHeaderBytes', limits.maxHeaderBytes);
      parser.line(latin1(d));
    },
    WRITEFUNCTION: (d: Uint8Array) => {
      if (!headSettled) headless();
      // decoded bytes: a compression bomb counts at its full size
      if (limits?.maxBodyBytes !== undefined && bodyBytes + d.length > limits.maxBodyBytes) throw new LimitExceeded('maxBodyBytes', limits.maxBodyBytes);
      const taken = sink.write(d);
      if (taken === d.length) bodyBytes += taken; // a pause hands the same bytes again later
      return taken;
    },
  };
  if (spec.onDebug) Object.assign(options, { VERBOSE: 1, DEBUGFUNCTION: spec.onDebug });
  methodOptions(options, spec, upload);
  // bigger sends per bridge crossing; curl allocates this buffer for every
  // transfer's request head (a GET's few hundred bytes), so only an upload gets it
  if (upload && !('UPLOAD_BUFFERSIZE' in defaults)) options.UPLOAD_BUFFERSIZE = UPLOAD_BUFFER;
  if (spec.timeoutMs !== undefined) options.TIMEOUT_MS = spec.timeoutMs;
  if (spec.onProgress) {
    const report = spec.onProgress;
    options.XFERINFOFUNCTION = (dlt: number, dln: number, ult: number, uln: number) =>
      report({ download: { loaded: dln, total: dlt || undefined }, upload: { loaded: uln, total: ult || spec.bodyLength } });
  }
  const headers: string[] = ['Expect:'];
  let hasContentType = false;
  for (const [k, v] of spec.headers) {
    headers.push(v === '' ? `${k};` : `${k}: ${v}`);
    const lower = k.toLowerCase();
    // curl's own defaults that fetch does not send
    if (lower === 'expect') headers[0] = '';
    else if (lower === 'content-type') hasContentType = true;
    else if (lower === 'accept-encoding' && options.ACCEPT_ENCODING === '') options.ACCEPT_ENCODING = v;
  }
  if (spec.body !== null && !hasContentType) headers.push('Content-Type:');
  options.HTTPHEADER = headers[0] === '' ? headers.slice(1) : headers;
  if (extra) Object.assign(options, extra);

  const onAbort = () => abort(spec.signal!.reason);
  let done: Promise<void>;
  try {
    if (reusable) {
      if (needsReset(easy, defaults, options)) {
        try {
          easy.reset();
          forget(easy);
        } catch {
          // inside a curl callback (a request started from onProgress): not now
          pool.give(easy);
          easy = new Easy(rt);
        }
      }
      applyOptions(easy, defaults, options);
    } else {
      setOptions(easy, defaults);
      setOptions(easy, options);
      // by curl's name, after everything: no other spelling set earlier can win
      setOptions(easy, spec.enforced ?? {});
    }
    if (spec.signal?.aborted) throw spec.signal.reason;
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    done = multi.run(easy);
  } catch (err) {
    easy.close();
    done = Promise.reject(err);
  }

  // called by both settlements (not a .finally(), which costs three more promises per request)
  const release = (ok: boolean) => {
    spec.signal?.removeEventListener('abort', onAbort);
    if (!easy.closed) {
      if (spec.keepInfo !== false) final = readTransferInfo(easy, tls);
      released = true;
      if (ok && reusable) {
        idle(easy);
        pool.give(easy);
      } else easy.close();
    }
  };
  const settled = done.then(
    () => {
      try {
        if (!headSettled && parser.heads.length) resolveHead(parser.heads.at(-1)!);
        headless();
        if (!headSettled && !parser.heads.length) rejectHead(new Error('the server sent no response head'));
        sink.close();
      } finally {
        release(true);
      }
    },
    (err) => {
      const reason = upload?.error ?? err;
      try {
        rejectHead(reason);
        sink.error(reason);
        upload?.cancel();
      } finally {
        release(false);
      }
      throw reason;
    },
  );
  settled.catch(() => {});

  return {
    head,
    heads: parser.heads,
    get body() {
      return sink.stream;
    },
    readAll: (hint) => sink.whole(hint),
    done: settled,
    info: () => {
      if (final) return final;
      if (released) throw new TypeError('the transfer is over and its handle freed (keepInfo: false)');
      return readTransferInfo(easy, tls);
    },
  };
}

function methodOptions(options: Record<string, OptionValue>, spec: TransferSpec, upload: UploadSource | undefined): void {
  const method = spec.method.toUpperCase();
  if (method === 'HEAD') {
    options.NOBODY = 1;
    return;
  }
  if (!upload) {
    if (method !== 'GET') options.CUSTOMREQUEST = method;
    return;
  }
  options.READFUNCTION = (buf: Uint8Array) => upload.read(buf);
  if (method === 'PUT') {
    options.UPLOAD = 1;
    if (spec.bodyLength !== undefined) options.INFILESIZE_LARGE = spec.bodyLength;
  } else {
    options.POST = 1;
    options.POSTFIELDSIZE_LARGE = spec.bodyLength ?? -1;
    if (method !== 'POST') options.CUSTOMREQUEST = method;
  }
}
