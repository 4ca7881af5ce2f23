// SPDX-License-Identifier: MIT
// Network policy for sandboxed transfers, enforced at the socket bridge:
// host names when curl asks to resolve them and again on every connect (the
// name curl's own connection is for, so names curl answers itself, IP
// literals and DNS-cache hits are judged too), addresses and ports on the
// address actually connected (so DNS rebinding, redirects and each
// happy-eyeballs attempt all pass through it). Names are judged in the form
// the resolver sees (ts/host/hostname.ts).
import { isIP } from 'node:net';
import { LibcurlWasmError, registerError } from './errors.js';
import { resolverName } from './hostname.js';
import { ipToBytes } from './sockaddr.js';
import { IPV6_GLOBAL_UNICAST, SPECIAL_IPV4, SPECIAL_IPV6, type SpecialBlock } from './special-addresses.js';

export interface NetworkPolicyOptions {
  /** Host names that may be connected to: exact, or '*.example.org' for subdomains. Default: any. */
  allowHosts?: readonly string[];
  /** Host names that may never be resolved or connected to (wins over allowHosts). */
  denyHosts?: readonly string[];
  /** Addresses that may be connected to, as CIDRs ('203.0.113.0/24', '2001:db8::/32') or single IPs. Default: any. */
  allowAddresses?: readonly string[];
  /** Addresses never connected to (wins over allowAddresses and the preset). IPv4-mapped entries cover the plain IPv4 form. */
  denyAddresses?: readonly string[];
  /** Ports that may be connected to. Default: any. */
  allowPorts?: readonly number[];
  /**
   * 'public' (the default, also when lists are given): only globally
   * reachable unicast addresses, per IANA's special-purpose registries
   * (ts/host/special-addresses.ts); the lists narrow or add to it.
   * 'none': the lists alone decide.
   */
  preset?: 'public' | 'none';
}

/** Why a connect or a lookup was refused: the rule that refused it. */
export class PolicyDenied extends LibcurlWasmError {
  declare readonly code: 'ERR_SANDBOX_POLICY';
  constructor(
    readonly rule: string,
    readonly target: string,
  ) {
    super('ERR_SANDBOX_POLICY', `sandbox policy denied ${target}: ${rule}`);
  }
}
registerError(PolicyDenied, 'PolicyDenied');

interface Cidr {
  text: string;
  bytes: Uint8Array;
  bits: number;
}

function parseCidr(text: string, what: string): Cidr {
  if (typeof text !== 'string') throw new TypeError(`${what}: not an IP address or CIDR: ${String(text)}`);
  const [ip = '', len, extra] = text.split('/');
  if (extra !== undefined || !isIP(ip) || ip.includes('%')) throw new TypeError(`${what}: not an IP address or CIDR: "${text}"`);
  const bytes = ipToBytes(ip);
  const bits = len === undefined ? bytes.length * 8 : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= bytes.length * 8)) throw new TypeError(`${what}: bad prefix length in "${text}"`);
  // an IPv4-mapped entry means the IPv4 address (that is what a socket to it reaches)
  if (bytes.length === 16 && bits >= 96 && mappedV4(bytes)) return { text, bytes: bytes.subarray(12), bits: bits - 96 };
  return { text, bytes, bits };
}

function inCidr(addr: Uint8Array, c: Cidr): boolean {
  if (addr.length !== c.bytes.length) return false;
  for (let i = 0; i < c.bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((addr[i >> 3]! & mask) !== (c.bytes[i >> 3]! & mask)) return false;
  }
  return true;
}

const zero = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);

/** ::ffff:a.b.c.d: a socket to it talks IPv4 to a.b.c.d. */
function mappedV4(b: Uint8Array): Uint8Array | undefined {
  return zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff ? b.subarray(12) : undefined;
}

/** Where a /48, /56, /64 and /96 NAT64 prefix puts the IPv4 address's 4 bytes (RFC 6052 2.2; byte 8 is the u-octet). */
const NAT64_LOCAL_LAYOUTS = [
  [6, 7, 9, 10],
  [7, 9, 10, 11],
  [9, 10, 11, 12],
  [12, 13, 14, 15],
];

/** IPv4 addresses other IPv6 forms carry or tunnel to: a deny entry for the IPv4 address covers them. */
function tunnelledV4(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (zero(b, 0, 12)) out.push(b.subarray(12)); // ::a.b.c.d (IPv4-compatible)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    // NAT64 (RFC 6052 2.2): the well-known 64:ff9b::/96 ends in the IPv4 address; the
    // local-use 64:ff9b:1::/48 (RFC 8215) may hold a /48, /56, /64 or /96 prefix, which
    // place it around the u-octet (bits 64-71): the network's length is not known here,
    // so each layout's address counts
    if (b[4] === 0x00 && b[5] === 0x01) out.push(...NAT64_LOCAL_LAYOUTS.map((at) => Uint8Array.from(at, (i) => b[i]!)));
    else out.push(b.subarray(12));
  }
  if (b[0] === 0x20 && b[1] === 0x02) out.push(b.subarray(2, 6)); // 6to4 2002::/16
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) out.push(b.subarray(12).map((x) => x ^ 0xff)); // Teredo client
  return out;
}

const special = (blocks: readonly SpecialBlock[]) =>
  blocks.map((b) => ({ ...b, range: parseCidr(b.cidr, 'special-purpose table') })).sort((a, b) => b.range.bits - a.range.bits);
// built on the first judgement, not at import: parsing the ~60 blocks (net.isIP's
// first IPv6 call compiles its pattern) was ~5 ms of every process's start-up,
// sandboxed or not
let tables: { v4: ReturnType<typeof special>; v6: ReturnType<typeof special>; global6: Cidr } | undefined;
const specialTables = () =>
  (tables ??= { v4: special(SPECIAL_IPV4), v6: special(SPECIAL_IPV6), global6: parseCidr(IPV6_GLOBAL_UNICAST, 'special-purpose table') });

/**
 * Why `bytes` (4 or 16) is not a public unicast address, or undefined when
 * it is: the most specific special-purpose block decides.
 */
export function notPublic(bytes: Uint8Array): string | undefined {
  const t = specialTables();
  if (bytes.length === 16 && !inCidr(bytes, t.global6)) return `outside global unicast ${IPV6_GLOBAL_UNICAST}`;
  const block = (bytes.length === 4 ? t.v4 : t.v6).find((b) => inCidr(bytes, b.range));
  return block && !block.reachable ? `${block.cidr} ${block.name}` : undefined;
}

interface HostPattern {
  text: string;
  /** The normalised name, or the suffix '.example.org' of a '*.example.org' pattern. */
  match: string;
  wildcard: boolean;
}

function parseHostPattern(text: string, what: string): HostPattern {
  if (typeof text !== 'string') throw new TypeError(`${what}: not a host name: ${String(text)}`);
  const wildcard = text.startsWith('*.');
  const name = resolverName(wildcard ? text.slice(2) : text);
  if (name === undefined) throw new TypeError(`${what}: not a host name: "${text}"`);
  return { text, match: wildcard ? `.${name}` : name, wildcard };
}

function hostMatches(p: HostPattern, host: string): boolean {
  return p.wildcard ? host.endsWith(p.match) : host === p.match;
}

function list<T>(value: readonly T[] | undefined, what: string): readonly T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new TypeError(`${what} must be an array`);
  return value;
}

export class NetworkPolicy {
  readonly #public: boolean;
  readonly #allowHosts: HostPattern[] | undefined;
  readonly #denyHosts: HostPattern[];
  readonly #allow: Cidr[] | undefined;
  readonly #deny: Cidr[];
  readonly #ports: ReadonlySet<number> | undefined;

  constructor(options: NetworkPolicyOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('policy must be an object');
    const preset = options.preset ?? 'public';
    if (preset !== 'public' && preset !== 'none') throw new TypeError(`policy.preset must be 'public' or 'none', not ${JSON.stringify(preset)}`);
    this.#public = preset === 'public';
    this.#allowHosts = list(options.allowHosts, 'policy.allowHosts')?.map((h) => parseHostPattern(h, 'policy.allowHosts'));
    this.#denyHosts = (list(options.denyHosts, 'policy.denyHosts') ?? []).map((h) => parseHostPattern(h, 'policy.denyHosts'));
    this.#allow = list(options.allowAddresses, 'policy.allowAddresses')?.map((c) => parseCidr(c, 'policy.allowAddresses'));
    this.#deny = (list(options.denyAddresses, 'policy.denyAddresses') ?? []).map((c) => parseCidr(c, 'policy.denyAddresses'));
    const ports = list(options.allowPorts, 'policy.allowPorts');
    for (const p of ports ?? []) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new TypeError(`policy.allowPorts: not a port: ${String(p)}`);
    }
    this.#ports = ports && new Set(ports);
  }

  /** The rule refusing host name `hostname` (as curl has it), or undefined. */
  checkHost(hostname: string): string | undefined {
    const host = resolverName(hostname);
    if (host === undefined) return 'not a valid host name';
    const denied = this.#denyHosts.find((p) => hostMatches(p, host));
    if (denied) return `denyHosts ${denied.text}`;
    if (this.#allowHosts && !this.#allowHosts.some((p) => hostMatches(p, host))) return 'not in allowHosts';
    return undefined;
  }

  /** The rule refusing a connect to address:port, or undefined. */
  checkAddress(address: string, port: number): string | undefined {
    if (!isIP(address.split('%')[0]!)) return 'not an IP address';
    if (this.#ports && !this.#ports.has(port)) return `port ${port} not in allowPorts`;
    const raw = ipToBytes(address);
    const bytes = (raw.length === 16 && mappedV4(raw)) || raw;
    for (const b of [bytes, ...(bytes.length === 16 ? tunnelledV4(bytes) : [])]) {
      const denied = this.#deny.find((c) => inCidr(b, c));
      if (denied) return `denyAddresses ${denied.text}`;
    }
    if (this.#public) {
      const why = notPublic(bytes);
      if (why) return `preset public: ${why}`;
    }
    // the address itself, never a form that tunnels to it
    if (this.#allow && !this.#allow.some((c) => inCidr(bytes, c))) return 'not in allowAddresses';
    return undefined;
  }
}
