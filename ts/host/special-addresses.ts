// SPDX-License-Identifier: MIT
// The address blocks the sandbox's 'public' preset refuses, as IANA lists
// them. Sources (both registries as of their 2024/2025 revisions):
//   https://www.iana.org/assignments/iana-ipv4-special-registry/
//   https://www.iana.org/assignments/iana-ipv6-special-registry/
// plus the address-space registries for what the special ones leave out:
// IPv4 multicast (224.0.0.0/4) and, for IPv6, everything outside global
// unicast 2000::/3 (https://www.iana.org/assignments/ipv6-address-space/).
// `reachable` is the registry's "Globally Reachable" column; N/A (Teredo,
// 6to4, the 6to4 relay) counts as not reachable: those forms tunnel to an
// address the policy would have to judge on the far side of a relay.
// The most specific block containing an address decides.

export interface SpecialBlock {
  readonly cidr: string;
  readonly name: string;
  readonly reachable: boolean;
}

export const SPECIAL_IPV4: readonly SpecialBlock[] = [
  { cidr: '0.0.0.0/8', name: '"This network" (RFC 791)', reachable: false },
  { cidr: '0.0.0.0/32', name: '"This host on this network" (RFC 1122)', reachable: false },
  { cidr: '10.0.0.0/8', name: 'Private-Use (RFC 1918)', reachable: false },
  { cidr: '100.64.0.0/10', name: 'Shared Address Space (RFC 6598)', reachable: false },
  { cidr: '127.0.0.0/8', name: 'Loopback (RFC 1122)', reachable: false },
  { cidr: '169.254.0.0/16', name: 'Link Local (RFC 3927)', reachable: false },
  { cidr: '172.16.0.0/12', name: 'Private-Use (RFC 1918)', reachable: false },
  { cidr: '192.0.0.0/24', name: 'IETF Protocol Assignments (RFC 6890)', reachable: false },
  { cidr: '192.0.0.0/29', name: 'IPv4 Service Continuity Prefix (RFC 7335)', reachable: false },
  { cidr: '192.0.0.8/32', name: 'IPv4 dummy address (RFC 7600)', reachable: false },
  { cidr: '192.0.0.9/32', name: 'Port Control Protocol Anycast (RFC 7723)', reachable: true },
  { cidr: '192.0.0.10/32', name: 'Traversal Using Relays around NAT Anycast (RFC 8155)', reachable: true },
  { cidr: '192.0.0.170/32', name: 'NAT64/DNS64 Discovery (RFC 8880)', reachable: false },
  { cidr: '192.0.0.171/32', name: 'NAT64/DNS64 Discovery (RFC 8880)', reachable: false },
  { cidr: '192.0.2.0/24', name: 'Documentation (TEST-NET-1) (RFC 5737)', reachable: false },
  { cidr: '192.31.196.0/24', name: 'AS112-v4 (RFC 7535)', reachable: true },
  { cidr: '192.52.193.0/24', name: 'AMT (RFC 7450)', reachable: true },
  { cidr: '192.88.99.0/24', name: 'Deprecated (6to4 Relay Anycast) (RFC 7526)', reachable: false },
  { cidr: '192.168.0.0/16', name: 'Private-Use (RFC 1918)', reachable: false },
  { cidr: '192.175.48.0/24', name: 'Direct Delegation AS112 Service (RFC 7534)', reachable: true },
  { cidr: '198.18.0.0/15', name: 'Benchmarking (RFC 2544)', reachable: false },
  { cidr: '198.51.100.0/24', name: 'Documentation (TEST-NET-2) (RFC 5737)', reachable: false },
  { cidr: '203.0.113.0/24', name: 'Documentation (TEST-NET-3) (RFC 5737)', reachable: false },
  { cidr: '224.0.0.0/4', name: 'Multicast (RFC 5771)', reachable: false },
  { cidr: '240.0.0.0/4', name: 'Reserved (RFC 1112)', reachable: false },
  { cidr: '255.255.255.255/32', name: 'Limited Broadcast (RFC 919)', reachable: false },
];

/** Global unicast: an IPv6 address outside it is never public. */
export const IPV6_GLOBAL_UNICAST = '2000::/3';

/** Special blocks inside 2000::/3 (the rest of the registry lies outside it). */
export const SPECIAL_IPV6: readonly SpecialBlock[] = [
  { cidr: '2001::/23', name: 'IETF Protocol Assignments (RFC 2928)', reachable: false },
  { cidr: '2001::/32', name: 'TEREDO (RFC 4380)', reachable: false },
  { cidr: '2001:1::1/128', name: 'Port Control Protocol Anycast (RFC 7723)', reachable: true },
  { cidr: '2001:1::2/128', name: 'Traversal Using Relays around NAT Anycast (RFC 8155)', reachable: true },
  { cidr: '2001:1::3/128', name: 'DNS-SD Service Registration Protocol Anycast (RFC 9665)', reachable: true },
  { cidr: '2001:2::/48', name: 'Benchmarking (RFC 5180)', reachable: false },
  { cidr: '2001:3::/32', name: 'AMT (RFC 7450)', reachable: true },
  { cidr: '2001:4:112::/48', name: 'AS112-v6 (RFC 7535)', reachable: true },
  { cidr: '2001:10::/28', name: 'Deprecated (previously ORCHID) (RFC 4843)', reachable: false },
  { cidr: '2001:20::/28', name: 'ORCHIDv2 (RFC 7343)', reachable: true },
  { cidr: '2001:30::/28', name: 'Drone Remote ID Protocol Entity Tags (DETs) Prefix (RFC 9374)', reachable: true },
  { cidr: '2001:db8::/32', name: 'Documentation (RFC 3849)', reachable: false },
  { cidr: '2002::/16', name: '6to4 (RFC 3056)', reachable: false },
  { cidr: '2620:4f:8000::/48', name: 'Direct Delegation AS112 Service (RFC 7534)', reachable: true },
  { cidr: '3fff::/20', name: 'Documentation (RFC 9637)', reachable: false },
  { cidr: '5f00::/16', name: 'Segment Routing (SRv6) SIDs (RFC 9602)', reachable: false },
];
