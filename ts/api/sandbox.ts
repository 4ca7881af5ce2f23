// SPDX-License-Identifier: MIT
// Sandbox: transfers for URLs nobody vetted (webhooks, link previews,
// crawlers, agents). Each sandbox owns a wasm instance of its own: its own
// memory (capped), its own sockets, no filesystem and no environment. The
// network policy is enforced at the socket bridge on every lookup and on the
// address actually connected; limits cap time, bytes, heads, redirects,
// connections and memory.
import { ERRNO } from '../host/errno.js';
import { NetworkPolicy, PolicyDenied, type NetworkPolicyOptions } from '../host/policy.js';
import { Runtime } from '../host/runtime.js';
import type { LookupFunction } from '../host/dns.js';
import type { TcpSocket } from '../host/sockets.js';
import { fetchOn, type CurlRequestInit } from './fetch.js';
import { requestOn, type CurlResponse, type RequestOptions } from './request.js';
import { Session } from './session.js';
import { LimitExceeded } from './transfer.js';
import type { OptionValue } from '../curl/easy.js';
import type { CurlOptions } from '../curl/option-types.js';
import { easyOption } from '../curl/names.js';

const NO_PROXIES = new Set(['PROXY', 'PRE_PROXY']);

/** Drops entries of transfers whose handles are gone (ids are never reused). */
function prune<V>(map: Map<number, V>, live: Map<number, unknown>): void {
  if (map.size > 256) for (const id of map.keys()) if (!live.has(id)) map.delete(id);
}

export interface SandboxLimits {
  /** Whole-transfer wall time (default 30 s). */
  timeoutMs?: number;
  /** Decoded response body bytes per transfer (default 10 MiB). */
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
};

export class Sandbox {
  readonly runtime: Runtime;
  readonly policy: NetworkPolicy;
  readonly limits: Readonly<Required<SandboxLimits>>;
  readonly #session: Session;
  /** Wire bytes per transfer (easy handle id). */
  readonly #traffic = new Map<number, { in: number; out: number }>();

  #bytesIn = 0;
  #destroyed = false;
  readonly #protocols: string;

  private constructor(runtime: Runtime, options: SandboxOptions) {
    this.runtime = runtime;
    this.policy = new NetworkPolicy(options.policy ?? { preset: 'public' });
    const limits = (this.limits = { ...DEFAULTS, ...options.limits });
    const protocols = (this.#protocols = (options.protocols ?? ['http', 'https']).join(','));
    this.#session = new Session({
      runtime,
      ca: options.ca,
      headers: options.headers,
      maxConnections: limits.maxConnections,
      timeoutMs: limits.timeoutMs,
      curl: { PROTOCOLS_STR: protocols, REDIR_PROTOCOLS_STR: protocols, MAXREDIRS: limits.maxRedirects },
    });
    const { relays, sockets, bridge } = runtime;
    bridge.hostGuard = (hostname, owner) => {
      const rule = this.#destroyed ? 'the sandbox is destroyed' : this.policy.checkHost(hostname);
      if (rule !== undefined) relays.easy.get(owner)?.fail(new PolicyDenied(rule, hostname));
      return rule === undefined;
    };
    sockets.guard = (target, owner) => {
      const rule = this.#destroyed ? 'the sandbox is destroyed' : this.policy.checkAddress(target.address, target.port)
        ?? this.#hostRule(owner);
      if (rule !== undefined) relays.easy.get(owner)?.fail(new PolicyDenied(rule, `${target.address} port ${target.port}`));
      return rule;
    };
    sockets.onTraffic = (owner, bytesIn, bytesOut, socket) => this.#account(owner, bytesIn, bytesOut, socket);
  }

  /** A sandbox with its own wasm instance. */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const maxMemoryBytes = options.limits?.maxMemoryBytes ?? DEFAULTS.maxMemoryBytes;
    const runtime = await Runtime.create({ lookup: options.lookup, memoryLimit: maxMemoryBytes });
    return new Sandbox(runtime, options);
  }

  /**
   * With allowHosts, the host of the URL being connected for must be allowed:
   * an IP-literal URL, first or after a redirect, does no lookup to judge.
   */
  #hostRule(owner: number): string | undefined {
    if (!this.policy.restrictsHosts) return undefined;
    const url = this.runtime.relays.easy.get(owner)?.effectiveUrl();
    if (!url) return 'not in allowHosts';
    return this.policy.checkHost(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  }

  #account(owner: number, bytesIn: number, bytesOut: number, socket: TcpSocket): void {
    let t = this.#traffic.get(owner);
    if (!t) {
      prune(this.#traffic, this.runtime.relays.easy);
      this.#traffic.set(owner, (t = { in: 0, out: 0 }));
    }
    t.in += bytesIn;
    t.out += bytesOut;
    this.#bytesIn += bytesIn;
    const over = t.in > this.limits.maxWireBytesIn ? new LimitExceeded('maxWireBytesIn', this.limits.maxWireBytesIn)
      : t.out > this.limits.maxWireBytesOut ? new LimitExceeded('maxWireBytesOut', this.limits.maxWireBytesOut)
      : this.#bytesIn > this.limits.maxSandboxBytesIn ? new LimitExceeded('maxSandboxBytesIn', this.limits.maxSandboxBytesIn)
      : undefined;
    if (!over) return;
    this.runtime.relays.easy.get(owner)?.fail(over);
    socket.fail(ERRNO.CONNABORTED);
  }

  /** Per-request options may tighten the sandbox, never loosen it. */
  #options<T extends { curl?: CurlOptions; timeoutMs?: number; maxRedirects?: number }>(o: T): T & { limits: { maxBodyBytes: number; maxHeaderBytes: number }; enforced: Record<string, OptionValue> } {
    if (this.#destroyed) throw new TypeError('this Sandbox is destroyed');
    for (const name of Object.keys(o.curl ?? {})) {
      // the bridge would see only the proxy's address, never the target's
      if (NO_PROXIES.has(easyOption(name)[0])) throw new TypeError(`curl option ${name} is refused in a Sandbox: through a proxy the policy could not judge the target`);
    }
    const { limits } = this;
    const asked = (v: unknown) => (typeof v === 'number' && v > 0 ? v : Infinity);
    const timeoutMs = Math.min(asked(o.timeoutMs), asked(o.curl?.TIMEOUT_MS), limits.timeoutMs);
    const maxRedirects = Math.min(o.maxRedirects ?? Infinity, asked(o.curl?.MAXREDIRS), limits.maxRedirects);
    return {
      ...o,
      timeoutMs,
      maxRedirects,
      limits: { maxBodyBytes: limits.maxBodyBytes, maxHeaderBytes: limits.maxHeaderBytes },
      enforced: {
        PROTOCOLS_STR: this.#protocols,
        REDIR_PROTOCOLS_STR: this.#protocols,
        MAXREDIRS: maxRedirects,
        TIMEOUT_MS: timeoutMs,
        // no proxy from the environment either (the built-in WASI has none; belt and braces)
        PROXY: '',
        PRE_PROXY: '',
      },
    };
  }

  /** fetch() inside the sandbox. */
  async fetch(input: string | URL | Request, init: CurlRequestInit = {}): Promise<Response> {
    return fetchOn(this.#session, input, this.#options(init));
  }

  /** request() inside the sandbox. */
  async request(url: string | URL, options: RequestOptions = {}): Promise<CurlResponse> {
    return requestOn(this.#session, url, this.#options(options));
  }

  /** Stops every transfer, closes every socket; the instance is dropped. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await this.#session.close();
    this.runtime.sockets.closeAll();
  }
}
