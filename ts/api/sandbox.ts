// SPDX-License-Identifier: MIT
// Sandbox: transfers for URLs nobody vetted (webhooks, link previews,
// crawlers, agents). Each sandbox owns a wasm instance of its own: its own
// memory (capped), its own sockets, no filesystem and no environment. The
// network policy is enforced at the socket bridge on every lookup and on the
// address actually connected; limits cap time, bytes, heads, redirects,
// connections and memory.
import {
  ERRNO,
  NetworkPolicy,
  PolicyDenied,
  type NetworkPolicyOptions,
  Runtime,
  type LookupFunction,
  type TrafficSocket,
  type SocketTable,
  TcpSocket,
  ipToBytes,
  LibcurlWasmError,
  registerError,
} from './host.js';
import { cancelRequestBody, sessionFetch, type CurlRequestInit } from './fetch.js';
import { sessionRequest, type CurlResponse, type RequestOptions } from './request.js';
import { validateFetchInit, validateRequestOptions, validateSandboxOptions, validateUrl, validateWsOptions } from './validate.js';
import { gateOptions } from './sandbox-options.js';
import { Session } from './session.js';
import { checkRequestBounds, LimitExceeded, optionFields, type TransferLimits } from './transfer.js';
import { openWs } from './websocket/websocket.js';
import type { WsConnectOptions, WsConnection } from './websocket/connection.js';
import type { OptionValue } from '../curl/easy.js';
import { kInflight } from '../curl/symbols.js';
import type { CurlOptions } from '../curl/option-types.js';
import type { ToolPolicy } from '../tool/sandboxed.js';

/** Drops entries of transfers whose handles are gone (ids are never reused). */
function prune<V>(map: Map<number, V>, live: Map<number, unknown>): void {
  if (map.size > 256) for (const id of map.keys()) if (!live.has(id)) map.delete(id);
}

export interface SandboxLimits {
  /** Whole-transfer wall time, retries included (default 30 s). No per-request option lifts it. */
  timeoutMs?: number;
  /** Decoded response body bytes per transfer (default 10 MiB); queued in JS, never held paused in wasm. */
  maxBodyBytes?: number;
  /** Response head bytes per transfer, all heads together (default 64 KiB). */
  maxHeaderBytes?: number;
  /** Bytes received on the wire per transfer (default 32 MiB). */
  maxWireBytesIn?: number;
  /** Bytes sent on the wire per transfer (default 32 MiB). */
  maxWireBytesOut?: number;
  /** Bytes received by the whole sandbox (default unlimited). */
  maxSandboxBytesIn?: number;
  /** Redirects followed per transfer (default 5). */
  maxRedirects?: number;
  /** Open connections in the sandbox (default 16). */
  maxConnections?: number;
  /** The wasm instance's memory (default 64 MiB). */
  maxMemoryBytes?: number;
  /** Bytes of a request URL (default 8 KiB). */
  maxUrlBytes?: number;
  /** Header fields a request may carry (default 100). */
  maxRequestHeaders?: number;
  /** Bytes of those fields (default 64 KiB). */
  maxRequestHeaderBytes?: number;
}

export interface SandboxOptions {
  /** Default: `{ preset: 'public' }` — only public unicast addresses. */
  policy?: NetworkPolicyOptions;
  /** Schemes allowed, for the first URL and every redirect (default http, https). */
  protocols?: readonly string[];
  limits?: SandboxLimits;
  /** Resolver (default dns.lookup); the policy judges what it answers. */
  lookup?: LookupFunction;
  /** Trusted CAs (PEM); default: the runtime's root certificates. */
  ca?: string | readonly string[];
  headers?: Record<string, string>;
}

const DEFAULTS: Required<SandboxLimits> = {
  timeoutMs: 30_000,
  maxBodyBytes: 10 << 20,
  maxHeaderBytes: 64 << 10,
  maxWireBytesIn: 32 << 20,
  maxWireBytesOut: 32 << 20,
  maxSandboxBytesIn: Number.POSITIVE_INFINITY,
  maxRedirects: 5,
  maxConnections: 16,
  maxMemoryBytes: 64 << 20,
  maxUrlBytes: 8 << 10,
  maxRequestHeaders: 100,
  maxRequestHeaderBytes: 64 << 10,
};

/** What every transfer of a destroyed sandbox rejects with. */
export class SandboxDestroyed extends LibcurlWasmError {
  declare readonly code: 'ERR_SANDBOX_DESTROYED';
  constructor() {
    super('ERR_SANDBOX_DESTROYED', 'the sandbox was destroyed');
  }
}
registerError(SandboxDestroyed, 'SandboxDestroyed');

/** How long past its deadline the host ends a transfer curl has not ended itself. */
const DEADLINE_GRACE_MS = 1000;

/** What the sandbox accepts of a request's own options, besides `curl` (which passes the option gate). */
interface Asked {
  curl?: CurlOptions | undefined;
  timeoutMs?: number | undefined;
  maxRedirects?: number | undefined;
  signal?: AbortSignal | null | undefined;
}

export class Sandbox {
  readonly runtime: Runtime;
  readonly policy: NetworkPolicy;
  readonly limits: Readonly<Required<SandboxLimits>>;
  readonly #session: Session;
  /** Wire bytes per transfer (easy handle id). */
  readonly #traffic = new Map<number, { in: number; out: number }>();
  /** Aborts every transfer in flight: destroy() and each transfer's deadline use it. */
  readonly #inflight = new Set<AbortController>();

  /** @internal Transfers tracked in flight (each leaves when it ends, not at its deadline). */
  get [kInflight](): number {
    return this.#inflight.size;
  }

  #bytesIn = 0;
  #destroyed = false;
  /** The socket tables of curl-wasm runs under this sandbox (curl(args, { sandbox }) of libcurl-wasm/cli): destroy() closes them. */
  readonly #toolTables = new Set<SocketTable>();
  readonly #protocols: string;
  /** sandbox.ws()'s schemes: ws and wss for the allowed http and https. */
  readonly #wsProtocols: string;

  private constructor(runtime: Runtime, options: SandboxOptions) {
    this.runtime = runtime;
    this.policy = new NetworkPolicy(options.policy ?? {});
    const limits = (this.limits = { ...DEFAULTS, ...options.limits });
    const asked = options.protocols ?? ['http', 'https'];
    const protocols = (this.#protocols = asked.join(','));
    // ws and wss where the sandbox allows http and https
    this.#wsProtocols = asked.flatMap((p) => (p === 'http' ? ['ws'] : p === 'https' ? ['wss'] : [])).join(',');
    this.#session = new Session({
      runtime,
      ca: options.ca,
      headers: options.headers,
      cookies: false,
      maxConnections: limits.maxConnections,
      timeoutMs: limits.timeoutMs,
      curl: { PROTOCOLS_STR: protocols, REDIR_PROTOCOLS_STR: protocols, MAXREDIRS: limits.maxRedirects },
    });
    const { relays, sockets, bridge } = runtime;
    const judge = (owner: number, target: string, rule: () => string | undefined): string | undefined => {
      let why: string | undefined;
      try {
        why = this.#destroyed ? 'the sandbox is destroyed' : rule();
      } catch {
        why = 'the policy could not judge it'; // never an exception inside curl's call
      }
      if (why !== undefined) relays.easy.get(owner)?.fail(new PolicyDenied(why, target));
      return why;
    };
    // the name curl asked for, judged and resolved in one form (ts/host/hostname.ts)
    bridge.hostGuard = (hostname, owner) => judge(owner, hostname, () => this.policy.checkHost(hostname)) === undefined;
    // every connect and a datagram socket's first destination: the address,
    // then the name curl's connection is for (answered from curl itself, so
    // IP literals, localhost and names from the DNS cache are judged like any
    // lookup). After its first datagram a socket talks with that address
    // only, on the port it was judged on or one the peer answered from (a
    // TFTP server answers from a new port): never a port nobody answered from.
    sockets.guard = (target, owner, peer) =>
      judge(owner, `${target.address} port ${target.port}`, () => {
        if (peer) {
          if (target.address !== peer.address) return `a datagram socket talks with one host (${peer.address})`;
          return peer.ports.has(target.port) ? undefined : `port ${target.port}: no datagram came from it`;
        }
        const byAddress = this.policy.checkAddress(target.address, target.port);
        if (byAddress !== undefined) return byAddress;
        const host = relays.easy.get(owner)?.connectHost();
        return host ? this.policy.checkHost(host) : 'a connection curl cannot name';
      });
    sockets.onTraffic = (owner, bytesIn, bytesOut, socket) => this.#account(owner, bytesIn, bytesOut, socket);
  }

  /** A sandbox with its own wasm instance. */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    validateSandboxOptions(options, 'Sandbox.create');
    // one scheme per entry: 'http,file' must not widen the list behind the caller's back
    for (const p of options.protocols ?? [])
      if (!/^[a-z][a-z0-9]*$/.test(p)) throw new TypeError(`Sandbox.create: options.protocols: not a scheme name: ${JSON.stringify(p)}`);
    new NetworkPolicy(options.policy ?? {}); // a bad policy fails here, before an instance is made
    const maxMemoryBytes = options.limits?.maxMemoryBytes ?? DEFAULTS.maxMemoryBytes;
    const runtime = await Runtime.create({ lookup: options.lookup, memoryLimit: maxMemoryBytes });
    return new Sandbox(runtime, options);
  }

  #account(owner: number, bytesIn: number, bytesOut: number, socket: TrafficSocket): void {
    let t = this.#traffic.get(owner);
    if (!t) {
      prune(this.#traffic, this.runtime.relays.easy);
      this.#traffic.set(owner, (t = { in: 0, out: 0 }));
    }
    t.in += bytesIn;
    t.out += bytesOut;
    this.#bytesIn += bytesIn;
    const over =
      t.in > this.limits.maxWireBytesIn
        ? new LimitExceeded('maxWireBytesIn', this.limits.maxWireBytesIn)
        : t.out > this.limits.maxWireBytesOut
          ? new LimitExceeded('maxWireBytesOut', this.limits.maxWireBytesOut)
          : this.#bytesIn > this.limits.maxSandboxBytesIn
            ? new LimitExceeded('maxSandboxBytesIn', this.limits.maxSandboxBytesIn)
            : undefined;
    if (!over) return;
    this.runtime.relays.easy.get(owner)?.fail(over);
    socket.fail(ERRNO.CONNABORTED);
  }

  /**
   * A request's options as the sandbox runs them: curl options through the
   * gate, time and redirects clamped, the enforced set applied last, a
   * deadline the host keeps even if curl did not, and an abort for destroy().
   */
  #options<T extends Asked>(
    o: T,
  ): {
    options: T & { limits: TransferLimits; enforced: Record<string, OptionValue>; totalTimeoutMs: number; signal: AbortSignal };
    end: () => void;
  } {
    if (this.#destroyed) throw new SandboxDestroyed();
    const { limits } = this;
    const gated = gateOptions(o.curl, o, limits);
    const { controller, end } = this.#track(o.signal ?? undefined, gated.timeoutMs);
    const options = {
      ...o,
      curl: gated.curl,
      timeoutMs: gated.timeoutMs,
      totalTimeoutMs: gated.timeoutMs,
      maxRedirects: gated.maxRedirects,
      signal: controller.signal,
      limits: {
        maxBodyBytes: limits.maxBodyBytes,
        maxHeaderBytes: limits.maxHeaderBytes,
        maxUrlBytes: limits.maxUrlBytes,
        maxRequestHeaders: limits.maxRequestHeaders,
        maxRequestHeaderBytes: limits.maxRequestHeaderBytes,
        neverPause: true,
      },
      enforced: {
        PROTOCOLS_STR: this.#protocols,
        REDIR_PROTOCOLS_STR: this.#protocols,
        MAXREDIRS: gated.maxRedirects,
        TIMEOUT_MS: gated.timeoutMs,
        // no proxy from the environment either (the built-in WASI has none; belt and braces)
        PROXY: '',
        PRE_PROXY: '',
        // connections go only where the URL's host (judged) says
        CONNECT_TO: null,
        RESOLVE: null,
        DOH_URL: null,
        HSTS_CTRL: 0,
      },
    };
    return { options, end };
  }

  /**
   * An abort for one transfer: the caller's signal, destroy(), or the
   * deadline (timeoutMs and a grace: curl's own timeout normally ends it
   * first; this is the host's guarantee). `end()` lets all three go as the
   * transfer ends: a crawler's thousands of finished requests must not keep
   * a controller, a timer and a listener on a long-lived caller signal each
   * until their deadlines.
   */
  #track(signal: AbortSignal | undefined, timeoutMs: number): { controller: AbortController; end: () => void } {
    const controller = new AbortController();
    const forward = () => controller.abort(signal!.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    else signal?.addEventListener('abort', forward, { once: true });
    this.#inflight.add(controller);
    const end = () => {
      clearTimeout(timer);
      this.#inflight.delete(controller);
      signal?.removeEventListener('abort', forward);
    };
    const timer = setTimeout(() => {
      end();
      controller.abort(new LimitExceeded('timeoutMs', timeoutMs));
    }, timeoutMs + DEADLINE_GRACE_MS);
    (timer as { unref?: () => void }).unref?.();
    return { controller, end };
  }

  /** fetch() inside the sandbox. */
  async fetch(input: string | URL | Request, init: CurlRequestInit = {}): Promise<Response> {
    const { options, end } = (() => {
      try {
        validateFetchInit(init, 'Sandbox.fetch');
        return this.#options({ ...init, signal: init.signal ?? (input instanceof Request ? input.signal : undefined) });
      } catch (err) {
        cancelRequestBody(input, init, err);
        throw err;
      }
    })();
    // request()'s retry bound: not a fetch field (it would send fetch the long way, through a Request)
    const { totalTimeoutMs: _, ...fetchInit } = options;
    try {
      // ends when curl has written the whole body (queued, read or not), or fails or is cancelled
      return await sessionFetch(this.#session, input, { ...fetchInit, onEnd: end }, 'Sandbox.fetch');
    } catch (err) {
      end();
      throw err;
    }
  }

  /** request() inside the sandbox. */
  async request(url: string | URL, options: RequestOptions = {}): Promise<CurlResponse> {
    validateUrl(url, 'Sandbox.request');
    validateRequestOptions(options, 'Sandbox.request');
    const { options: o, end } = this.#options(options);
    try {
      const res = await sessionRequest(this.#session, url, o, 'Sandbox.request');
      void res.done.then(end, end); // retries are over once there is a response
      return res;
    } catch (err) {
      end();
      throw err;
    }
  }

  /** A WebSocket connection inside the sandbox: the same policy, the handshake within timeoutMs, messages within maxBodyBytes. */
  async ws(url: string | URL, options: WsConnectOptions = {}): Promise<WsConnection> {
    validateWsOptions(options, 'Sandbox.ws');
    const { options: o, end } = this.#options(options);
    const maxMessageSize = Math.min(options.maxMessageSize ?? Infinity, this.limits.maxBodyBytes);
    const enforced = { ...o.enforced, PROTOCOLS_STR: this.#wsProtocols, REDIR_PROTOCOLS_STR: this.#wsProtocols };
    try {
      // what request() checks of its caller, before anything enters wasm
      const fields: [string, string][] = [...Object.entries(options.headers ?? {}), ...optionFields(o.curl ?? {})];
      const offered = typeof options.protocols === 'string' ? [options.protocols] : (options.protocols ?? []);
      if (offered.length) fields.push(['Sec-WebSocket-Protocol', offered.join(', ')]);
      checkRequestBounds([String(url)], fields, this.limits);
      // the signal and the deadline cover the handshake only; an open connection ends with close() or destroy()
      return await openWs(url, {
        ...options,
        session: this.#session,
        signal: o.signal,
        timeoutMs: o.timeoutMs,
        maxMessageSize,
        curl: { ...o.curl, ...enforced },
      });
    } finally {
      end();
    }
  }

  /**
   * Rejects every transfer in flight with SandboxDestroyed, closes every
   * socket and listener, and drops the instance. Never rejects.
   */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const reason = new SandboxDestroyed();
    for (const c of this.#inflight) c.abort(reason);
    this.#inflight.clear();
    try {
      await this.#session.close(reason);
    } catch {
      // the instance is dropped below either way
    }
    this.runtime.sockets.closeAll();
    for (const table of this.#toolTables) table.closeAll();
  }

  /**
   * @internal What curl(args, { sandbox }) of libcurl-wasm/cli needs to run
   * a command line under this sandbox (ts/tool/sandboxed.ts): guards for the
   * run's own socket table that judge as this sandbox's transfers are judged.
   * The tool has no handle the host can ask for its connection's name, so a
   * connect is judged on the address, then by name: an address an allowed
   * name resolved to in this run, or else the address itself as a host name
   * (an IP literal in allowHosts). The run is one transfer for the wire-byte
   * limits and counts toward maxSandboxBytesIn. Its heads, decoded body and
   * memory are capped inside the tool (ToolPolicy.limits), its URLs and
   * header fields checked as request() checks a caller's: on the command
   * line before the run, and inside the tool on each transfer as it is sent.
   */
  toolPolicy(): ToolPolicy {
    if (this.#destroyed) throw new SandboxDestroyed();
    const { limits, policy } = this;
    const refused: Error[] = [];
    const named = new Set<string>();
    const key = (address: string) => ipToBytes(address).join('.');
    const traffic = { in: 0, out: 0 };
    const judge = (target: string, rule: () => string | undefined): string | undefined => {
      let why: string | undefined;
      try {
        why = this.#destroyed ? 'the sandbox is destroyed' : rule();
      } catch {
        why = 'the policy could not judge it';
      }
      if (why !== undefined) refused.push(new PolicyDenied(why, target));
      return why;
    };
    const lookup = this.runtime.bridge.lookup;
    const exceeded = (limit: 'maxHeaderBytes' | 'maxBodyBytes') => {
      if (!refused.some((e) => e instanceof LimitExceeded && e.limit === limit)) refused.push(new LimitExceeded(limit, limits[limit]));
    };
    return {
      protocols: this.#protocols,
      maxRedirects: limits.maxRedirects,
      timeoutMs: limits.timeoutMs,
      limits: {
        maxHeaderBytes: limits.maxHeaderBytes,
        maxBodyBytes: limits.maxBodyBytes,
        maxMemoryBytes: limits.maxMemoryBytes,
        maxUrlBytes: limits.maxUrlBytes,
        maxRequestHeaders: limits.maxRequestHeaders,
        maxRequestHeaderBytes: limits.maxRequestHeaderBytes,
      },
      // the checks request() makes of a caller's URL and header fields
      checkRequest: (urls, headers) => checkRequestBounds(urls, headers, limits),
      exceeded,
      refuse: (error) => {
        refused.push(error);
      },
      refused,
      install: (table) => {
        this.#toolTables.add(table);
        table.guard = (target, _owner, peer) =>
          judge(`${target.address} port ${target.port}`, () => {
            if (peer) {
              if (target.address !== peer.address) return `a datagram socket talks with one host (${peer.address})`;
              return peer.ports.has(target.port) ? undefined : `port ${target.port}: no datagram came from it`;
            }
            const byAddress = policy.checkAddress(target.address, target.port);
            if (byAddress !== undefined) return byAddress;
            if (!named.has(key(target.address))) {
              const byName = policy.checkHost(target.address);
              if (byName !== undefined) return `${byName} (no allowed name resolved to it)`;
            }
            const open = table.entries().filter((e) => e instanceof TcpSocket).length;
            return open > limits.maxConnections ? `maxConnections ${limits.maxConnections}` : undefined;
          });
        table.onTraffic = (_owner, bytesIn, bytesOut, socket) => {
          traffic.in += bytesIn;
          traffic.out += bytesOut;
          this.#bytesIn += bytesIn;
          const over =
            traffic.in > limits.maxWireBytesIn
              ? new LimitExceeded('maxWireBytesIn', limits.maxWireBytesIn)
              : traffic.out > limits.maxWireBytesOut
                ? new LimitExceeded('maxWireBytesOut', limits.maxWireBytesOut)
                : this.#bytesIn > limits.maxSandboxBytesIn
                  ? new LimitExceeded('maxSandboxBytesIn', limits.maxSandboxBytesIn)
                  : undefined;
          if (!over) return;
          if (!refused.some((e) => e instanceof LimitExceeded && e.limit === over.limit)) refused.push(over);
          socket.fail(ERRNO.CONNABORTED);
        };
        return {
          hostGuard: (hostname) => judge(hostname, () => policy.checkHost(hostname)) === undefined,
          // what an allowed name resolved to: the addresses it may connect to by that name
          lookup: (hostname, options, callback) =>
            lookup(hostname, options, (err, addresses) => {
              if (!err) for (const a of addresses ?? []) named.add(key(a.address));
              callback(err, addresses);
            }),
        };
      },
      release: (table) => {
        this.#toolTables.delete(table);
      },
      timedOut: () => {
        refused.push(new LimitExceeded('timeoutMs', limits.timeoutMs));
      },
    };
  }
}
