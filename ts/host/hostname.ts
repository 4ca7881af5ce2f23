// SPDX-License-Identifier: MIT
// Host names as the resolver sees them, on curl's IDN conversion (./idna.ts,
// its USE_HOST_IDN backend, curl-src/patches/0008-host-idn.patch). curl converts
// a non-ASCII name with idnToAscii() before it resolves, connects or sends
// it; the sandbox judges every name in resolverName()'s form, which is built
// on the same mapping, and hands the resolver exactly that form: what the
// rules compare, what curl sends and what gets resolved can never differ.
// The mapping is UTS #46 as node:url's domainToASCII applies it (fullwidth
// letters, circled letters, soft hyphens and other ignorable code points map
// to plain ASCII), lower case; resolverName() also drops one trailing dot.
import { isIP } from 'node:net';
import { idnToAscii } from './idna.js';

export { idnToAscii, idnToUnicode } from './idna.js';

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
  const ascii = idnToAscii(n);
  return ascii?.endsWith('.') ? ascii.slice(0, -1) : ascii;
}
