// SPDX-License-Identifier: MIT
// Session: a Multi and a Share on one libcurl.wasm instance, with the
// defaults every request of the session gets: connection limits, cookie
// jar, DNS cache and TLS session reuse, default headers, proxy, trust
// store, timeouts and retries. fetch(), request() and ws() are its
// methods; a default session, which keeps no cookies, backs the top-level
// functions.
import { SharedBlob, type Easy, type OptionValue } from '../curl/easy.js';
import { CURLPIPE } from '../curl/generated/enums.js';
import type { CurlOptions } from '../curl/option-types.js';
import { Multi } from '../curl/multi.js';
import { Share } from '../curl/share.js';
import { kMinConnects } from '../curl/symbols.js';
import { defaultRuntime, Runtime, RUNTIME_CA, type RuntimeOptions } from './host.js';
import { CookieJar } from './cookies.js';
import { sessionFetch, type CurlRequestInit } from './fetch.js';
import { sessionRequest, type CurlResponse, type RequestOptions } from './request.js';
import { Roster } from '../curl/roster.js';
import { curlOptions, handOver, startTransfer, type HandlePool, type Transfer, type TransferSpec } from './transfer.js';
import { validateSessionOptions } from './validate.js';
import { openWs } from './websocket/websocket.js';
import type { WsConnection, WsConnectOptions } from './websocket/connection.js';

export interface ProxyOptions {
  /** e.g. 'http://proxy:3128', 'https://…', 'socks4://…', 'socks5://…', 'socks5h://…' */
  url: string;
  username?: string;
  password?: string;
  /** Hosts reached directly: curl's CURLOPT_NOPROXY list. */
  noProxy?: string;
}

export interface RetryOptions {
  /** Further attempts after the first. */
  retries: number;
  /** Wait before attempt n: delayMs * 2^(n-1). Default 100. */
  delayMs?: number;
  /** Response statuses that are retried too. Default [502, 503, 504]. */
  statuses?: number[];
}

export interface SessionOptions {
  /** The wasm instance to run on; default: the process-wide one, or a new one when `runtimeOptions` is given. */
  runtime?: Runtime;
  runtimeOptions?: RuntimeOptions;
  /**
   * CURLMOPT_MAX_TOTAL_CONNECTIONS. Without it (or with 0) there is no cap: the
   * pool opens what the requests in flight need and keeps them for reuse.
   * @defaultValue 0 (no limit)
   */
  maxConnections?: number;
  /** CURLMOPT_MAX_HOST_CONNECTIONS. @defaultValue 0 (no limit) */
  maxConnectionsPerHost?: number;
  /** Headers every request sends unless it sets them itself. */
  headers?: Record<string, string>;
  /** Keep cookies in an in-memory jar, shared by the session's requests. @defaultValue true (the default session behind the top-level functions has none) */
  cookies?: boolean;
  /** A proxy, or 'env' to honour HTTP_PROXY/HTTPS_PROXY/NO_PROXY (never read otherwise). */
  proxy?: string | ProxyOptions | 'env';
  /** Trusted CAs (PEM); default: what the runtime's own TLS trusts (its root certificates, plus `NODE_EXTRA_CA_CERTS` on Node). */
  ca?: string | readonly string[];
  /** Verify the server's certificate and name (default true). */
  verify?: boolean;
  /** Per-request timeout (whole transfer), milliseconds. */
  timeoutMs?: number;
  /** Opt-in retries for idempotent requests. */
  retry?: RetryOptions;
  /** Prefer HTTP/2 over TLS (default true; plain http stays HTTP/1.1). */
  http2?: boolean;
  /** Any other curl options every request gets. */
  curl?: CurlOptions;
}

export interface Engine {
  rt: Runtime;
  multi: Multi;
  share: Share;
}

interface Started {
  engine: Engine;
  defaults: Record<string, OptionValue>;
  /** The defaults and the session's Share: what every request starts from. */
  options: Record<string, OptionValue>;
}

/** CA bundles in wasm memory, one per instance and PEM text: handles point at them (no copy each). */
const caBlobs = new WeakMap<Runtime, Map<string, SharedBlob>>();
function caBlob(rt: Runtime, pem: string): SharedBlob {
  let byPem = caBlobs.get(rt);
  if (!byPem) caBlobs.set(rt, (byPem = new Map()));
  let blob = byPem.get(pem);
  if (!blob) byPem.set(pem, (blob = new SharedBlob(rt, pem)));
  return blob;
}

/**
 * Idle connections the pool keeps at least (curl's MAXCONNECTS); past that the
 * Multi keeps as many as the load has needed (Multi.setOpt).
 */
const IDLE_CONNECTIONS = 64;
/** Reset handles a session keeps for its next requests, at most. */
const IDLE_HANDLES = 256;

export class Session {
  readonly #options: SessionOptions;
  readonly #engine: Promise<Engine>;
  readonly #defaults: Promise<Record<string, OptionValue>>;
  #jar: CookieJar | undefined;
  /** #engine and #defaults, resolved (requests after the first skip two awaits). */
  #started: Started | undefined;
  #closed = false;
  /** Close hooks of handles that outlive one request (WebSocket connections). */
  readonly #attached = new Set<() => void>();
  /** Transfers not yet over: close() waits for their handles to be freed. */
  readonly #inflight = new Roster<Transfer>();
  /** Reset handles for the next request (not with session-wide curl options: see HandlePool). */
  readonly #idle: Easy[] = [];
  readonly #pool: HandlePool | undefined;

  constructor(options: SessionOptions = {}) {
    validateSessionOptions(options);
    this.#options = options;
    this.#pool =
      options.curl === undefined
        ? {
            // an idle handle still holds its last transfer's infos until handed over
            take: () => {
              const easy = this.#idle.pop();
              if (easy) handOver(easy);
              return easy;
            },
            give: (easy) => {
              if (this.#closed || this.#idle.length >= IDLE_HANDLES) {
                handOver(easy);
                easy.close();
              } else this.#idle.push(easy);
            },
          }
        : undefined;
    this.#engine = this.#start();
    this.#engine.catch(() => {});
    this.#defaults = this.#buildDefaults();
    this.#defaults.catch(() => {});
  }

  async #start(): Promise<Engine> {
    const o = this.#options;
    const rt = o.runtime ?? (o.runtimeOptions ? await Runtime.create(o.runtimeOptions) : await defaultRuntime());
    const multi = new Multi(rt);
    multi.setOpt('PIPELINING', CURLPIPE.CURLPIPE_MULTIPLEX);
    if (o.maxConnections) multi.setOpt('MAX_TOTAL_CONNECTIONS', o.maxConnections);
    if (o.maxConnectionsPerHost) multi.setOpt('MAX_HOST_CONNECTIONS', o.maxConnectionsPerHost);
    // curl's own default keeps 4 idle connections per *running* transfer, so
    // between one request and the next the pool shrinks and connections are
    // closed only to be opened again; the Multi keeps what the load needed,
    // never fewer than this
    multi[kMinConnects](Math.max(IDLE_CONNECTIONS, o.maxConnections ?? 0, o.maxConnectionsPerHost ?? 0));
    const share = new Share(rt, ['DNS', 'SSL_SESSION', ...(o.cookies === false ? [] : ['COOKIE' as const])]);
    return { rt, multi, share };
  }

  async #buildDefaults(): Promise<Record<string, OptionValue>> {
    const o = this.#options;
    // no `ca`: the runtime's trust store, which the instance reads on the
    // first TLS connection that verifies a peer (ts/host/abi.ts RUNTIME_CA),
    // not here: a plain-HTTP request never loads node:tls and its PEM. Set
    // on every handle, it holds for a redirect from http to https as well.
    const ca = o.ca === undefined ? RUNTIME_CA : typeof o.ca === 'string' ? o.ca : o.ca.join('\n');
    const d: Record<string, OptionValue> = {};
    if (ca) d.CAINFO_BLOB = caBlob((await this.#engine).rt, ca);
    if (o.verify === false) Object.assign(d, { SSL_VERIFYPEER: 0, SSL_VERIFYHOST: 0 });
    if (o.cookies !== false) d.COOKIEFILE = ''; // enables the cookie engine, in memory
    d.HTTP_VERSION = o.http2 === false ? 2 /* 1_1 */ : 4; /* 2TLS */
    // with mbedTLS, records are sealed and opened by the runtime's crypto
    // (ts/host/aead.ts), where AES-GCM has hardware help: ChaCha20-Poly1305 is
    // offered last. Host TLS keeps the runtime's own order (a cipher list
    // would hand the connection to mbedTLS).
    if ((await this.#engine).rt.tls === 'mbedtls') d.TLS13_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
    d.PIPEWAIT = 1;
    // bigger reads per bridge crossing: the download buffer is one per multi
    // handle (the upload buffer, one per transfer, is raised only for
    // transfers that upload: startTransfer)
    d.BUFFERSIZE = 512 << 10;
    Object.assign(d, proxyOptions(o.proxy), curlOptions(o.curl));
    return d;
  }

  /** The engine and every request's options, once both are ready. */
  async #ready(): Promise<Started> {
    if (!this.#started) {
      const [engine, defaults] = await Promise.all([this.#engine, this.#defaults]);
      this.#started ??= { engine, defaults, options: { ...defaults, SHARE: engine.share } };
    }
    return this.#started;
  }

  /** @internal the engine for fetch(), request() and WebSocket. */
  async transfer(spec: TransferSpec): Promise<Transfer> {
    if (this.#closed) throw new TypeError('this Session is closed');
    return this.#begin(this.#started ?? (await this.#ready()), spec);
  }

  /** @internal transfer() without a promise and an await, once the session has started (undefined before). */
  transferNow(spec: TransferSpec): Transfer | undefined {
    return this.#started && !this.#closed ? this.#begin(this.#started, spec) : undefined;
  }

  #begin(started: Started, spec: TransferSpec): Transfer {
    const {
      engine: { rt, multi, share },
      defaults,
      options,
    } = started;
    // `spec` is the caller's own fresh object (request(), fetch()): completed in place, not copied per request
    spec.headers = withDefaults(spec.headers, this.#options.headers);
    spec.timeoutMs ??= this.#options.timeoutMs;
    const base = this.#options.proxy === 'env' ? { ...defaults, ...envProxy(spec.url), SHARE: share } : options;
    // each transfer leaves #inflight itself as it ends (no promise per request to track it)
    return startTransfer(rt, multi, base, spec, this.#pool, this.#inflight);
  }

  /** @internal the session's instance, multi, share and default options (WebSocket uses them). */
  async engine(): Promise<Engine & { defaults: Record<string, OptionValue> }> {
    if (this.#closed) throw new TypeError('this Session is closed');
    const [engine, defaults] = await Promise.all([this.#engine, this.#defaults]);
    return { ...engine, defaults: { ...defaults, SHARE: engine.share } };
  }

  /** @internal registers `close` to run when the session closes; answers the unregistration. */
  attach(close: () => void): () => void {
    this.#attached.add(close);
    return () => void this.#attached.delete(close);
  }

  /** @internal */
  get retry(): RetryOptions | undefined {
    return this.#options.retry;
  }

  // fetch() and request() hand on sessionFetch's and sessionRequest's own
  // promise: an async method returning it would add a promise and two
  // microtask turns per request

  /** WHATWG fetch on this session: its cookies, connections, defaults. */
  fetch(input: string | URL | Request, init?: CurlRequestInit): Promise<Response> {
    try {
      return sessionFetch(this, input, own(this, init, 'Session.fetch'), 'Session.fetch');
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The curl-flavoured request on this session (see the top-level request()). */
  request(url: string | URL, options?: RequestOptions): Promise<CurlResponse> {
    try {
      return sessionRequest(this, url, own(this, options, 'Session.request'), 'Session.request');
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Opens a WebSocket connection on this session (see the top-level ws()). */
  async ws(url: string | URL, options?: Omit<WsConnectOptions, 'session'>): Promise<WsConnection> {
    return openWs(url, { ...own(this, options as WsConnectOptions | undefined, 'Session.ws'), session: this }, undefined, 'Session.ws');
  }

  /** The session's cookies: export and import in Netscape format or as JSON. */
  async cookies(): Promise<CookieJar> {
    const { rt, share } = await this.#engine;
    this.#jar ??= new CookieJar(rt, share);
    return this.#jar;
  }

  /**
   * Stops every transfer (each rejects, with `reason` when one is given)
   * and frees the session's handles. Never rejects.
   */
  async close(reason?: unknown): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const engine = await this.#engine.catch(() => undefined);
    if (!engine) return;
    const { multi, share } = engine;
    for (const close of [...this.#attached]) close();
    if (reason !== undefined) for (const easy of multi.handles) multi.abort(easy, reason);
    multi.close();
    // each transfer frees its easy handle as it settles; the share is in use until then
    await Promise.all(this.#inflight.values().map((t) => t.done.catch(() => {})));
    for (const easy of this.#idle.splice(0)) {
      handOver(easy);
      easy.close();
    }
    this.#jar?.close();
    share.close();
  }
}

/** A method's options without `session` (a method runs on its own session; another is a mistake). */
function own<T extends object>(session: Session, options: T | undefined, where: string): T | undefined {
  const other = (options as { session?: unknown } | undefined)?.session;
  if (other === undefined) return options;
  if (other !== session) throw new TypeError(`${where}: options.session names another Session; call that session's method instead`);
  const { session: _, ...rest } = options as T & { session?: unknown };
  return rest as T;
}

function withDefaults(headers: [string, string][], defaults: Record<string, string> | undefined): [string, string][] {
  if (!defaults) return headers;
  const have = new Set(headers.map(([k]) => k.toLowerCase()));
  return [...Object.entries(defaults).filter(([k]) => !have.has(k.toLowerCase())), ...headers];
}

function proxyOptions(proxy: SessionOptions['proxy']): Record<string, OptionValue> {
  if (!proxy || proxy === 'env') return {};
  const p = typeof proxy === 'string' ? { url: proxy } : proxy;
  const o: Record<string, OptionValue> = { PROXY: p.url };
  if (p.username !== undefined) o.PROXYUSERNAME = p.username;
  if (p.password !== undefined) o.PROXYPASSWORD = p.password;
  if (p.noProxy !== undefined) o.NOPROXY = p.noProxy;
  return o;
}

/** HTTP_PROXY/HTTPS_PROXY/NO_PROXY for `url`, read only when the session asks. */
function envProxy(url: string): Record<string, OptionValue> {
  const env = globalThis.process?.env ?? {};
  const https = url.startsWith('https:') || url.startsWith('wss:');
  const proxy = https ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!proxy) return { PROXY: '' };
  return { PROXY: proxy, NOPROXY: env.NO_PROXY ?? env.no_proxy ?? '' };
}

let shared: Session | undefined;
/**
 * The session behind the top-level fetch(), request() and ws(): stateless
 * between calls like Node's fetch (no cookie jar, no credentials kept), with
 * connection reuse, TLS session reuse and the DNS cache.
 */
export function defaultSession(): Session {
  shared ??= new Session({ cookies: false });
  return shared;
}
