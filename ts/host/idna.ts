// SPDX-License-Identifier: MIT
// curl's IDN conversion (its USE_HOST_IDN backend,
// curl-src/patches/0008-host-idn.patch) in UTS #46 as node:url's
// domainToASCII applies it. A module of its own, without node:net, so that
// curl-wasm's worker (../tool/worker.ts) can answer idn_convert itself;
// ./hostname.ts builds the resolver's (and the sandbox's) form on it.
import { domainToASCII, domainToUnicode } from 'node:url';

/** Bytes no host name curl resolves may hold: URL delimiters, controls, spaces, '%'. */
const NOT_IN_A_NAME = /[\0-\x20\x7f%/\\@?#:<>[\]^|"`{}]/u;
const MAX_NAME = 253;
const MAX_LABEL = 63;

/**
 * UTS #46 transitional processing differs from non-transitional only in the
 * four deviation characters (UTS #46 section 4.1): ß (and ẞ, which maps to
 * it) to "ss", final sigma to sigma, ZWJ and ZWNJ removed.
 */
const DEVIATIONS = /[\u00df\u1e9e\u03c2\u200c\u200d]/gu;
const TRANSITIONAL: Record<string, string> = { ß: 'ss', ẞ: 'ss', ς: 'σ', '\u200c': '', '\u200d': '' };

/** Each label at most 63 octets, the name at most 253 (one trailing dot aside), no empty label. */
function fitsDns(ascii: string): boolean {
  const bare = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  return bare !== '' && bare.length <= MAX_NAME && bare.split('.').every((l) => l !== '' && l.length <= MAX_LABEL);
}

/**
 * curl's Curl_idn_decode(): the ACE form of `name` (`bücher.example` →
 * `xn--bcher-kva.example`), or undefined when it cannot be converted (curl
 * then fails with CURLE_URL_MALFORMAT). As curl with libidn2 (IDN2_NFC_INPUT
 * | IDN2_NONTRANSITIONAL, then IDN2_TRANSITIONAL when that fails): NFC, UTS
 * #46 non-transitional mapping, and the transitional one as a fallback.
 * Differences from libidn2 (docs/idn.md): UTS #46 validity rather than
 * IDNA2008's (symbols such as U+2603 are accepted; hyphens in positions 3-4
 * and at either end of a label are not checked), and the WHATWG host rules of
 * domainToASCII (a name whose last label is numeric must be an IPv4 address,
 * which it then becomes: `０x7f.1` is 127.0.0.1).
 */
export function idnToAscii(name: string): string | undefined {
  if (name === '' || NOT_IN_A_NAME.test(name)) return undefined;
  const nfc = name.normalize('NFC');
  let ascii = domainToASCII(nfc);
  if (ascii === '') ascii = domainToASCII(nfc.replace(DEVIATIONS, (c) => TRANSITIONAL[c]!));
  return ascii !== '' && fitsDns(ascii) ? ascii : undefined;
}

/**
 * curl's Curl_idn_encode() (CURLU_PUNY2IDN): each `xn--` label of `name`
 * decoded to Unicode, the others kept as they are; undefined when a label is
 * not valid punycode of a valid label.
 */
export function idnToUnicode(name: string): string | undefined {
  if (name === '' || NOT_IN_A_NAME.test(name)) return undefined;
  const labels = name.split('.').map((label) => (/^xn--/iu.test(label) ? domainToUnicode(label) : label));
  return labels.every((label, i) => label !== '' || i === labels.length - 1) ? labels.join('.') : undefined;
}
