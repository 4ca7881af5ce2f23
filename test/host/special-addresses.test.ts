// SPDX-License-Identifier: MIT
// The 'public' preset's classifier against IANA's table, checked by property
// tests: the oracle is node's own BlockList (a second, independent matcher)
// built from the same table, with the registry's rule that the most
// specific block decides.
import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NetworkPolicy, notPublic } from '../../ts/host/policy.js';
import { ipToBytes } from '../../ts/host/sockaddr.js';
import { IPV6_GLOBAL_UNICAST, SPECIAL_IPV4, SPECIAL_IPV6, type SpecialBlock } from '../../ts/host/special-addresses.js';

function oracle(blocks: readonly SpecialBlock[], type: 'ipv4' | 'ipv6') {
  const lists = blocks.map((b) => {
    const [net, bits] = b.cidr.split('/') as [string, string];
    const list = new BlockList();
    list.addSubnet(net, Number(bits), type);
    return { bits: Number(bits), reachable: b.reachable, list };
  });
  return (address: string): boolean => {
    const hits = lists.filter((l) => l.list.check(address, type)).sort((a, b) => b.bits - a.bits);
    return hits.length === 0 || hits[0]!.reachable;
  };
}
const global6 = new BlockList();
global6.addSubnet(IPV6_GLOBAL_UNICAST.split('/')[0]!, 3, 'ipv6');
const public4 = oracle(SPECIAL_IPV4, 'ipv4');
const special6 = oracle(SPECIAL_IPV6, 'ipv6');
const public6 = (a: string) => global6.check(a, 'ipv6') && special6(a);

/** An address inside `cidr`, host bits drawn at random. */
function inside(cidr: string): fc.Arbitrary<string> {
  const [net, bits] = cidr.split('/') as [string, string];
  const base = ipToBytes(net);
  return fc.uint8Array({ minLength: base.length, maxLength: base.length }).map((rnd) => {
    const out = Uint8Array.from(base);
    for (let i = Number(bits); i < out.length * 8; i++) {
      const mask = 0x80 >> (i % 8);
      out[i >> 3] = (out[i >> 3]! & ~mask) | (rnd[i >> 3]! & mask);
    }
    if (out.length === 4) return out.join('.');
    return Array.from({ length: 8 }, (_, i) => ((out[2 * i]! << 8) | out[2 * i + 1]!).toString(16)).join(':');
  });
}

const v4 = fc.oneof(
  fc.ipV4(),
  fc.constantFrom(...SPECIAL_IPV4).chain((b) => inside(b.cidr)),
);
const v6 = fc.oneof(
  fc.ipV6(),
  inside('2000::/3'),
  fc.constantFrom(...SPECIAL_IPV6).chain((b) => inside(b.cidr)),
);

describe("the 'public' preset follows IANA's special-purpose registries", () => {
  it('IPv4: refused exactly when the most specific block is not globally reachable', () => {
    fc.assert(
      fc.property(v4, (a) => {
        expect(notPublic(ipToBytes(a)) === undefined).toBe(public4(a));
      }),
      { numRuns: 20_000 },
    );
  });

  it('IPv6: refused outside 2000::/3, and inside it as the table says', () => {
    fc.assert(
      fc.property(v6, (a) => {
        expect(notPublic(ipToBytes(a)) === undefined).toBe(public6(a));
      }),
      { numRuns: 20_000 },
    );
  });

  it('an IPv4-mapped address is judged as the IPv4 address it reaches', () => {
    const p = new NetworkPolicy();
    fc.assert(
      fc.property(v4, (a) => {
        expect(p.checkAddress(`::ffff:${a}`, 80) === undefined).toBe(public4(a));
      }),
      { numRuns: 5_000 },
    );
  });

  it('the blocks the issue names are refused', () => {
    const p = new NetworkPolicy();
    for (const a of [
      '64:ff9b:1::1',
      '64:ff9b::a00:1',
      '2001:2::1',
      '2001:10::1',
      '3fff::1',
      '5f00::1',
      '::ffff:0:a00:1',
      '2002:a00:1::',
      '2001:0:4136:e378:8000:63bf:f5ff:fffe',
      'fe80::1',
      'ff02::1',
      '::',
      '::1',
    ]) {
      expect(p.checkAddress(a, 443), a).toMatch(/^preset public: /);
    }
    for (const a of ['2606:4700::1111', '2001:4860:4860::8888', '2001:1::1', '192.0.0.9', '8.8.8.8']) {
      expect(p.checkAddress(a, 443), a).toBeUndefined();
    }
  });
});

describe('address lists', () => {
  it('a deny entry written IPv4-mapped covers the plain IPv4 form (and the reverse)', () => {
    const p = new NetworkPolicy({ preset: 'none', denyAddresses: ['::ffff:10.0.0.0/104', '::ffff:192.0.2.1'] });
    fc.assert(
      fc.property(inside('10.0.0.0/8'), (a) => {
        expect(p.checkAddress(a, 80)).toMatch(/^denyAddresses /);
        expect(p.checkAddress(`::ffff:${a}`, 80)).toMatch(/^denyAddresses /);
      }),
    );
    expect(p.checkAddress('192.0.2.1', 80)).toBe('denyAddresses ::ffff:192.0.2.1');
    expect(p.checkAddress('192.0.2.2', 80)).toBeUndefined();
    const plain = new NetworkPolicy({ preset: 'none', denyAddresses: ['10.0.0.0/8'] });
    expect(plain.checkAddress('::ffff:10.1.2.3', 80)).toBe('denyAddresses 10.0.0.0/8');
  });

  it('a deny entry covers the tunnelled forms of its IPv4 addresses (compatible, NAT64, 6to4, Teredo)', () => {
    const p = new NetworkPolicy({ preset: 'none', denyAddresses: ['10.0.0.1'] });
    // Teredo carries the client's IPv4 address in the last 32 bits, inverted: ~0a000001 = f5ff:fffe
    for (const a of ['::10.0.0.1', '64:ff9b::a00:1', '64:ff9b:1::a00:1', '2002:a00:1::', '2001:0:4136:e378:8000:63bf:f5ff:fffe']) {
      expect(p.checkAddress(a, 80), a).toBe('denyAddresses 10.0.0.1');
    }
    expect(p.checkAddress('2002:a00:2::', 80)).toBeUndefined();
  });

  // regression: the local-use 64:ff9b:1::/48 was read as a /96 (the last 32 bits) only
  it('a deny entry covers 10.0.0.1 in each RFC 6052 layout of the local-use NAT64 prefix 64:ff9b:1::/48', () => {
    const p = new NetworkPolicy({ preset: 'none', denyAddresses: ['10.0.0.1'] });
    // /48: bits 48-63 and 72-87; /56: 56-63 and 72-95; /64: 72-103; /96: 96-127 (bits 64-71 are the u-octet)
    for (const a of ['64:ff9b:1:a00:0:100::', '64:ff9b:1:a:0:1::', '64:ff9b:1:0:a:0:100:0', '64:ff9b:1::a00:1', '64:ff9b:1:ffff:a:0:1ff:ffff']) {
      expect(p.checkAddress(a, 80), a).toBe('denyAddresses 10.0.0.1');
    }
    // the well-known prefix is /96 only: 10.0.0.1 in a /48 layout there is not 10.0.0.1
    expect(p.checkAddress('64:ff9b::a00:0:100:0:0', 80)).toBeUndefined();
    expect(p.checkAddress('64:ff9b:1:a00:0:200::', 80)).toBeUndefined();
  });

  it('an allow entry admits the address itself, never a 6to4 or Teredo form of it', () => {
    const p = new NetworkPolicy({ preset: 'none', allowAddresses: ['203.0.113.5'] });
    expect(p.checkAddress('203.0.113.5', 80)).toBeUndefined();
    expect(p.checkAddress('::ffff:203.0.113.5', 80)).toBeUndefined(); // the same IPv4 socket
    for (const a of ['2002:cb00:7105::1', '2001:0:4136:e378:8000:63bf:34ff:8efa', '64:ff9b::cb00:7105', '::203.0.113.5']) {
      expect(p.checkAddress(a, 80), a).toBe('not in allowAddresses');
    }
  });

  it('host names: trailing dots, empty labels and Unicode forms are judged as the resolver sees them', () => {
    const p = new NetworkPolicy({ preset: 'none', denyHosts: ['vm', '*.corp.test'] });
    for (const h of ['vm', 'VM', 'vm.', 'ｖｍ', 'v\u00adm', 'ⓥⓜ', 'a.corp.test', 'A.CORP.TEST.', 'a.ｃｏｒｐ.test'])
      expect(p.checkHost(h), h).toMatch(/^denyHosts /);
    for (const h of ['vm..', '.vm', 'a..corp.test', '', 'a b', 'vm%2e', 'good.test\\@vm'])
      expect(p.checkHost(h), JSON.stringify(h)).toBe('not a valid host name');
    expect(p.checkHost('corp.test')).toBeUndefined();
    expect(() => new NetworkPolicy({ denyHosts: ['a..b'] })).toThrow(TypeError);
    expect(() => new NetworkPolicy({ allowPorts: [0] })).toThrow(TypeError);
    expect(() => new NetworkPolicy({ denyAddresses: ['10.0.0.0/8/8'] })).toThrow(TypeError);
  });
});
