// SPDX-License-Identifier: MIT
// Network policy for sandboxed transfers, enforced at the socket bridge:
// host names are checked when curl asks to resolve them, addresses and
// ports on every connect, on the address actually connected (so DNS
// rebinding, redirects, proxies and each happy-eyeballs attempt all pass
// through it).
import { isIP } from 'node:net';
import { LibcurlWasmError, registerError } from './errors.js';
import { ipToBytes } from './sockaddr.js';

export interface NetworkPolicyOptions {
  /** Host names that may be resolved: exact, or '*.example.org' for subdomains. Default: any. */
  allowHosts?: readonly string[];
  /** Host names that may never be resolved (wins over allowHosts). */
  denyHosts?: readonly string[];
  /** Addresses that may be connected to, as CIDRs ('203.0.113.0/24', '2001:db8::/32') or single IPs. Default: any. */
  allowAddresses?: readonly string[];
  /** Addresses never connected to (wins over allowAddresses). */
  denyAddresses?: readonly string[];
  /** Ports that may be connected to. Default: any. */
  allowPorts?: readonly number[];
  /** 'public': only public unicast addresses (no loopback, private, link-local, CGNAT, multicast, ULA, reserved). */
  preset?: 'public';
}

/** Why a connect or a lookup was refused: the rule that refused it. */
export class PolicyDenied extends LibcurlWasmError {
  declare readonly code: 'ERR_SANDBOX_POLICY';
  constructor(readonly rule: string, readonly target: string) {
    super('ERR_SANDBOX_POLICY', `sandbox policy denied ${target}: ${rule}`);
  }
}
registerError(PolicyDenied, 'PolicyDenied');

interface Cidr {
  text: string;
  bytes: Uint8Array;
  bits: number;
}

function parseCidr(text: string): Cidr {
  const [ip = '', len] = text.split('/');
  const v = isIP(ip);
  if (!v) throw new TypeError(`not an IP address or CIDR: "${text}"`);
  const bytes = ipToBytes(ip);
  const bits = len === undefined ? bytes.length * 8 : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) throw new TypeError(`bad prefix length in "${text}"`);
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

/** Not public unicast: what the 'public' preset refuses (IANA special-purpose registries). */
const NON_PUBLIC = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8', '2001:db8::/32', '100::/64',
].map(parseCidr);

/** IPv6 forms that carry an IPv4 address: judge the embedded one. */
function embeddedV4(b: Uint8Array): Uint8Array | undefined {
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.subarray(12); // ::ffff:a.b.c.d
  if (zero(0, 12)) return b.subarray(12); // ::a.b.c.d (IPv4-compatible)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return b.subarray(12); // 64:ff9b::/96 NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return b.subarray(2, 6); // 2002::/16 6to4
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return b.subarray(12).map((x) => x ^ 0xff); // Teredo client
  return undefined;
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
}

export class NetworkPolicy {
  readonly #o: NetworkPolicyOptions;
  readonly #allow: Cidr[] | undefined;
  readonly #deny: Cidr[];

  constructor(options: NetworkPolicyOptions = {}) {
    this.#o = options;
    this.#allow = options.allowAddresses?.map(parseCidr);
    this.#deny = (options.denyAddresses ?? []).map(parseCidr);
  }

  /** The rule refusing a lookup of `hostname`, or undefined. */
  checkHost(hostname: string): string | undefined {
    const { allowHosts, denyHosts } = this.#o;
    const denied = denyHosts?.find((p) => hostMatches(p, hostname));
    if (denied) return `denyHosts ${denied}`;
    if (allowHosts && !allowHosts.some((p) => hostMatches(p, hostname))) return 'not in allowHosts';
    return undefined;
  }

  /** Whether host names are allow-listed (then every connect must come from an allowed name). */
  get restrictsHosts(): boolean {
    return this.#o.allowHosts !== undefined;
  }

  /** The rule refusing a connect to address:port, or undefined. */
  checkAddress(address: string, port: number): string | undefined {
    const bytes = ipToBytes(address);
    const candidates = [bytes];
    const v4 = bytes.length === 16 ? embeddedV4(bytes) : undefined;
    if (v4) candidates.push(v4);
    if (this.#o.allowPorts && !this.#o.allowPorts.includes(port)) return `port ${port} not in allowPorts`;
    for (const b of candidates) {
      const denied = this.#deny.find((c) => inCidr(b, c));
      if (denied) return `denyAddresses ${denied.text}`;
      if (this.#o.preset === 'public') {
        const special = NON_PUBLIC.find((c) => inCidr(b, c));
        if (special) return `preset public: ${special.text} is not public unicast`;
      }
    }
    if (this.#allow && !candidates.some((b) => this.#allow!.some((c) => inCidr(b, c)))) return 'not in allowAddresses';
    return undefined;
  }
}
