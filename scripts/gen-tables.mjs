// SPDX-License-Identifier: MIT
// Generates ts/curl/generated/*.ts from curl's own headers, read straight out
// of the pinned tarball so no extracted tree (or network) is needed.
// `node scripts/gen-tables.mjs` writes the files; test/generated.test.ts
// calls generate() and fails if the committed files differ.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CURL_VERSION = '8.14.1';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARBALL = join(ROOT, 'curl-src', `curl_${CURL_VERSION}.orig.tar.gz`);
const OUT = 'ts/curl/generated';
const HEADERS = ['curl.h', 'multi.h', 'websockets.h', 'urlapi.h', 'header.h', 'options.h'];
const SIV_PATH = 'docs/libcurl/symbols-in-versions';
const OPTS_DOCS = 'docs/libcurl/opts';

// Object-like macros defined more than once across #if branches. The later
// definition wins, which picks the non-Windows branch (wasm32 is not _WIN32):
// CURL_SOCKET_BAD is INVALID_SOCKET on Windows, -1 elsewhere. Any other
// redefinition is a new quirk someone should look at, so it throws.
const REDEFINITIONS_OK = new Set(['CURL_EXTERN', 'CURL_SOCKET_BAD']);
// "Never use" end markers of C enums and #define series.
const SENTINEL = /^(CURL_LAST|CURLINFO_END|\w+_LAST|\w+_LASTENTRY|\w+_LASTONE)$/;

const OPTION_TYPES = {
  CURLOPTTYPE_LONG: 'long',
  CURLOPTTYPE_VALUES: 'values',
  CURLOPTTYPE_OFF_T: 'off_t',
  CURLOPTTYPE_STRINGPOINT: 'string',
  CURLOPTTYPE_SLISTPOINT: 'slist',
  CURLOPTTYPE_OBJECTPOINT: 'objectpoint',
  CURLOPTTYPE_CBPOINT: 'cbptr',
  CURLOPTTYPE_FUNCTIONPOINT: 'functionpoint',
  CURLOPTTYPE_BLOB: 'blob',
};
const INFO_TYPES = {
  CURLINFO_STRING: 'string',
  CURLINFO_LONG: 'long',
  CURLINFO_DOUBLE: 'double',
  CURLINFO_SLIST: 'slist',
  CURLINFO_PTR: 'ptr',
  CURLINFO_SOCKET: 'socket',
  CURLINFO_OFF_T: 'off_t',
};
const CODES = [
  // [export, C enum, name type, reverse-lookup function, header]
  ['CURLE', 'CURLcode', 'CurlCodeName', 'curlCodeName', 'curl.h'],
  ['CURLM', 'CURLMcode', 'CurlMultiCodeName', 'curlMultiCodeName', 'multi.h'],
  ['CURLSHE', 'CURLSHcode', 'CurlShareCodeName', 'curlShareCodeName', 'curl.h'],
  ['CURLUE', 'CURLUcode', 'CurlUrlCodeName', 'curlUrlCodeName', 'urlapi.h'],
];
// enums.ts: [export, names, what they are for, only members of this C enum].
const GROUPS = [
  ['CURLPAUSE', /^CURLPAUSE_/, 'curl_easy_pause() bitmask'],
  ['CURL_CSELECT', /^CURL_CSELECT_/, 'curl_multi_socket_action() ev_bitmask'],
  ['CURL_POLL', /^CURL_POLL_/, 'CURLMOPT_SOCKETFUNCTION what argument'],
  ['CURL_SOCKET', /^CURL_SOCKET_(BAD|TIMEOUT)$/, 'No-socket values; CURL_SOCKET_TIMEOUT is the curl_multi_socket_action() sockfd for timeouts'],
  ['CURLMSG', /^CURLMSG_/, 'CURLMsg msg field'],
  ['CURL_HTTP_VERSION', /^CURL_HTTP_VERSION_/, 'CURLOPT_HTTP_VERSION values'],
  ['CURL_SSLVERSION', /^CURL_SSLVERSION_/, 'CURLOPT_SSLVERSION values; MAX_* are ORed in'],
  ['CURL_IPRESOLVE', /^CURL_IPRESOLVE_/, 'CURLOPT_IPRESOLVE values'],
  ['CURLPROTO', /^CURLPROTO_/, 'CURLOPT_PROTOCOLS bits'],
  ['CURLAUTH', /^CURLAUTH_/, 'CURLOPT_HTTPAUTH and CURLOPT_PROXYAUTH bits'],
  ['CURLPROXY', /^CURLPROXY_/, 'CURLOPT_PROXYTYPE values'],
  ['CURLUSESSL', /^CURLUSESSL_/, 'CURLOPT_USE_SSL values'],
  ['CURLSSLOPT', /^CURLSSLOPT_/, 'CURLOPT_SSL_OPTIONS bits'],
  ['CURLFTPMETHOD', /^CURLFTPMETHOD_/, 'CURLOPT_FTP_FILEMETHOD values'],
  ['CURL_REDIR', /^CURL_REDIR_/, 'CURLOPT_POSTREDIR bits'],
  ['CURLHEADER', /^CURLHEADER_/, 'CURLOPT_HEADEROPT values'],
  ['CURLH', /^CURLH_/, 'curl_easy_header() origin bits'],
  ['CURLWS', /^CURLWS_/, 'WebSocket frame flags, and CURLOPT_WS_OPTIONS bits (RAW_MODE, NOAUTOPONG)'],
  ['CURL_INFOTYPE', /^CURLINFO_/, 'curl_infotype: CURLOPT_DEBUGFUNCTION type argument', 'curl_infotype'],
  ['CURLSHOPT', /^CURLSHOPT_/, 'curl_share_setopt() options'],
  ['CURL_LOCK_DATA', /^CURL_LOCK_DATA_/, 'CURLSHOPT_SHARE values'],
  ['CURL_GLOBAL', /^CURL_GLOBAL_/, 'curl_global_init() flags'],
  ['CALLBACK_RETURNS', /^(CURL_(WRITE|READ)FUNC_(PAUSE|ERROR|ABORT)|CURL_SEEKFUNC_\w+|CURL_PROGRESSFUNC_CONTINUE)$/, 'Special callback return values'],
  ['CURL_VERSION', /^CURL_VERSION_/, 'curl_version_info_data features bits'],
  ['CURLOT', /^CURLOT_/, 'curl_easyoption type and flags'],
  ['CURLPIPE', /^CURLPIPE_/, 'CURLMOPT_PIPELINING bits'],
  ['CURL_SIZES', /^CURL_(ERROR_SIZE|MAX_READ_SIZE|MAX_WRITE_SIZE|MAX_HTTP_HEADER)$/, 'Buffer sizes: CURLOPT_ERRORBUFFER needs CURL_ERROR_SIZE bytes'],
];

const readFromTarball = (path) => execFileSync('tar', ['-xzOf', TARBALL, `curl-${CURL_VERSION}/${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 });

// Joins continuation lines, turns comments into one space (as C does) and
// empties string literals, so commas inside them cannot confuse splitting.
const stripC = (src) =>
  src.replace(/\\\r?\n/g, ' ').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) => (m[0] === '/' ? ' ' : m[0] + m[0]));

// Splits an enum body at top-level commas; returns [text, offset] pairs.
function splitTopLevel(body) {
  const parts = [];
  let depth = 0,
    start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')') depth--;
    else if (i === body.length || (body[i] === ',' && depth === 0)) {
      const text = body.slice(start, i).replace(/\s+/g, ' ').trim();
      if (text) parts.push([text, start]);
      start = i + 1;
    }
  }
  return parts;
}

// Symbol table: name -> { expr, header, pos, enumName?, deprecated?, optType? }.
// Enum members without "= expr" get "(previous) + 1", so one evaluator
// handles implicit numbering and explicit values alike.
function parseHeader(header, src, symbols) {
  const text = stripC(src);
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)(\(?)(.*)$/gm)) {
    if (m[2]) continue; // function-like macro
    if (symbols.has(m[1]) && !REDEFINITIONS_OK.has(m[1])) throw new Error(`${header}: ${m[1]} redefined`);
    symbols.delete(m[1]); // keep the position of the definition that wins
    symbols.set(m[1], { expr: m[3].trim(), header, pos: m.index });
  }
  // Directives can sit inside an enum body (CURLOPT_PROGRESSDATA does);
  // blank them without moving offsets.
  const code = text.replace(/^[ \t]*#.*$/gm, (d) => ' '.repeat(d.length));
  for (const m of code.matchAll(/\benum\s*(\w*)\s*\{([^}]*)\}\s*(\w*)\s*;/g)) {
    const enumName = m[3] || m[1];
    let prev = null;
    for (const [entry, offset] of splitTopLevel(m[2])) {
      let e = entry.match(/^CURLOPT(DEPRECATED)?\((\w+), ?(\w+), ?(\d+)/);
      const sym = e
        ? { name: e[2], expr: `${e[3]} + ${e[4]}`, deprecated: !!e[1], optType: e[3] }
        : (e = entry.match(/^(\w+)( CURL_DEPRECATED\([^)]*\))?(?: ?= ?(.+))?$/)) && {
            name: e[1],
            expr: e[3] ?? (prev ? `(${prev}) + 1` : '0'),
            deprecated: !!e[2],
          };
      if (!sym) throw new Error(`${header}: cannot parse enum member "${entry}"`);
      if (symbols.has(sym.name)) throw new Error(`${header}: ${sym.name} redefined`);
      symbols.set(sym.name, { ...sym, header, enumName, pos: m.index + m[0].indexOf('{') + 1 + offset });
      prev = sym.name;
    }
  }
}

// Integer constant expressions as curl's headers write them, with wasm32 C
// semantics: int, long and size_t are 32 bits, and an operation is unsigned
// if either operand is (usual arithmetic conversions). Only numbers, known
// identifiers, integer casts and + - * ~ << >> & ^ | ( ) are accepted.
// Returns name -> { v: BigInt, u: isUnsigned }.
function evaluator(symbols) {
  const cache = new Map();
  const TYPE_WORDS = new Set(['unsigned', 'signed', 'long', 'int', 'size_t']);
  const LEVELS = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*']];
  const wrap = (v, u) => ({ v: u ? BigInt.asUintN(32, v) : BigInt.asIntN(32, v), u });
  function value(name, seen) {
    if (cache.has(name)) return cache.get(name);
    const sym = symbols.get(name);
    if (!sym) throw new Error(`unknown identifier ${name} (via ${seen.join(' -> ')})`);
    if (seen.includes(name)) throw new Error(`circular definition of ${name}`);
    const r = parse(sym.expr, [...seen, name]);
    cache.set(name, r);
    return r;
  }
  function parse(expr, seen) {
    const toks = expr.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|\S/g) ?? [];
    let i = 0;
    const take = (t) => {
      if (toks[i++] !== t) throw new Error(`expected ${t} in "${expr}"`);
    };
    function binary(level) {
      if (level === LEVELS.length) return unary();
      let a = binary(level + 1);
      while (LEVELS[level].includes(toks[i])) {
        const op = toks[i++],
          b = binary(level + 1);
        const u = op === '<<' || op === '>>' ? a.u : a.u || b.u; // a shift keeps the left type
        a = wrap({ '|': a.v | b.v, '^': a.v ^ b.v, '&': a.v & b.v, '<<': a.v << b.v, '>>': a.v >> b.v, '+': a.v + b.v, '-': a.v - b.v, '*': a.v * b.v }[op], u);
      }
      return a;
    }
    function unary() {
      const t = toks[i++];
      if (t === '-' || t === '~') {
        const a = unary();
        return wrap(t === '-' ? -a.v : ~a.v, a.u);
      }
      if (t === '+') return unary();
      if (t === '(' && TYPE_WORDS.has(toks[i])) {
        // a cast such as (unsigned long)
        const words = [];
        while (TYPE_WORDS.has(toks[i])) words.push(toks[i++]);
        take(')');
        return wrap(unary().v, words.includes('unsigned') || words.includes('size_t'));
      }
      if (t === '(') {
        const a = binary(0);
        take(')');
        return a;
      }
      const num = t?.match(/^(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)$/);
      if (num) {
        const v = BigInt(num[1]);
        // C: a hex literal too big for int is unsigned int (0xFFFFFFFF).
        const u = /u/i.test(num[2]) || (/^0x/i.test(num[1]) && v > 0x7fffffffn);
        if (v > (u ? 0xffffffffn : 0x7fffffffn)) throw new Error(`literal ${t} exceeds 32 bits`);
        return wrap(v, u);
      }
      if (/^[A-Za-z_]/.test(t ?? '')) return value(t, seen);
      throw new Error(`unexpected "${t}" in "${expr}"`);
    }
    const r = binary(0);
    if (i !== toks.length) throw new Error(`trailing "${toks.slice(i).join(' ')}" in "${expr}"`);
    return r;
  }
  return (name) => value(name, []);
}

// The front matter and NAME line of each docs/libcurl/opts/*.md page:
// Title -> { summary, protocols, added }. One tar call reads them all.
function parseOptDocs(all) {
  const docs = new Map();
  for (const page of all.split(/^(?=---\nc: )/m)) {
    const title = page.match(/^Title: (\w+)$/m)?.[1];
    if (!title) continue;
    const summary = page.match(/^# NAME\s+[\w, ]+ - (.+)$/m)?.[1];
    if (!summary) throw new Error(`${OPTS_DOCS}/${title}.md: no NAME line`);
    const protocols = [...(page.match(/^Protocol:\n((?: {2}- .+\n)+)/m)?.[1] ?? '').matchAll(/ {2}- (.+)/g)].map((m) => m[1]);
    docs.set(title, { summary: summary.replace(/\\(.)/g, '$1'), protocols, added: page.match(/^Added-in: (.+)$/m)?.[1] });
  }
  return docs;
}

// A TSDoc comment from an opts page; TSDoc-significant characters escaped.
function tsdoc(docs, siv, name, indent = '  ') {
  const d = docs.get(name);
  const deprecated = siv.get(name)?.deprecated;
  if (!d) throw new Error(`${name} has no page in ${OPTS_DOCS}`);
  const esc = (t) => t.replace(/[@{}<>\\]/g, '\\$&').replace(/\*\//g, '*\\/');
  const where = [d.protocols.length && !d.protocols.includes('All') ? d.protocols.join(', ') : '', d.added ? `since ${d.added}` : '']
    .filter(Boolean)
    .join('; ');
  return `${indent}/** ${esc(d.summary)}${where ? ` (${esc(where)})` : ''}. @see https://curl.se/libcurl/c/${name}.html${deprecated ? ` @deprecated since curl ${deprecated}` : ''} */\n`;
}

// symbols-in-versions rows: name -> { deprecated, last } ('-' means none).
const parseSiv = (src) =>
  new Map([...src.matchAll(/^([A-Z]\w+) +(\S+)(?: +(\S+))?(?: +(\S+))?$/gm)].map((m) => [m[1], { deprecated: m[3] === '-' ? undefined : m[3], last: m[4] }]));

const lit = (v) => (typeof v === 'string' ? `'${v}'` : String(v));
const key = (k) => (/^([A-Za-z_$][\w$]*|0|[1-9]\d*)$/.test(k) ? k : `'${k}'`);
const lines = (entries, fmt = lit, doc = () => '') => entries.map(([k, v, note]) => `${doc(k)}  ${key(k)}: ${fmt(v)},${note ? ` // ${note}` : ''}`).join('\n');
const spec = (id, type, deprecated) => ({ id, type, deprecated });
// The big tables ship as JSON text for JSON.parse(), which V8 reads far
// faster than an object literal per entry with its doc comment (those were a
// quarter of the bundle, ~1.3 ms of every importer's parse); their types, each
// entry with its TSDoc, are type literals written as tsc would infer them, so
// the .d.ts and the API report stay as they were with `as const` objects.
const json = (entries) => `'${JSON.stringify(Object.fromEntries(entries))}'`;
const packSpecs = (entries) => json(entries.map(([k, v]) => [k, v.deprecated ? { id: v.id, type: v.type, deprecated: true } : { id: v.id, type: v.type }]));
const specLine = ([k, v]) =>
  `  readonly ${key(k)}: {\n    readonly id: ${v.id};\n    readonly type: "${v.type}";\n${v.deprecated ? '    readonly deprecated: true;\n' : ''}  };`;
const specType = (entries, doc) => `{\n${entries.map((e) => doc(e[0]) + specLine(e)).join('\n')}\n}`;
const camelType = (entries, doc) => `{\n${entries.map(([c, k]) => `${doc(c)}  readonly ${key(c)}: "${k}";`).join('\n')}\n}`;
// Mechanical camelCase: 'SSL_VERIFYPEER' -> 'sslVerifypeer'.
const camel = (name) => name.toLowerCase().replace(/_(.)/g, (_, c) => c.toUpperCase());

export function generate() {
  const symbols = new Map();
  HEADERS.forEach((h) => parseHeader(h, readFromTarball(`include/curl/${h}`), symbols));
  const siv = parseSiv(readFromTarball(SIV_PATH));
  const docs = parseOptDocs(
    execFileSync('tar', ['-xzOf', TARBALL, '--wildcards', `curl-${CURL_VERSION}/${OPTS_DOCS}/CURL*.md`], { encoding: 'utf8', maxBuffer: 64 << 20 }),
  );
  const evaluate = evaluator(symbols);
  const num = (name) => Number(evaluate(name).v);
  // Header order, then position in the header, so output follows curl's own order.
  const all = [...symbols].map(([name, s]) => ({ name, ...s })).sort((a, b) => HEADERS.indexOf(a.header) - HEADERS.indexOf(b.header) || a.pos - b.pos);
  const members = (enumName) => all.filter((s) => s.enumName === enumName && !SENTINEL.test(s.name));
  const banner = (hs, siv, opts) =>
    `// SPDX-License-Identifier: MIT\n// Generated by scripts/gen-tables.mjs from curl ${CURL_VERSION} ${[
      ...HEADERS.filter((h) => hs.includes(h)).map((h) => `include/curl/${h}`),
      ...(siv ? [SIV_PATH] : []),
      ...(opts ? [`${OPTS_DOCS}/*.md`] : []),
    ].join(', ')}. Do not edit.\n`;
  // Everything emitted must still exist per symbols-in-versions, and curl.h's
  // deprecation markers must agree with it; a mismatch means a parsing bug.
  const checkSiv = (name, deprecated) => {
    const s = siv.get(name);
    if (!s || s.last) throw new Error(`${name} is missing or removed in ${SIV_PATH}`);
    if (!!s.deprecated !== deprecated) throw new Error(`${name}: deprecation differs from ${SIV_PATH}`);
  };
  const files = {};

  const optionTable = (enumName, prefix) =>
    members(enumName).map((s) => {
      if (!OPTION_TYPES[s.optType]) throw new Error(`${s.name}: unknown option type ${s.optType}`);
      checkSiv(s.name, s.deprecated);
      return [s.name.slice(prefix.length), spec(num(s.name), OPTION_TYPES[s.optType], s.deprecated)];
    });
  // `#define OLD NEW` compatibility names (lib/easyoptions.c lists the same
  // ones with CURLOT_FLAG_ALIAS); those pointing at a 9999 OBSOLETE
  // placeholder are not options at all.
  const aliasTable = (prefix, enumName) =>
    all
      .filter((s) => !s.enumName && s.name.startsWith(prefix) && symbols.get(s.expr)?.enumName === enumName)
      .map((s) => [s.name.slice(prefix.length), s.expr.slice(prefix.length), siv.get(s.name)?.deprecated && `deprecated since ${siv.get(s.name).deprecated}`]);
  const easy = optionTable('CURLoption', 'CURLOPT_');
  const multi = optionTable('CURLMoption', 'CURLMOPT_');
  files[`${OUT}/options.ts`] = `${banner(['curl.h', 'multi.h'], true, true)}
export type OptionType = ${Object.values(OPTION_TYPES).map(lit).join(' | ')};
export interface OptionSpec { readonly id: number; readonly type: OptionType; readonly deprecated?: true }

/** curl_easy_setopt() options, keyed by name without CURLOPT_. @see https://curl.se/libcurl/c/curl_easy_setopt.html */
export const EASY_OPTIONS = /* @__PURE__ */ JSON.parse(
  ${packSpecs(easy)},
) as ${specType(easy, (k) => tsdoc(docs, siv, `CURLOPT_${k}`))};
export type EasyOptionName = keyof typeof EASY_OPTIONS;

/** Old option names curl.h keeps as \`#define CURLOPT_OLD CURLOPT_NEW\`. */
export const EASY_OPTION_ALIASES = {
${lines(aliasTable('CURLOPT_', 'CURLoption'))}
} as const satisfies Record<string, EasyOptionName>;

/** curl_multi_setopt() options, keyed by name without CURLMOPT_. @see https://curl.se/libcurl/c/curl_multi_setopt.html */
export const MULTI_OPTIONS = /* @__PURE__ */ JSON.parse(
  ${packSpecs(multi)},
) as ${specType(multi, (k) => tsdoc(docs, siv, `CURLMOPT_${k}`))};
export type MultiOptionName = keyof typeof MULTI_OPTIONS;
`;

  const infos = members('CURLINFO')
    .filter((s) => s.name !== 'CURLINFO_NONE')
    .map((s) => {
      const base = s.expr.match(/^(CURLINFO_\w+) ?\+ ?\d+$/)?.[1];
      if (!INFO_TYPES[base]) throw new Error(`${s.name}: unexpected definition "${s.expr}"`);
      checkSiv(s.name, s.deprecated);
      return [s.name.slice(9), spec(num(s.name), INFO_TYPES[base], s.deprecated)];
    });
  files[`${OUT}/infos.ts`] = `${banner(['curl.h'], true, true)}
export type InfoType = ${[...new Set(Object.values(INFO_TYPES))].map(lit).join(' | ')};
export interface InfoSpec { readonly id: number; readonly type: InfoType; readonly deprecated?: true }

/** curl_easy_getinfo() items, keyed by name without CURLINFO_. @see https://curl.se/libcurl/c/curl_easy_getinfo.html */
export const INFOS = /* @__PURE__ */ JSON.parse(
  ${packSpecs(infos)},
) as ${specType(infos, (k) => tsdoc(docs, siv, `CURLINFO_${k}`))};
export type InfoName = keyof typeof INFOS;

/** Old info names curl.h keeps as \`#define CURLINFO_OLD CURLINFO_NEW\`. */
export const INFO_ALIASES = {
${lines(aliasTable('CURLINFO_', 'CURLINFO'))}
} as const satisfies Record<string, InfoName>;
`;

  files[`${OUT}/codes.ts`] =
    banner([...new Set(CODES.map((c) => c[4]))]) +
    CODES.map(([group, cEnum, typeName, fn, h]) => {
      const entries = members(cEnum).map((s) => [s.name, num(s.name)]);
      if (entries.some(([n]) => symbols.get(n).header !== h)) throw new Error(`${cEnum} is not in ${h}`);
      if (new Set(entries.map(([, v]) => v)).size !== entries.length) throw new Error(`${cEnum}: duplicate values`);
      return `
/** ${cEnum} values from include/curl/${h}. */
export const ${group} = {
${lines(entries)}
} as const;
export type ${typeName} = keyof typeof ${group};
export const ${group}_BY_NUMBER: Readonly<Record<number, ${typeName}>> = {
${lines(entries.map(([k, v]) => [String(v), k]))}
};
/** The ${cEnum} name of a number, or undefined if curl ${CURL_VERSION} has none. */
export function ${fn}(n: number): ${typeName} | undefined {
  return Object.hasOwn(${group}_BY_NUMBER, n) ? ${group}_BY_NUMBER[n] : undefined;
}
`;
    }).join('');

  const groupHeaders = new Set();
  const groups = GROUPS.map(([group, re, what, onlyEnum]) => {
    const syms = all.filter((s) => re.test(s.name) && !SENTINEL.test(s.name) && (!onlyEnum || s.enumName === onlyEnum));
    if (!syms.length) throw new Error(`group ${group} is empty`);
    const hs = [...new Set(syms.map((s) => s.header))];
    hs.forEach((h) => groupHeaders.add(h));
    const vals = syms.map((s) => [s.name, evaluate(s.name)]);
    const big = vals.filter(([, r]) => r.v > 0x7fffffffn).map(([n]) => n);
    const doc = [`${what}, from include/curl/${hs.join(', include/curl/')}.`];
    if (big.length) doc.push(`Unsigned in C and 32 bits wide on wasm32, so emitted as unsigned 32-bit values: ${big.join(', ')}.`);
    if (vals.some(([, r]) => r.v < 0n)) doc.push('Negative values come from signed C expressions (-1, ~0).');
    // Groups holding wide bit patterns are easier to read in hex.
    const hex = vals.some(([, r]) => r.v > 0xffffn);
    const fmt = (v) => (hex && v >= 0n ? `0x${v.toString(16)}` : String(v));
    return `\n/** ${doc.join(' ')} */\nexport const ${group} = {\n${lines(
      vals.map(([k, r]) => [k, r.v]),
      fmt,
    )}\n} as const;\n`;
  });
  files[`${OUT}/enums.ts`] = banner([...groupHeaders]) + groups.join('');

  // Each camelCase name carries its option's TSDoc, so that editors show it
  // on a key of a curl: {…} bag (a homomorphic mapped type keeps it).
  const camelTable = (names, prefix) => {
    const entries = names.map((n) => [camel(n), n]);
    if (new Set(entries.map(([c]) => c)).size !== entries.length) throw new Error('camelCase collision');
    const target = new Map(entries);
    return `/* @__PURE__ */ JSON.parse(\n  ${json(entries)},\n) as ${camelType(entries, prefix ? (c) => tsdoc(docs, siv, `${prefix}${target.get(c)}`) : () => '')}`;
  };
  files[`${OUT}/names.ts`] = `${banner(['curl.h'], false, true)}
// camelCase names, derived mechanically so users can predict them: lowercase
// the key, then drop each underscore and uppercase the character after it:
// 'SSL_VERIFYPEER' -> 'sslVerifypeer', 'FOLLOWLOCATION' -> 'followlocation'.
// Plain objects: look names up with Object.hasOwn, since 'toString' and
// friends are inherited.

/** camelCase name to EASY_OPTIONS key (aliases not included). */
export const EASY_OPTION_CAMEL = ${camelTable(
    easy.map(([k]) => k),
    'CURLOPT_',
  )};
export type EasyOptionCamelName = keyof typeof EASY_OPTION_CAMEL;

/** camelCase name to INFOS key (aliases not included). */
export const INFO_CAMEL = ${camelTable(infos.map(([k]) => k))};
export type InfoCamelName = keyof typeof INFO_CAMEL;
`;
  files[`${OUT}/tool-options.ts`] = toolOptions();
  return files;
}

// curl's command-line options from the tool's own table (src/tool_getparam.c
// aliases[]), with their argument types as tool_getparam.h defines them: the
// sandboxed curl() (ts/tool/sandboxed.ts) reads a command line as curl will.
const TOOL_ARG_TYPES = { ARG_NONE: 'none', ARG_BOOL: 'bool', ARG_STRG: 'string', ARG_FILE: 'file' };
function toolOptions() {
  const header = stripC(readFromTarball('src/tool_getparam.h'));
  const defines = new Map([...header.matchAll(/^#define (ARG_\w+) (0x[0-9a-f]+|\d+)\s*$/gim)].map((m) => [m[1], Number(m[2])]));
  const mask = defines.get('ARG_TYPEMASK');
  for (const name of Object.keys(TOOL_ARG_TYPES)) if (!defines.has(name)) throw new Error(`tool_getparam.h: no ${name}`);
  if (mask === undefined) throw new Error('tool_getparam.h: no ARG_TYPEMASK');
  const typeName = new Map(Object.entries(TOOL_ARG_TYPES).map(([k, v]) => [defines.get(k), v]));
  const src = readFromTarball('src/tool_getparam.c');
  const table = src.slice(src.indexOf('aliases[]= {'), src.indexOf('};', src.indexOf('aliases[]= {')));
  const entries = [...table.matchAll(/^\s*\{"([a-z0-9.-]+)"\s*,\s*([A-Z_|]+),\s*'(.)',\s*C_\w+\}/gm)].map(([, name, desc, letter]) => {
    let bits = 0;
    for (const flag of desc.split('|')) {
      if (!defines.has(flag)) throw new Error(`--${name}: unknown flag ${flag}`);
      bits |= defines.get(flag);
    }
    const arg = typeName.get(bits & mask);
    return [name, `{ arg: '${arg}'${letter === ' ' ? '' : `, short: '${letter === "'" ? "\\'" : letter}'`} }`];
  });
  if (entries.length !== (table.match(/^\s*\{"/gm) ?? []).length) throw new Error('tool_getparam.c: an aliases[] entry did not parse');
  if (entries.length < 250) throw new Error(`tool_getparam.c: only ${entries.length} options`);
  return `// SPDX-License-Identifier: MIT
// Generated by scripts/gen-tables.mjs from curl ${CURL_VERSION} src/tool_getparam.c, src/tool_getparam.h. Do not edit.
export type ToolArgType = ${Object.values(TOOL_ARG_TYPES).map(lit).join(' | ')};
export interface ToolOptionSpec { readonly arg: ToolArgType; readonly short?: string }

/**
 * curl's command-line options by long name: what argument each takes
 * ('string' and 'file' take the next one; 'bool' also has a --no- form) and
 * its short letter.
 * @see https://curl.se/docs/manpage.html
 */
export const TOOL_OPTIONS = {
${lines(entries, String)}
} as const satisfies Record<string, ToolOptionSpec>;
export type ToolOptionName = keyof typeof TOOL_OPTIONS;
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [file, content] of Object.entries(generate())) {
    mkdirSync(dirname(join(ROOT, file)), { recursive: true });
    writeFileSync(join(ROOT, file), content);
    console.log(`wrote ${file}`);
  }
}
