// SPDX-License-Identifier: MIT
// One HTTP exchange on a Session's multi handle: the engine under fetch()
// and request(). It maps a method, headers and a body onto curl options,
// streams both bodies, splits the response heads (1xx, redirect hops, the
// final one) and settles as soon as the final head is in.
import type { DebugCallback, TlsNames } from '../curl/easy-callbacks.js';
import { Easy, setOptions, type OptionValue } from '../curl/easy.js';
import { CURLPAUSE } from '../curl/generated/enums.js';
import { easyOption } from '../curl/names.js';
import { kHeadSink, kStart } from '../curl/symbols.js';
import type { CurlOptions } from '../curl/option-types.js';
import type { Multi } from '../curl/multi.js';
import { PromiseSettler, type RunSettler } from '../curl/multi-driver.js';
import { BodySink, UploadSource, type UploadBody } from './body.js';
import { applyOptions, forget, idle, needsReset, type HandlePool } from './handles.js';
import { HeadParser, latin1, type ResponseHead } from './head.js';
import { readInfoAnswers, readTransferInfo, toTransferInfo, type InfoAnswers, type TransferInfo } from './info.js';
import type { Roster } from '../curl/roster.js';
import type { Runtime } from './host.js';
import { checkRequestBounds, FIELD_VALUE, LimitExceeded, optionFields, TOKEN } from './request-bounds.js';

export { checkHeaderFields, checkRequestBounds, LimitExceeded, optionFields } from './request-bounds.js';

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
  /** The whole body in a buffer of its own (instead of `body`, not after it): at once when it is all in. */
  readAll(length: number | ResponseHead): Uint8Array | Promise<Uint8Array>;
  /** Settles when the transfer is over (body fully written). */
  readonly done: Promise<void>;
  /** Timings, addresses and the rest; final once `done` settles. */
  info(): TransferInfo;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** CURLOPT_UPLOAD_BUFFERSIZE of a transfer with a request body. */
const UPLOAD_BUFFER = 256 << 10;

/**
 * Refuses what would let a caller inject bytes into the request head, and
 * what is past the caller's bounds: its header fields and those libcurl
 * makes of its curl options (a cookie, a range, credentials…).
 */
function checkRequest(spec: TransferSpec, extra: Record<string, OptionValue> | undefined): void {
  if (typeof spec.method !== 'string' || !TOKEN.test(spec.method)) throw new TypeError(`invalid HTTP method ${JSON.stringify(spec.method)}`);
  checkRequestBounds([spec.url], extra && spec.limits ? [...spec.headers, ...optionFields(extra)] : spec.headers, spec.limits);
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

/**
 * The finished transfer whose infos an idle handle still holds: they are
 * read when asked for, or just before the handle runs again or is freed
 * ({@link handOver}), not by every request.
 */
const owners = new WeakMap<Easy, Exchange>();

/** Before a pooled handle is reused or freed: its last transfer keeps what curl measured. */
export function handOver(easy: Easy): void {
  owners.get(easy)?.keepInfo(easy);
}

/** Starts a transfer; `inflight` holds it until its handle is released. */
export function startTransfer(
  rt: Runtime,
  multi: Multi,
  defaults: Record<string, OptionValue>,
  spec: TransferSpec,
  pool?: HandlePool,
  inflight?: Roster<Transfer>,
): Transfer {
  return new Exchange(rt, multi, defaults, spec, pool, inflight);
}

/**
 * One transfer's state and callbacks: one object with methods rather than a
 * closure per callback over shared variables (a small request made ~15 of
 * them, and their context, per call).
 */
class Exchange implements Transfer, RunSettler {
  readonly head: Promise<ResponseHead>;
  /** How the transfer ended: undefined while it runs, then #OK or its failure (see `done`). */
  #outcome: unknown;
  #ended = false;
  /** `done`, made when first asked for (request() and fetch() mostly never ask). */
  #done: Promise<void> | undefined;
  #settleDone: RunSettler | undefined;
  #resolveHead!: (h: ResponseHead) => void;
  #rejectHead!: (e: unknown) => void;
  #headSettled = false;
  #easy: Easy;
  /** The handle went back to the pool (or was freed): nothing may reach it any more. */
  #released = false;
  /** What curl measured, read as the handle is released; made a TransferInfo on the first info(). */
  #answers: InfoAnswers | undefined;
  #final: TransferInfo | undefined;
  #tls: TlsNames | undefined;
  /** curl's effective URL as the last head ended (the glue's head block carries it). */
  #headUrl: string | undefined;
  #headerBytes = 0;
  #bodyBytes = 0;
  readonly #spec: TransferSpec;
  readonly #multi: Multi;
  readonly #pool: HandlePool | undefined;
  readonly #sink: BodySink;
  readonly #upload: UploadSource | undefined;
  readonly #parser: HeadParser;
  readonly #inflight: Roster<Transfer> | undefined;
  /** This transfer's slot in #inflight. */
  readonly #slot: number;

  constructor(
    rt: Runtime,
    multi: Multi,
    defaults: Record<string, OptionValue>,
    spec: TransferSpec,
    pool: HandlePool | undefined,
    inflight: Roster<Transfer> | undefined,
  ) {
    this.#upload = spec.body === null ? undefined : new UploadSource(spec.body, () => this.resume());
    let extra: Record<string, OptionValue> | undefined;
    try {
      extra = spec.curl && curlOptions(spec.curl);
      checkRequest(spec, extra);
    } catch (err) {
      this.#upload?.cancel(err); // as undici destroys the body of a request it refuses
      throw err;
    }
    const reusable = pool !== undefined && !extra && !spec.enforced;
    this.#spec = spec;
    this.#multi = multi;
    this.#inflight = inflight;
    this.#pool = reusable ? pool : undefined;
    this.#easy = (reusable && pool.take()) || new Easy(rt);
    this.head = new Promise<ResponseHead>((res, rej) => {
      this.#resolveHead = res;
      this.#rejectHead = rej;
    });
    this.#sink = new BodySink(!spec.limits?.neverPause, this);
    this.#parser = new HeadParser(this);

    const options = this.#options(defaults, extra);
    this.#slot = inflight?.add(this) ?? -1;
    try {
      this.#apply(rt, defaults, options);
      this.#easy[kHeadSink](this.#onHead);
      if (spec.signal?.aborted) throw spec.signal.reason;
      spec.signal?.addEventListener('abort', this, { once: true });
      // the driver tells settled() as the transfer ends, in the same turn
      // as its last bytes: no promise chain per request, and a small body is
      // whole by the time the caller's await of the head resumes
      multi[kStart](this.#easy, this);
    } catch (err) {
      this.#easy.close();
      // settles a turn later, as a rejected run() did: the caller has the transfer first
      queueMicrotask(() => this.settled(err));
    }
  }

  /** Settles when the transfer is over (body fully written). */
  get done(): Promise<void> {
    if (!this.#done) {
      this.#done = !this.#ended
        ? new Promise<void>((resolve, reject) => (this.#settleDone = new PromiseSettler(resolve, reject)))
        : this.#outcome === OK
          ? Promise.resolve()
          : Promise.reject(this.#outcome);
      this.#done.catch(noop); // the caller may only await `head`
    }
    return this.#done;
  }

  /** The driver (RunSettler): the transfer is over and off the multi; `error` undefined when it completed. */
  settled(error: unknown): void {
    if (this.#ended) return;
    let outcome: unknown = OK;
    try {
      if (error === undefined) this.#finish();
      else outcome = this.#fail(error);
    } catch (err) {
      outcome = err;
    }
    this.#ended = true;
    this.#outcome = outcome;
    this.#settleDone?.settled(outcome === OK ? undefined : outcome);
  }

  get heads(): ResponseHead[] {
    return this.#parser.heads;
  }

  get body(): ReadableStream<Uint8Array> {
    return this.#sink.stream;
  }

  readAll(length: number | ResponseHead): Uint8Array | Promise<Uint8Array> {
    return this.#sink.whole(length);
  }

  info(): TransferInfo {
    if (this.#final) return this.#final;
    if (!this.#answers && owners.get(this.#easy) === this) this.keepInfo(this.#easy);
    if (this.#answers) return (this.#final = toTransferInfo(this.#answers, this.#tls));
    if (this.#released) throw new TypeError('the transfer is over and its handle freed (keepInfo: false)');
    return readTransferInfo(this.#easy, this.#tls);
  }

  /** The request's curl options over the session's defaults (the same final state as one merged bag, without building one per request). */
  #options(defaults: Record<string, OptionValue>, extra: Record<string, OptionValue> | undefined): Record<string, OptionValue> {
    const spec = this.#spec;
    const options: Record<string, OptionValue> = {
      URL: spec.url,
      FOLLOWLOCATION: spec.redirect === 'follow' ? 1 : 0,
      MAXREDIRS: spec.maxRedirects,
      // fetch decodes what it advertises; curl advertises what it decodes
      ACCEPT_ENCODING: '',
      SUPPRESS_CONNECT_HEADERS: 1,
      WRITEFUNCTION: this.#onWrite,
    };
    if (spec.onDebug) Object.assign(options, { VERBOSE: 1, DEBUGFUNCTION: spec.onDebug });
    methodOptions(options, spec, this.#upload);
    // bigger sends per bridge crossing; curl allocates this buffer for every
    // transfer's request head (a GET's few hundred bytes), so only an upload gets it
    if (this.#upload && !('UPLOAD_BUFFERSIZE' in defaults)) options.UPLOAD_BUFFERSIZE = UPLOAD_BUFFER;
    if (spec.timeoutMs !== undefined) options.TIMEOUT_MS = spec.timeoutMs;
    if (spec.onProgress) {
      const report = spec.onProgress;
      options.NOPROGRESS = 0;
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
    return options;
  }

  #apply(rt: Runtime, defaults: Record<string, OptionValue>, options: Record<string, OptionValue>): void {
    const pool = this.#pool;
    if (!pool) {
      setOptions(this.#easy, defaults);
      setOptions(this.#easy, options);
      // by curl's name, after everything: no other spelling set earlier can win
      setOptions(this.#easy, this.#spec.enforced ?? {});
      return;
    }
    if (needsReset(this.#easy, defaults, options)) {
      try {
        this.#easy.reset();
        forget(this.#easy);
      } catch {
        // inside a curl callback (a request started from onProgress): not now
        pool.give(this.#easy);
        this.#easy = new Easy(rt);
      }
    }
    applyOptions(this.#easy, defaults, options);
  }

  /** Reads what curl measured from the idle handle, which this transfer was the last to use. */
  keepInfo(easy: Easy): void {
    owners.delete(easy);
    if (!easy.closed) this.#answers ??= readInfoAnswers(easy);
  }

  // --- curl's callbacks ----------------------------------------------------

  /** The head sink: a whole head (or the next lines of a big one) from the glue. */
  readonly #onHead = (d: Uint8Array, url: string | undefined, tls: TlsNames | undefined): void => {
    const max = this.#spec.limits?.maxHeaderBytes;
    this.#headerBytes += d.length;
    if (max !== undefined && this.#headerBytes > max) throw new LimitExceeded('maxHeaderBytes', max);
    // the block that ends a head says where it came from (the glue read it
    // as the head ended: the connection is attached now, reused or not)
    if (url !== undefined) {
      this.#headUrl = url;
      this.#tls = tls ?? this.#tls;
    }
    this.#parser.block(latin1(d));
  };

  readonly #onWrite = (d: Uint8Array): number => {
    if (!this.#headSettled) this.#headless();
    // decoded bytes: a compression bomb counts at its full size
    const max = this.#spec.limits?.maxBodyBytes;
    if (max !== undefined && this.#bodyBytes + d.length > max) throw new LimitExceeded('maxBodyBytes', max);
    const taken = this.#sink.write(d);
    if (taken === d.length) this.#bodyBytes += taken; // a pause hands the same bytes again later
    return taken;
  };

  /** HeadParser: a whole head is in. */
  onHead(h: ResponseHead): void {
    h.url = this.#headUrl ?? this.#spec.url;
    if (h.status < 200 && h.status !== 101) return; // 1xx: more to come
    // curl follows a redirect status that carries a Location (REDIRECT_URL
    // stays empty while following, so the header decides); past MAXREDIRS it
    // fails the transfer with CURLE_TOO_MANY_REDIRECTS
    if (this.#spec.redirect === 'follow' && REDIRECTS.has(h.status) && h.headers.some(isLocation)) return;
    this.#headSettled = true;
    this.#resolveHead(h);
  }

  /**
   * TFTP, FTP, file: and the like have no HTTP head: the response is the
   * body alone, its status curl's RESPONSE_CODE (0 for TFTP and file:)
   */
  #headless(): void {
    const easy = this.#easy;
    if (this.#headSettled || /^(https?|wss?)$/i.test(String(easy.getInfo('SCHEME') ?? 'http'))) return;
    this.#headSettled = true;
    const status = Number(easy.getInfo('RESPONSE_CODE') ?? 0);
    this.#resolveHead({ httpVersion: '', status, statusText: '', headers: [], url: (easy.getInfo('EFFECTIVE_URL') as string) ?? this.#spec.url });
  }

  // --- the body's and the signal's calls back ------------------------------

  /**
   * BodySink and UploadSource: curl may go on. Once released the handle may
   * run another request: a late resume or cancel (a body cancelled after its
   * transfer ended) must not reach it.
   */
  resume(): void {
    if (!this.#released && !this.#easy.closed) this.#easy.pause(CURLPAUSE.CURLPAUSE_CONT);
  }

  /** BodySink: the reader cancelled the body. */
  cancel(reason: unknown): void {
    this.#abort(reason ?? new DOMException('The body was cancelled', 'AbortError'));
  }

  /** The caller's AbortSignal fired. */
  handleEvent(): void {
    this.#abort(this.#spec.signal!.reason);
  }

  #abort(reason: unknown): void {
    if (!this.#released) this.#multi.abort(this.#easy, reason);
  }

  // --- the end ---------------------------------------------------------------

  #finish(): void {
    try {
      const heads = this.#parser.heads;
      if (!this.#headSettled && heads.length) this.#resolveHead(heads.at(-1)!);
      this.#headless();
      if (!this.#headSettled && !heads.length) this.#refuseHead(new Error('the server sent no response head'));
      this.#sink.close();
      this.#upload?.cancel(); // the server answered before taking the whole body
    } finally {
      this.#release(true);
    }
  }

  /** Answers what `done` rejects with. */
  #fail(err: unknown): unknown {
    const reason = this.#upload?.error ?? err;
    try {
      this.#refuseHead(reason);
      this.#sink.error(reason);
      this.#upload?.cancel(reason);
    } finally {
      this.#release(false);
    }
    return reason;
  }

  /** Rejects `head` (if still pending), handled: the caller may only await `done` (a handler made only on failure, not per request). */
  #refuseHead(reason: unknown): void {
    this.head.catch(noop);
    this.#rejectHead(reason);
  }

  /** Called by both settlements. */
  #release(ok: boolean): void {
    this.#spec.signal?.removeEventListener('abort', this);
    this.#inflight?.delete(this.#slot);
    const easy = this.#easy;
    if (easy.closed) return;
    this.#released = true;
    if (ok && this.#pool) {
      easy[kHeadSink](undefined); // it holds this transfer
      idle(easy);
      if (this.#spec.keepInfo !== false) owners.set(easy, this); // the pool hands it over before reuse
      this.#pool.give(easy);
    } else {
      if (this.#spec.keepInfo !== false) this.#answers = readInfoAnswers(easy);
      easy.close();
    }
  }
}

function noop(): void {}

/** `done`'s outcome when the transfer completed (a failure is its reason, which may be anything). */
const OK = Symbol('ok');

function isLocation([k]: [string, string]): boolean {
  return k.length === 8 && k.toLowerCase() === 'location';
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
