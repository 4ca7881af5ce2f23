// SPDX-License-Identifier: MIT
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { EASY_OPTIONS, EASY_OPTION_ALIASES, MULTI_OPTIONS, type OptionSpec } from '../ts/curl/generated/options.js';
import { INFOS, INFO_ALIASES } from '../ts/curl/generated/infos.js';
import { CURLE, CURLM, CURLSHE, CURLUE, curlCodeName, curlMultiCodeName } from '../ts/curl/generated/codes.js';
import {
  CALLBACK_RETURNS,
  CURLAUTH,
  CURLOT,
  CURLPAUSE,
  CURLPROTO,
  CURL_CSELECT,
  CURL_INFOTYPE,
  CURL_POLL,
  CURL_SOCKET,
  CURL_SSLVERSION,
  CURL_VERSION,
} from '../ts/curl/generated/enums.js';
import { EASY_OPTION_CAMEL, INFO_CAMEL } from '../ts/curl/generated/names.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATED_DIR = 'ts/curl/generated';

// The generator is plain .mjs without type declarations; a non-literal
// specifier keeps tsc from demanding them while vitest still loads it.
async function generate(): Promise<Record<string, string>> {
  const mod = (await import('../scripts/gen-tables.mjs' as string)) as { generate(): Record<string, string> };
  return mod.generate();
}

function curlHeader(name: string): string {
  const tarball = join(ROOT, 'curl-src', 'curl_8.14.1.orig.tar.gz');
  return execFileSync('tar', ['-xzOf', tarball, `curl-8.14.1/include/curl/${name}`], { encoding: 'utf8' });
}

describe('generated tables', () => {
  it('match a fresh run of scripts/gen-tables.mjs byte for byte', async () => {
    const files = await generate();
    expect(Object.keys(files).sort()).toEqual(
      readdirSync(join(ROOT, GENERATED_DIR))
        .map((f) => `${GENERATED_DIR}/${f}`)
        .sort(),
    );
    for (const [file, content] of Object.entries(files)) {
      expect(readFileSync(join(ROOT, file), 'utf8'), `${file} is stale: run npm run gen`).toBe(content);
    }
  });

  it('have the option ids and types curl.h defines', () => {
    expect(EASY_OPTIONS.URL).toEqual({ id: 10002, type: 'string' });
    expect(EASY_OPTIONS.POSTFIELDSIZE_LARGE).toEqual({ id: 30120, type: 'off_t' });
    expect(EASY_OPTIONS.HTTPHEADER).toEqual({ id: 10023, type: 'slist' });
    expect(EASY_OPTIONS.CAINFO_BLOB).toEqual({ id: 40309, type: 'blob' });
    expect(EASY_OPTIONS.WRITEFUNCTION).toEqual({ id: 20011, type: 'functionpoint' });
    expect(EASY_OPTIONS.WRITEDATA).toEqual({ id: 10001, type: 'cbptr' });
    expect(EASY_OPTIONS.POSTFIELDS).toEqual({ id: 10015, type: 'objectpoint' });
    expect(EASY_OPTIONS.HTTP_VERSION).toEqual({ id: 84, type: 'values' });
    expect(EASY_OPTIONS.FOLLOWLOCATION).toEqual({ id: 52, type: 'long' });
    expect(EASY_OPTIONS.PUT).toEqual({ id: 54, type: 'long', deprecated: true });
    expect(EASY_OPTIONS.SSL_SIGNATURE_ALGORITHMS).toEqual({ id: 10328, type: 'string' });
    expect('LASTENTRY' in EASY_OPTIONS).toBe(false);
    expect('ENCODING' in EASY_OPTIONS).toBe(false);
    expect(EASY_OPTION_ALIASES.ENCODING).toBe('ACCEPT_ENCODING');
    expect(EASY_OPTION_ALIASES.RTSPHEADER).toBe('HTTPHEADER');
    expect('WRITEINFO' in EASY_OPTION_ALIASES).toBe(false); // points at a 9999 placeholder
    const current = Object.values<OptionSpec>(EASY_OPTIONS).filter((o) => !o.deprecated);
    expect(current.length).toBeGreaterThan(250);
    expect(new Set(Object.values(EASY_OPTIONS).map((o) => o.id)).size).toBe(Object.keys(EASY_OPTIONS).length);
    expect(MULTI_OPTIONS.SOCKETFUNCTION).toEqual({ id: 20001, type: 'functionpoint' });
    expect(MULTI_OPTIONS.MAXCONNECTS).toEqual({ id: 6, type: 'long' });
    expect(MULTI_OPTIONS.CHUNK_LENGTH_PENALTY_SIZE).toEqual({ id: 30010, type: 'off_t' });
  });

  it('have the info ids and types curl.h defines', () => {
    expect(INFOS.EFFECTIVE_URL).toEqual({ id: 0x100001, type: 'string' });
    expect(INFOS.RESPONSE_CODE).toEqual({ id: 0x200002, type: 'long' });
    expect(INFOS.TOTAL_TIME).toEqual({ id: 0x300003, type: 'double' });
    expect(INFOS.TOTAL_TIME_T).toEqual({ id: 0x600032, type: 'off_t' });
    expect(INFOS.CERTINFO).toEqual({ id: 0x400022, type: 'ptr' });
    expect(INFOS.COOKIELIST).toEqual({ id: 0x40001c, type: 'slist' });
    expect(INFOS.ACTIVESOCKET).toEqual({ id: 0x50002c, type: 'socket' });
    expect(INFOS.SIZE_DOWNLOAD).toEqual({ id: 0x300008, type: 'double', deprecated: true });
    expect('NONE' in INFOS || 'LASTONE' in INFOS || 'TEXT' in INFOS).toBe(false);
    expect(INFO_ALIASES.HTTP_CODE).toBe('RESPONSE_CODE');
  });

  it('number result codes as the C compiler does', () => {
    expect(CURLE.CURLE_OK).toBe(0);
    expect(CURLE.CURLE_COULDNT_RESOLVE_HOST).toBe(6);
    expect(CURLE.CURLE_OBSOLETE20).toBe(20);
    expect(CURLE.CURLE_PEER_FAILED_VERIFICATION).toBe(60);
    expect(CURLE.CURLE_SSL_CACERT_BADFILE).toBe(77);
    expect(CURLE.CURLE_ECH_REQUIRED).toBe(101);
    expect(CURLE.CURLE_RESERVED115).toBe(115);
    expect('CURL_LAST' in CURLE).toBe(false);
    expect(CURLM.CURLM_CALL_MULTI_PERFORM).toBe(-1);
    expect(CURLM.CURLM_OK).toBe(0);
    expect(CURLM.CURLM_UNRECOVERABLE_POLL).toBe(12);
    expect(CURLSHE.CURLSHE_NOT_BUILT_IN).toBe(5);
    expect(CURLUE.CURLUE_TOO_LARGE).toBe(31);
    expect(curlCodeName(6)).toBe('CURLE_COULDNT_RESOLVE_HOST');
    expect(curlCodeName(102)).toBeUndefined();
    expect(curlMultiCodeName(-1)).toBe('CURLM_CALL_MULTI_PERFORM');
  });

  // curl.h and urlapi.h annotate most members with their number in a
  // comment ("CURLE_X, /* 42 */"): an oracle independent of the evaluator.
  it('agree with the numbers in curl.h and urlapi.h comments', () => {
    const check = (src: string, prefix: string, table: Record<string, number>) => {
      let seen = 0;
      for (const m of src.matchAll(new RegExp(`^\\s+(${prefix}\\w+)(?:,\\s*/\\*\\s*(\\d+)\\b| = (\\d+))`, 'gm'))) {
        expect(table[m[1]!], m[1]).toBe(Number(m[2] ?? m[3]));
        seen++;
      }
      return seen;
    };
    expect(check(curlHeader('curl.h'), 'CURLE_', CURLE)).toBeGreaterThan(90);
    expect(check(curlHeader('urlapi.h'), 'CURLUE_', CURLUE)).toBe(31);
  });

  it('evaluate constant expressions with wasm32 widths', () => {
    expect(CURLPAUSE.CURLPAUSE_CONT).toBe(0);
    expect(CURLPAUSE.CURLPAUSE_ALL).toBe(5);
    expect(CURL_CSELECT.CURL_CSELECT_IN).toBe(1);
    expect(CURL_POLL.CURL_POLL_REMOVE).toBe(4);
    expect(CURL_SOCKET.CURL_SOCKET_TIMEOUT).toBe(-1);
    expect(CALLBACK_RETURNS.CURL_WRITEFUNC_PAUSE).toBe(0x10000001);
    expect(CALLBACK_RETURNS.CURL_WRITEFUNC_ERROR).toBe(0xffffffff);
    expect(CALLBACK_RETURNS.CURL_READFUNC_ABORT).toBe(0x10000000);
    expect(CURLAUTH.CURLAUTH_ANY).toBe(0xffffffef); // ~CURLAUTH_DIGEST_IE as 32-bit unsigned long
    expect(CURLAUTH.CURLAUTH_ANYSAFE).toBe(0xffffffee);
    expect(CURLAUTH.CURLAUTH_ONLY).toBe(0x80000000);
    expect(CURLPROTO.CURLPROTO_ALL).toBe(-1); // (~0) is a signed int
    expect(CURLPROTO.CURLPROTO_GOPHERS).toBe(1 << 29);
    expect(CURL_SSLVERSION.CURL_SSLVERSION_MAX_TLSv1_3).toBe(7 << 16);
    expect(CURL_VERSION.CURL_VERSION_THREADSAFE).toBe(1 << 30);
    expect(CURL_INFOTYPE.CURLINFO_SSL_DATA_OUT).toBe(6);
    expect('CURLINFO_END' in CURL_INFOTYPE).toBe(false);
    expect(CURLOT.CURLOT_FUNCTION).toBe(8);
    expect(CURLOT.CURLOT_FLAG_ALIAS).toBe(1);
  });

  it('derive camelCase names mechanically, one per key', () => {
    expect(EASY_OPTION_CAMEL.url).toBe('URL');
    expect(EASY_OPTION_CAMEL.followlocation).toBe('FOLLOWLOCATION');
    expect(EASY_OPTION_CAMEL.sslVerifypeer).toBe('SSL_VERIFYPEER');
    expect(EASY_OPTION_CAMEL.tls13Ciphers).toBe('TLS13_CIPHERS');
    expect(INFO_CAMEL.responseCode).toBe('RESPONSE_CODE');
    expect(Object.values(EASY_OPTION_CAMEL).sort()).toEqual(Object.keys(EASY_OPTIONS).sort());
    expect(Object.values(INFO_CAMEL).sort()).toEqual(Object.keys(INFOS).sort());
  });
});
