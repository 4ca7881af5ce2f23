// SPDX-License-Identifier: MIT
// The binding's surface against libcurl's own manual pages and sources, read
// from the pinned tarball (no hand-typed lists): every CURLOPT_*, CURLINFO_*
// and CURLMOPT_* page's SYNOPSIS gives the C type the binding must take or
// give; lib/strerror.c gives every code's text. Where curl answers (a value
// it refuses, an option this build lacks), the binding's answer is compared
// with the same call made on a raw handle of the same wasm. Then the
// documented behaviours of Easy, Multi and Share, on loopback servers.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CURLE,
  CURLM,
  CURLSHE,
  CURL_LOCK_DATA,
  CurlEasyError,
  CurlError,
  CurlMultiError,
  CurlShareError,
  EASY_OPTIONS,
  CURL_POLL,
  CURL_SOCKET,
  Easy,
  INFOS,
  MULTI_OPTIONS,
  Multi,
  SHARE_DATA,
  Share,
  SocketPoll,
  select,
  type CurlMsg,
  type OptionSpec,
} from '../../ts/index.js';
import { curlError } from '../../ts/curl/errors.js';
import { curlCodeName, curlMultiCodeName, curlShareCodeName } from '../../ts/curl/generated/codes.js';
import { BINDING_OWNED, CALLBACK_NAMES } from '../../ts/curl/easy-callbacks.js';
import { kPtr } from '../../ts/curl/symbols.js';
import { multiAndServer } from '../fixtures/per-file.js';
import { startHttpServer, startRawServer } from '../fixtures/servers.js';

const { rt, multi, server } = await multiAndServer(() => startHttpServer());
const { exports, heap } = rt;

const TARBALL = fileURLToPath(new URL('../../curl-src/curl_8.14.1.orig.tar.gz', import.meta.url));
const fromTarball = (...paths: string[]) =>
  execFileSync('tar', ['-xzOf', TARBALL, '--wildcards', ...paths.map((p) => `curl-8.14.1/${p}`)], { encoding: 'utf8', maxBuffer: 64 << 20 });

/**
 * Title -> the C type of the value in its SYNOPSIS (`long`, `char *`,
 * `curl_off_t *`, `callback`…), from every opts page. A bare name stands for
 * a callback the synopsis declares, a variable it declares, or (one page's
 * wording) a string.
 */
function synopses(fn: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const page of fromTarball('docs/libcurl/opts/CURL*.md').split(/^(?=---\nc: )/m)) {
    const title = page.match(/^Title: (\w+)$/m)?.[1];
    const synopsis = page.slice(page.indexOf('# SYNOPSIS'), page.indexOf('# DESCRIPTION'));
    const call = synopsis.match(new RegExp(`${fn}\\(\\w+ \\*\\w+,\\s*${title},\\s*([^;]*?)\\);`));
    if (!title || !call) continue;
    const arg = call[1]!.replace(/\s+/g, ' ').trim();
    if (/_callback( \*?\w*)?$/.test(arg) || (/^\w+$/.test(arg) && new RegExp(`\\b${arg}\\(`).test(synopsis))) out.set(title, 'callback');
    else if (/^\w+$/.test(arg))
      out.set(title, synopsis.match(new RegExp(`^([\\w ]+?\\s*\\**)\\s*${arg};`, 'm'))?.[1]?.trim() ?? (arg === 'string' ? 'char *' : arg));
    // the type is the argument without its parameter name ("long *codep")
    else out.set(title, arg.replace(/\s*\b\w+$/, '').trim());
  }
  return out;
}
const OPTION_TYPES = synopses('curl_easy_setopt');
const INFO_TYPES = synopses('curl_easy_getinfo');
const MULTI_TYPES = synopses('curl_multi_setopt');

/** One C argument type, as the binding must take it. */
type CClass = 'long' | 'off_t' | 'string' | 'slist' | 'blob' | 'callback' | 'void' | 'object';
function classOf(cType: string): CClass {
  if (cType === 'long') return 'long';
  if (cType === 'curl_off_t') return 'off_t';
  if (cType === 'char *') return 'string';
  if (cType === 'struct curl_slist *') return 'slist';
  if (cType === 'struct curl_blob *') return 'blob';
  if (cType === 'callback') return 'callback';
  if (cType === 'void *') return 'void';
  return 'object'; // CURL *, CURLSH *, CURLU *, FILE *, struct curl_httppost *, curl_mime *
}
/** The table types each C class may be generated as. */
const TABLE_TYPES: Record<CClass, readonly string[]> = {
  long: ['long', 'values'],
  off_t: ['off_t'],
  string: ['string', 'objectpoint'], // POSTFIELDS, COPYPOSTFIELDS, ERRORBUFFER are char * too
  slist: ['slist'],
  blob: ['blob'],
  callback: ['functionpoint'],
  void: ['cbptr', 'objectpoint'], // PRIVATE
  object: ['objectpoint'],
};

/** What a call of the binding came to: 'ok', a curl code, or the class of what it threw. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof CurlEasyError) {
      // curl's code with curl's own text for it (no error buffer is filled by setopt)
      expect(e.message).toBe(heap.cstring(exports.curl_easy_strerror(e.curlCode)));
      expect(e.code).toBe(curlCodeName(e.curlCode));
      return e.code;
    }
    return (e as Error).constructor.name;
  }
}

/** What curl itself answers on a fresh raw handle of the same wasm. */
function raw(set: (h: number) => number): string {
  const h = exports.curl_easy_init();
  try {
    const code = set(h);
    return code === 0 ? 'ok' : curlCodeName(code)!;
  } finally {
    exports.curl_easy_cleanup(h);
  }
}

function withCString<T>(s: string, f: (p: number) => T): T {
  const p = heap.allocCString(s);
  try {
    return f(p);
  } finally {
    heap.free(p);
  }
}

/** A fresh handle for one call; closed after. */
function onFresh(f: (easy: Easy) => unknown): string {
  const easy = new Easy(rt);
  try {
    return outcome(() => f(easy));
  } finally {
    easy.close();
  }
}

const OWNED = new Set<string>(BINDING_OWNED);
const optionEntries = Object.entries(EASY_OPTIONS as Record<string, OptionSpec>);

describe('CURLOPT_*: every option, with the C type of its manual page', () => {
  it('has a manual page for every option in the table, whose type the table agrees with', () => {
    const mismatched: string[] = [];
    for (const [name, spec] of optionEntries) {
      const cType = OPTION_TYPES.get(`CURLOPT_${name}`);
      if (!cType || !TABLE_TYPES[classOf(cType)].includes(spec.type)) mismatched.push(`${name}: ${cType} vs ${spec.type}`);
    }
    expect(mismatched).toEqual([]);
    expect(OPTION_TYPES.size).toBeGreaterThanOrEqual(optionEntries.length);
  });

  // each option: a value of its C type gets curl's own answer (what a raw
  // handle answers to the same value), a value of another type a TypeError
  // that never reaches curl
  const byClass = new Map<CClass, [string, OptionSpec][]>();
  for (const e of optionEntries) {
    const c = classOf(OPTION_TYPES.get(`CURLOPT_${e[0]}`) ?? 'void *');
    byClass.set(c, [...(byClass.get(c) ?? []), e]);
  }
  const diverging = (entries: [string, OptionSpec][], check: (name: string, spec: OptionSpec) => string | undefined) =>
    entries.map(([name, spec]) => check(name, spec)).filter((d): d is string => d !== undefined);

  it('long: an integer or a boolean as curl answers it; a string, a fraction or past 32 bits is a TypeError', () => {
    const entries = byClass.get('long')!;
    expect(entries.length).toBeGreaterThan(120);
    const found = diverging(entries, (name, { id }) => {
      for (const v of [0, 1, 2, -1]) {
        const mine = onFresh((e) => e.setOpt(name as never, v as never));
        const curl = raw((h) => exports.lcw_easy_setopt_long(h, id, v));
        if (mine !== curl) return `${name}=${v}: ${mine}, curl ${curl}`;
      }
      if (onFresh((e) => e.setOpt(name as never, true as never)) !== raw((h) => exports.lcw_easy_setopt_long(h, id, 1))) return `${name}=true`;
      for (const bad of ['1', 1.5, 2 ** 40, null, {}])
        if (onFresh((e) => e.setOpt(name as never, bad as never)) !== 'TypeError') return `${name}=${String(bad)}`;
      return undefined;
    });
    expect(found).toEqual([]);
  });

  it('curl_off_t: a number or a bigint as curl answers it; a string or past 64 bits is a TypeError', () => {
    const entries = byClass.get('off_t')!;
    const found = diverging(entries, (name, { id }) => {
      for (const v of [0, 5, -1]) {
        const curl = raw((h) => exports.lcw_easy_setopt_off(h, id, v >>> 0, v < 0 ? -1 : 0));
        if (onFresh((e) => e.setOpt(name as never, v as never)) !== curl) return `${name}=${v}`;
        if (onFresh((e) => e.setOpt(name as never, BigInt(v) as never)) !== curl) return `${name}=${v}n`;
      }
      for (const bad of ['1', 1.5, 1n << 64n, null]) if (onFresh((e) => e.setOpt(name as never, bad as never)) !== 'TypeError') return `${name}=${String(bad)}`;
      return undefined;
    });
    expect(found).toEqual([]);
  });

  it('char *: a string or null as curl answers it (PROTOCOLS_STR refuses "x", as in C); a number or a NUL byte is a TypeError', () => {
    const found = diverging(byClass.get('string')!, (name, spec) => {
      if (OWNED.has(name)) return onFresh((e) => e.setOpt(name as never, null as never)) === 'TypeError' ? undefined : `${name} is the binding's`;
      if (spec.type === 'objectpoint') {
        // POSTFIELDS and COPYPOSTFIELDS: the binding always hands curl a copy
        return onFresh((e) => e.setOpt(name as never, 'a=1' as never)) === 'ok' ? undefined : name;
      }
      const withX = withCString('x', (p) => raw((h) => exports.lcw_easy_setopt_ptr(h, spec.id, p)));
      const mineX = onFresh((e) => e.setOpt(name as never, 'x' as never));
      // SSLENGINE: refused before curl stores the name, with curl's code
      if (mineX !== withX && !(name === 'SSLENGINE' && mineX === 'CURLE_NOT_BUILT_IN')) return `${name}="x": ${mineX}, curl ${withX}`;
      if (onFresh((e) => e.setOpt(name as never, null as never)) !== raw((h) => exports.lcw_easy_setopt_ptr(h, spec.id, 0))) return `${name}=null`;
      for (const bad of [42, ['x'], 'a\0b']) if (onFresh((e) => e.setOpt(name as never, bad as never)) !== 'TypeError') return `${name}=${String(bad)}`;
      return undefined;
    });
    expect(found).toEqual([]);
  });

  it('struct curl_slist *: an array of strings or null; a string or a non-string item is a TypeError', () => {
    const found = diverging(byClass.get('slist')!, (name, { id }) => {
      if (onFresh((e) => e.setOpt(name as never, ['a: 1', 'b: 2'] as never)) !== 'ok') return `${name}=[…]`;
      if (onFresh((e) => e.setOpt(name as never, null as never)) !== raw((h) => exports.lcw_easy_setopt_ptr(h, id, 0))) return `${name}=null`;
      for (const bad of ['a: 1', [1], ['a\0']]) if (onFresh((e) => e.setOpt(name as never, bad as never)) !== 'TypeError') return `${name}=${String(bad)}`;
      return undefined;
    });
    expect(found).toEqual([]);
  });

  it('struct curl_blob *: bytes or a string as curl answers them (curl copies); a number or an array is a TypeError', () => {
    const found = diverging(byClass.get('blob')!, (name, { id }) => {
      const bytes = new Uint8Array([1, 2, 3]);
      const curl = raw((h) => {
        const p = heap.allocBytes(bytes);
        try {
          return exports.lcw_easy_setopt_blob(h, id, p, 3, 1);
        } finally {
          heap.free(p);
        }
      });
      for (const v of [bytes, bytes.buffer, new DataView(bytes.buffer), '\x01\x02\x03'])
        if (onFresh((e) => e.setOpt(name as never, v as never)) !== curl) return `${name}`;
      for (const bad of [42, [1, 2]]) if (onFresh((e) => e.setOpt(name as never, bad as never)) !== 'TypeError') return `${name}=${String(bad)}`;
      return undefined;
    });
    expect(found).toEqual([]);
  });

  it('callbacks: a function where the binding relays it; null everywhere as curl answers it (CURLE_UNKNOWN_OPTION for the removed CONV_*)', () => {
    const found = diverging(byClass.get('callback')!, (name, { id }) => {
      const relayed = CALLBACK_NAMES.includes(name);
      if (onFresh((e) => e.setOpt(name as never, (() => 0) as never)) !== (relayed ? 'ok' : 'TypeError')) return `${name}=function`;
      if (OWNED.has(name)) return onFresh((e) => e.setOpt(name as never, null as never)) === 'TypeError' ? undefined : `${name}=null`;
      const curl = relayed ? 'ok' : raw((h) => exports.lcw_easy_setopt_ptr(h, id, 0));
      if (onFresh((e) => e.setOpt(name as never, null as never)) !== curl) return `${name}=null`;
      if (onFresh((e) => e.setOpt(name as never, 42 as never)) !== 'TypeError') return `${name}=42`;
      return undefined;
    });
    expect(found).toEqual([]);
    expect(onFresh((e) => e.setOpt('CONV_FROM_NETWORK_FUNCTION' as never, null as never))).toBe('CURLE_UNKNOWN_OPTION');
  });

  it('void * and other pointers: null as curl answers it, PRIVATE any value, SHARE a Share, STREAM_DEPENDS an Easy', () => {
    const found = diverging([...byClass.get('void')!, ...byClass.get('object')!], (name, { id }) => {
      if (name === 'PRIVATE' || name === 'POSTFIELDS' || name === 'COPYPOSTFIELDS') return undefined; // below, and with strings
      if (OWNED.has(name)) return onFresh((e) => e.setOpt(name as never, null as never)) === 'TypeError' ? undefined : `${name} is the binding's`;
      if (onFresh((e) => e.setOpt(name as never, null as never)) !== raw((h) => exports.lcw_easy_setopt_ptr(h, id, 0))) return `${name}=null`;
      if (onFresh((e) => e.setOpt(name as never, {} as never)) !== 'TypeError') return `${name}={}`;
      return undefined;
    });
    expect(found).toEqual([]);
    const other = new Easy(rt);
    const share = new Share(rt);
    expect(onFresh((e) => e.setOpt('STREAM_DEPENDS', other).setOpt('STREAM_DEPENDS_E', other).setOpt('STREAM_DEPENDS', null))).toBe('ok');
    expect(onFresh((e) => e.setOpt('SHARE', share).setOpt('SHARE', null))).toBe('ok');
    other.close();
    share.close();
  });
});

describe('CURLOPT_PRIVATE and CURLINFO_PRIVATE', () => {
  it('give back the very value set, NULL by default and after reset; duphandle copies it', () => {
    const easy = new Easy(rt);
    expect(easy.getInfo('PRIVATE')).toBeNull();
    const mine = { any: 'thing' };
    easy.setOpt('PRIVATE', mine);
    expect(easy.getInfo('PRIVATE')).toBe(mine);
    const dup = easy.duphandle();
    expect(dup.getInfo('PRIVATE')).toBe(mine);
    easy.reset();
    expect(easy.getInfo('PRIVATE')).toBeNull();
    expect(dup.getInfo('CURLINFO_PRIVATE')).toBe(mine);
    dup.close();
    easy.close();
  });
});

/** The JS type a getinfo answer of C type `cType` must have. */
function infoMatches(name: string, cType: string, v: unknown): boolean {
  switch (cType) {
    case 'long *':
    case 'double *':
    case 'curl_off_t *':
    case 'curl_socket_t *':
      return typeof v === 'number';
    case 'char **':
      return name === 'PRIVATE' || v === null || typeof v === 'string';
    case 'struct curl_slist **':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'struct curl_certinfo **':
      return Array.isArray(v) && v.every((c) => Array.isArray(c) && c.every((s) => typeof s === 'string'));
    default:
      return false;
  }
}

describe('CURLINFO_*: every info, with the C type of its manual page', () => {
  const infoEntries = Object.entries(INFOS as Record<string, { id: number; type: string }>);
  /** Infos that hand out a C pointer into the TLS library: not readable from JavaScript. */
  const POINTERS = infoEntries.filter(([n]) => INFO_TYPES.get(`CURLINFO_${n}`) === 'struct curl_tlssessioninfo **').map(([n]) => n);

  it('has a manual page for every info in the table', () => {
    expect(infoEntries.filter(([n]) => !INFO_TYPES.has(`CURLINFO_${n}`))).toEqual([]);
    expect(POINTERS.sort()).toEqual(['TLS_SESSION', 'TLS_SSL_PTR']);
  });

  /** Every info read from `easy`: the names whose answer is not of its C type, and raw curl's numbers beside the binding's. */
  function readAll(easy: Easy): string[] {
    const wrong: string[] = [];
    for (const [name, spec] of infoEntries) {
      const cType = INFO_TYPES.get(`CURLINFO_${name}`)!;
      if (POINTERS.includes(name)) {
        if (outcome(() => easy.getInfo(name as never)) !== 'TypeError') wrong.push(`${name} should be refused`);
        continue;
      }
      const v = easy.getInfo(name as never);
      if (!infoMatches(name, cType, v)) wrong.push(`${name}: ${JSON.stringify(v)} for ${cType}`);
      if (cType === 'long *' || cType === 'curl_socket_t *') {
        // the same answer curl gives through a pointer of its own
        const out = heap.malloc(8);
        heap.setU32(out, 0);
        exports.lcw_easy_getinfo(easy[kPtr], spec.id, out);
        if (heap.i32(out) !== v) wrong.push(`${name}: ${String(v)} vs curl ${heap.i32(out)}`);
        heap.free(out);
      }
    }
    return wrong;
  }

  it('before any transfer: curl defaults, each of its type', () => {
    const easy = new Easy(rt);
    expect(readAll(easy)).toEqual([]);
    expect(easy.getInfo('RESPONSE_CODE')).toBe(0);
    expect(easy.getInfo('FILETIME')).toBe(-1);
    expect(easy.getInfo('CONTENT_LENGTH_DOWNLOAD_T')).toBe(-1);
    expect(easy.getInfo('ACTIVESOCKET')).toBe(-1); // CURL_SOCKET_BAD
    easy.close();
  });

  it('after a transfer and after reset, each of its type', async () => {
    const easy = new Easy(rt).setOpt('URL', `${server.url}/hello`).setOpt('CERTINFO', 1);
    await multi.run(easy);
    expect(readAll(easy)).toEqual([]);
    expect(easy.getInfo('RESPONSE_CODE')).toBe(200);
    expect(easy.getInfo('EFFECTIVE_URL')).toBe(`${server.url}/hello`);
    easy.reset();
    expect(readAll(easy)).toEqual([]);
    expect(easy.getInfo('EFFECTIVE_METHOD')).toBe('GET');
    easy.close();
  });
});

/** lib/strerror.c's switch of `fn`: case label -> text ("Unknown error" for the labels that fall to the end). */
function strerrorTable(src: string, fn: string): { texts: Map<string, string>; fallback: string } {
  const body = src.slice(src.indexOf(`${fn}(`));
  const fnText = body.slice(0, body.indexOf('#else'));
  const texts = new Map<string, string>();
  let pending: string[] = [];
  for (const m of fnText.matchAll(/case (\w+):|return ((?:"(?:[^"\\]|\\.)*"\s*)+);|break;/g)) {
    if (m[1]) pending.push(m[1]);
    else if (m[2]) {
      const text = [...m[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((s) => s[1]).join('');
      for (const label of pending) texts.set(label, text);
      if (!pending.length) return { texts, fallback: text }; // the return after the switch
      pending = [];
    } else pending = []; // labels that break fall to the last return: not named here
  }
  throw new Error(`no fallback return in ${fn}`);
}

describe("curl_easy_strerror, curl_multi_strerror, curl_share_strerror: lib/strerror.c's texts, and the error classes", () => {
  const src = fromTarball('lib/strerror.c');
  const kinds = [
    { kind: 'easy', fn: 'curl_easy_strerror', codes: CURLE, name: curlCodeName, cls: CurlEasyError },
    { kind: 'multi', fn: 'curl_multi_strerror', codes: CURLM, name: curlMultiCodeName, cls: CurlMultiError },
    { kind: 'share', fn: 'curl_share_strerror', codes: CURLSHE, name: curlShareCodeName, cls: CurlShareError },
  ] as const;
  for (const { kind, fn, codes, name, cls } of kinds) {
    it(`${fn}: every code's text, name and class`, () => {
      const { texts, fallback } = strerrorTable(src, fn);
      const numbers = Object.values(codes as Record<string, number>);
      const wrong: string[] = [];
      for (const code of [...new Set(numbers), Math.max(...numbers) + 1, 999]) {
        const label = name(code);
        const expected = (label && texts.get(label)) ?? fallback;
        const text = heap.cstring(exports[fn](code));
        if (text !== expected) wrong.push(`${code} ${label}: "${text}" vs "${expected}"`);
        if (code === 0 || (kind === 'multi' && code === CURLM.CURLM_CALL_MULTI_PERFORM)) continue;
        const err = curlError(rt, kind, code);
        if (!(err instanceof cls) || !(err instanceof CurlError) || err.curlCode !== code || err.kind !== kind || err.message !== expected)
          wrong.push(`${code}: ${err.message}`);
        if (label && err.code !== label) wrong.push(`${code}: named ${err.code}, not ${label}`);
      }
      expect(wrong).toEqual([]);
      // each label curl's switch names is a name the tables give its number
      for (const label of texts.keys()) if (label in codes) expect(name((codes as Record<string, number>)[label]!)).toBeDefined();
    });
  }

  it("a failed transfer's error carries CURLOPT_ERRORBUFFER's detail where curl wrote one, strerror's text where it did not", async () => {
    const easy = new Easy(rt).setOpt('URL', `${server.url.replace('http:', 'nope:')}/`);
    const err = await multi.run(easy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_UNSUPPORTED_PROTOCOL', curlCode: CURLE.CURLE_UNSUPPORTED_PROTOCOL });
    expect((err as Error).message).toMatch(/Protocol "nope" not supported/); // curl's error buffer, not strerror's "Unsupported protocol"
    easy.close();
  });
});

describe('CURLMOPT_*: every option, with the C type of its manual page', () => {
  it('each takes its C type and refuses another with a TypeError', () => {
    const wrong: string[] = [];
    for (const [name, spec] of Object.entries(MULTI_OPTIONS as Record<string, OptionSpec>)) {
      const cType = MULTI_TYPES.get(`CURLMOPT_${name}`);
      if (!cType) {
        wrong.push(`${name}: no page`);
        continue;
      }
      const m = new Multi(rt);
      try {
        const good = cType === 'long' || cType === 'curl_off_t' ? 1 : cType === 'callback' ? null : cType === 'void *' ? { any: 1 } : ['host:1'];
        const bad = cType === 'long' || cType === 'curl_off_t' ? 'x' : undefined;
        const r = outcomeMulti(() => m.setOpt(name as never, good as never));
        if (r !== 'ok') wrong.push(`${name}=${JSON.stringify(good)}: ${r} (${spec.type})`);
        if (bad !== undefined && outcomeMulti(() => m.setOpt(name as never, bad as never)) !== 'TypeError') wrong.push(`${name}=${bad}`);
        // a long: the binding answers what curl_multi_setopt answers on a raw multi handle
        for (const v of cType === 'long' ? [0, 2, -1] : []) {
          const h = exports.curl_multi_init();
          const code = exports.lcw_multi_setopt_long(h, spec.id, v);
          exports.curl_multi_cleanup(h);
          const mine = outcomeMulti(() => m.setOpt(name as never, v as never));
          if (mine !== (code ? curlMultiCodeName(code) : 'ok')) wrong.push(`${name}=${v}: ${mine}, curl ${code}`);
        }
      } finally {
        m.close();
      }
    }
    expect(wrong).toEqual([]);
    const m = new Multi(rt);
    expect(() => m.setOpt('NOPE' as never, 1 as never)).toThrow(TypeError);
    m.close();
  });
});

function outcomeMulti(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof CurlMultiError ? e.code : (e as Error).constructor.name;
  }
}

describe('Multi, as curl_multi_*(3) document it', () => {
  it("inside a transfer's callback: add, remove, perform, socket_action, setopt, cleanup answer CURLM_RECURSIVE_API_CALL; info_read answers nothing", async () => {
    const m = new Multi(rt);
    const other = new Easy(rt).setOpt('URL', `${server.url}/hello`);
    const seen: Record<string, string> = {};
    const easy = new Easy(rt).setOpt('URL', `${server.url}/hello`);
    easy.setOpt('WRITEFUNCTION', () => {
      if (seen.add) return;
      seen.add = outcomeMulti(() => m.addHandle(other));
      seen.remove = outcomeMulti(() => m.removeHandle(easy));
      seen.perform = outcomeMulti(() => m.perform());
      seen.socketAction = outcomeMulti(() => m.socketAction(-1, 0));
      seen.setOpt = outcomeMulti(() => m.setOpt('MAXCONNECTS', 3));
      seen.close = outcomeMulti(() => m.close());
      seen.infoRead = String(m.infoRead());
      seen.getHandles = String(m.getHandles().length);
    });
    m.addHandle(easy);
    const done = await drive(m);
    const r = 'CURLM_RECURSIVE_API_CALL';
    expect(seen).toEqual({ add: r, remove: r, perform: r, socketAction: r, setOpt: r, close: r, infoRead: 'undefined', getHandles: '1' });
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ msg: 1, result: 0, code: 'CURLE_OK', msgsInQueue: 0 });
    expect(done[0]!.easy).toBe(easy);
    m.close();
    easy.close();
    other.close();
  });

  it('info_read: one DONE per transfer, msgs_in_queue counting down', async () => {
    const m = new Multi(rt);
    const easies = [0, 1, 2].map(() => new Easy(rt).setOpt('URL', `${server.url}/hello`));
    for (const e of easies) m.addHandle(e);
    for (let running = m.perform(); running; running = m.perform()) await m.poll(1000);
    const queue = [m.infoRead(), m.infoRead(), m.infoRead()];
    expect(queue.map((q) => q?.msgsInQueue)).toEqual([2, 1, 0]);
    expect(m.infoRead()).toBeUndefined();
    expect(new Set(queue.map((q) => q?.easy))).toEqual(new Set(easies));
    expect(m.getHandles()).toHaveLength(3); // DONE handles stay added until removed
    m.close();
    for (const e of easies) e.close();
  });
});

async function drive(m: Multi): Promise<CurlMsg[]> {
  const done: CurlMsg[] = [];
  for (let running = m.perform(); ; running = m.perform()) {
    for (let msg = m.infoRead(); msg; msg = m.infoRead()) done.push(msg);
    if (!running) return done;
    await m.poll(1000);
  }
}

describe('CURLMOPT_SOCKETFUNCTION and TIMERFUNCTION, as their pages document them', () => {
  it('the timer asks for 0 (act now) on add and -1 (delete the timer) once nothing waits; each socket ends with CURL_POLL_REMOVE; curl calls inside them are CURLM_RECURSIVE_API_CALL', async () => {
    const m = new Multi(rt);
    const timers: number[] = [];
    const whats = new Map<number, number[]>();
    const polls = new Map<number, SocketPoll>();
    const inside: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    const easy = new Easy(rt).setOpt('URL', `${server.url}/hello`);
    const spare = new Easy(rt);
    const act = (fd: number, ev: number) => {
      m.socketAction(fd, ev);
      if (m.infoRead()) {
        m.removeHandle(easy);
        finished();
      }
    };
    m.setOpt('SOCKETFUNCTION', (_e, fd, what) => {
      whats.set(fd, [...(whats.get(fd) ?? []), what]);
      inside.push(outcomeMulti(() => m.addHandle(spare)));
      if (what === CURL_POLL.CURL_POLL_REMOVE) {
        polls.get(fd)?.stop();
        polls.delete(fd);
        return 0;
      }
      const p = polls.get(fd) ?? new SocketPoll(rt, fd);
      polls.set(fd, p);
      p.start(what, act); // CURL_POLL_IN/OUT/INOUT are the CURL_CSELECT_* bits to watch
      return 0;
    });
    m.setOpt('TIMERFUNCTION', (_m, ms) => {
      timers.push(ms);
      inside.push(outcomeMulti(() => m.perform()));
      clearTimeout(timer);
      if (ms >= 0) timer = setTimeout(() => act(CURL_SOCKET.CURL_SOCKET_TIMEOUT, 0), ms);
      return 0;
    });
    m.addHandle(easy);
    expect(timers).toEqual([0]);
    await done;
    clearTimeout(timer);
    expect(timers.at(-1)).toBe(-1);
    expect(whats.size).toBeGreaterThan(0);
    for (const seq of whats.values()) {
      expect(seq.at(-1)).toBe(CURL_POLL.CURL_POLL_REMOVE);
      for (const w of seq) expect([CURL_POLL.CURL_POLL_IN, CURL_POLL.CURL_POLL_OUT, CURL_POLL.CURL_POLL_INOUT, CURL_POLL.CURL_POLL_REMOVE]).toContain(w);
    }
    expect(new Set(inside)).toEqual(new Set(['CURLM_RECURSIVE_API_CALL']));
    m.close();
    easy.close();
    spare.close();
  });
});

describe('Share, as curl_share_setopt(3) documents it', () => {
  it("shares each CURL_LOCK_DATA_* kind of CURLSHOPT_SHARE's page; cleanup of a share in use is CURLSHE_IN_USE", () => {
    const page = fromTarball('docs/libcurl/opts/CURLSHOPT_SHARE.md');
    const kinds = [...page.matchAll(/^## CURL_LOCK_DATA_(\w+)$/gm)].map((m) => m[1]);
    expect(Object.keys(SHARE_DATA).sort()).toEqual([...kinds].sort());
    for (const k of kinds) expect(SHARE_DATA[k as keyof typeof SHARE_DATA]).toBe((CURL_LOCK_DATA as Record<string, number>)[`CURL_LOCK_DATA_${k}`]);
    const share = new Share(rt, Object.keys(SHARE_DATA) as (keyof typeof SHARE_DATA)[]);
    const easy = new Easy(rt).setOpt('SHARE', share);
    for (const f of [() => share.close(), () => share.unshare('COOKIE')]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CurlShareError);
      expect(err).toMatchObject({ code: 'CURLSHE_IN_USE', curlCode: CURLSHE.CURLSHE_IN_USE, message: 'Share currently in use' });
    }
    easy.close();
    share.unshare('COOKIE').close();
    expect(() => new Share(rt).share('NOPE' as never)).toThrow(TypeError);
  });
});

describe('Easy, as curl_easy_*(3) document it', () => {
  it('string options are copied (curl copies them since 7.17.0): the value set is the one sent, whatever the memory holds after', async () => {
    const easy = new Easy(rt).setOpt('URL', `${server.url}/inspect`).setOpt('USERAGENT', 'copied/1');
    for (let i = 0; i < 200; i++) heap.free(heap.allocCString(`overwritten ${i} `.repeat(4)));
    const body: Buffer[] = [];
    easy.setOpt('WRITEFUNCTION', (d) => void body.push(Buffer.from(d)));
    await multi.run(easy);
    expect(JSON.parse(Buffer.concat(body).toString()).headers['user-agent']).toBe('copied/1');
    easy.close();
  });

  it('XFERINFOFUNCTION runs only once NOPROGRESS is 0; PROGRESSFUNCTION (deprecated) only while no XFERINFOFUNCTION is set', async () => {
    const calls = { xfer: 0, progress: 0 };
    const easy = new Easy(rt).setOpt('URL', `${server.url}/bytes/100000`).setOpt('XFERINFOFUNCTION', () => void calls.xfer++);
    await multi.run(easy);
    expect(calls.xfer).toBe(0);
    easy.setOpt('NOPROGRESS', 0);
    await multi.run(easy);
    expect(calls.xfer).toBeGreaterThan(0);
    easy.setOpt('XFERINFOFUNCTION', null).setOpt('PROGRESSFUNCTION', (dltotal, dlnow) => void (calls.progress = dlnow === 100000 ? dltotal : calls.progress));
    await multi.run(easy);
    expect(calls.progress).toBe(100000);
    calls.xfer = calls.progress = 0;
    easy.setOpt('XFERINFOFUNCTION', () => void calls.xfer++);
    await multi.run(easy);
    expect(calls.xfer).toBeGreaterThan(0);
    expect(calls.progress).toBe(0);
    const dup = easy.duphandle(); // NOPROGRESS 0 and the callbacks come along
    calls.xfer = 0;
    await multi.run(dup);
    expect(calls.xfer).toBeGreaterThan(0);
    dup.reset(); // NOPROGRESS back to 1
    dup.setOpt('URL', `${server.url}/hello`).setOpt('XFERINFOFUNCTION', () => void calls.xfer++);
    calls.xfer = 0;
    await multi.run(dup);
    expect(calls.xfer).toBe(0);
    dup.close();
    easy.close();
  });

  it('POSTFIELDS: a POSTFIELDSIZE set before it is the length sent (curl reads that many bytes); unset, the whole value', async () => {
    const sent = async (size: number | undefined, data: string) => {
      const easy = new Easy(rt).setOpt('URL', `${server.url}/inspect`);
      if (size !== undefined) easy.setOpt('POSTFIELDSIZE', size);
      easy.setOpt('POSTFIELDS', data);
      const body: Buffer[] = [];
      easy.setOpt('WRITEFUNCTION', (d) => void body.push(Buffer.from(d)));
      await multi.run(easy);
      easy.close();
      return JSON.parse(Buffer.concat(body).toString()).body;
    };
    expect(await sent(undefined, 'a=1&b=2')).toBe('a=1&b=2');
    expect(await sent(3, 'a=1&b=2')).toBe('a=1');
    expect(await sent(-1, 'a=1&b=2')).toBe('a=1&b=2');
  });

  it('duphandle() copies options but no state (curl_easy_duphandle(3)): the copy has run no transfer', async () => {
    const easy = new Easy(rt).setOpt('URL', `${server.url}/hello`);
    await multi.run(easy);
    const dup = easy.duphandle();
    expect(easy.getInfo('RESPONSE_CODE')).toBe(200);
    expect(dup.getInfo('RESPONSE_CODE')).toBe(0);
    expect(dup.getInfo('SIZE_DOWNLOAD_T')).toBe(0);
    await multi.run(dup); // the URL came along
    expect(dup.getInfo('EFFECTIVE_URL')).toBe(`${server.url}/hello`);
    dup.close();
    easy.close();
  });

  it('upkeep() on a handle with and without a connection answers CURLE_OK', async () => {
    const easy = new Easy(rt);
    easy.upkeep();
    easy.setOpt('URL', `${server.url}/hello`);
    await multi.run(easy);
    easy.upkeep();
    easy.close();
  });

  it('send() and recv() on a CONNECT_ONLY connection, waiting on ACTIVESOCKET; without CONNECT_ONLY curl refuses', async () => {
    const echo = await startRawServer((s) => s.on('data', (d) => s.write(Buffer.from(d.toString().toUpperCase()))));
    const m = new Multi(rt);
    const easy = new Easy(rt).setOpt('URL', `${echo.url}/`).setOpt('CONNECT_ONLY', 1);
    m.addHandle(easy);
    const [done] = await drive(m);
    expect(done).toMatchObject({ code: 'CURLE_OK' });
    // still added, as in C: removing a CONNECT_ONLY handle closes its connection
    const fd = easy.getInfo('ACTIVESOCKET');
    expect(fd).toBeGreaterThan(0);
    const out = Buffer.from('hello');
    let sent = 0;
    while (sent < out.length) {
      const n = easy.send(out.subarray(sent));
      if (n === null) await select(rt, { read: [], write: [fd], except: [] }, 1000);
      else sent += n;
    }
    const buf = new Uint8Array(64);
    let got = '';
    while (got.length < 5) {
      const n = easy.recv(buf);
      if (n === null) await select(rt, { read: [fd], write: [], except: [] }, 1000);
      else got += Buffer.from(buf.subarray(0, n)).toString();
    }
    expect(got).toBe('HELLO');
    m.close();
    easy.close();
    await echo.close();
    const plain = new Easy(rt);
    let err: unknown;
    try {
      plain.recv(buf);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toMatchObject({ code: 'CURLE_UNSUPPORTED_PROTOCOL', message: 'CONNECT_ONLY is required' }); // curl's error buffer
    plain.close();
  });
});
