// SPDX-License-Identifier: MIT
// Host names as the resolver sees them. The sandbox judges a name only in
// this form and hands the resolver exactly this form, so what the rules
// compare and what gets resolved can never differ: UTS #46 mapping (IDNA,
// as node's dns.lookup applies it: fullwidth letters, circled letters, soft
// hyphens and other ignorable code points map to plain ASCII), lower case,
// one trailing dot dropped.
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/** Bytes no host name curl resolves may hold: URL delimiters, controls, spaces, '%'. */
const NOT_IN_A_NAME = /[\0-\x20\x7f%/\\@?#:<>[\]^|"`{}]/u;
const MAX_NAME = 253;

/**
 * `name` (a host name or an IP literal, brackets and IPv6 zone allowed) in
 * the form the resolver sees, or undefined when it is not a valid host name.
 */
export function resolverName(name: string): string | undefined {
  let n = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (n.includes(':')) {
    n = n.replace(/%.*$/s, ''); // the zone names an interface, not a host
    return isIP(n) === 6 ? n.toLowerCase() : undefined;
  }
  if (n === '' || NOT_IN_A_NAME.test(n)) return undefined;
  const ascii = domainToASCII(n);
  if (ascii === '') return undefined;
  const bare = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (bare === '' || bare.length > MAX_NAME || bare.split('.').some((label) => label === '' || label.length > 63)) return undefined;
  return bare;
}
