// SPDX-License-Identifier: MIT
// curl's IDN conversion and the sandbox's names share one mapping
// (ts/host/hostname.ts); these pin where it follows curl with libidn2 and
// where it differs (docs/idn.md).
import { describe, expect, it } from 'vitest';
import { idnToAscii, idnToUnicode, resolverName } from '../../ts/host/hostname.js';

describe('idnToAscii (curl Curl_idn_decode)', () => {
  it.each([
    ['bücher.example', 'xn--bcher-kva.example'],
    ['BÜCHER.example', 'xn--bcher-kva.example'],
    ['faß.de', 'xn--fa-hia.de'], // non-transitional, as IDN2_NONTRANSITIONAL
    ['a\u200db.de', 'ab.de'], // the joiner fails non-transitional; transitional drops it (libidn2 fallback)
    ['A\u030angström.se', 'xn--ngstrm-hua5l.se'], // NFC first (IDN2_NFC_INPUT)
    ['ｂüｃｈｅｒ.example', 'xn--bcher-kva.example'],
    ['ü.com.', 'xn--tda.com.'], // curl strips a trailing dot itself
    ['☃.net', 'xn--n3h.net'], // UTS #46 accepts it; libidn2 (IDNA2008) does not
    ['aא.test', 'xn--a-0hc.test'], // node:url checks no bidi rule (RFC 5893); libidn2 refuses it
  ])('%j → %j', (name, ace) => expect(idnToAscii(name)).toBe(ace));

  it.each([
    ['\u0301a.test', 'a leading combining mark'],
    ['\ufffd.test', 'a disallowed code point'],
    [`ü${'a'.repeat(62)}.test`, 'a label longer than 63 once encoded'],
    [`${'ü.'.repeat(50)}${'a'.repeat(60)}.test`, 'a name longer than 253 once encoded'],
    ['a..ü', 'an empty label'],
    ['b%C3%BC.de', "'%': domainToASCII would decode it, curl never does"],
    ['ü/x', 'a URL delimiter'],
    ['ü.1', 'a numeric last label that is no IPv4 address (WHATWG)'],
    ['', 'nothing'],
  ])('%j is refused (%s)', (name) => expect(idnToAscii(name)).toBeUndefined());
});

describe('idnToUnicode (curl Curl_idn_encode, CURLU_PUNY2IDN)', () => {
  it.each([
    ['xn--bcher-kva.example', 'bücher.example'],
    ['XN--BCHER-KVA.Example', 'bücher.Example'], // only xn-- labels change
    ['www.example.org', 'www.example.org'],
    ['xn--n3h.net.', '☃.net.'],
  ])('%j → %j', (name, text) => expect(idnToUnicode(name)).toBe(text));

  it.each(['xn--zz.test', 'a..b', 'xn--a-ecp.ru/x'])('%j is refused', (name) => expect(idnToUnicode(name)).toBeUndefined());
});

describe('resolverName uses the same mapping', () => {
  it.each(['bücher.example', 'BÜCHER.example.', 'xn--bcher-kva.example', 'XN--BCHER-KVA.EXAMPLE'])('%j', (name) =>
    expect(resolverName(name)).toBe('xn--bcher-kva.example'),
  );
  it('a name curl would refuse is no name to the sandbox either', () => {
    expect(resolverName('\u0301a.test')).toBeUndefined();
    expect(resolverName('a\u200db.test')).toBe('ab.test');
  });
});
