// SPDX-License-Identifier: MIT
// A request's URL and header fields against a caller's bounds, and the
// error a crossed limit throws: request()'s check of its caller, and a
// sandboxed curl()'s of its command line and (in the tool's worker, which
// loads no more than this of the library) of each transfer as curl sends it.
import { LibcurlWasmError, registerError } from '../host/errors.js';

/** A transfer crossed one of its limits. */
export class LimitExceeded extends LibcurlWasmError {
  declare readonly code: 'ERR_SANDBOX_LIMIT';
  constructor(
    readonly limit: string,
    readonly value: number,
  ) {
    super('ERR_SANDBOX_LIMIT', `${limit} (${value}) exceeded`);
  }
}
registerError(LimitExceeded, 'LimitExceeded');

/** The bounds checkRequestBounds() holds (a part of TransferLimits, ./transfer.ts). */
export interface RequestBounds {
  maxUrlBytes?: number | undefined;
  maxRequestHeaders?: number | undefined;
  maxRequestHeaderBytes?: number | undefined;
}

export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header field values: no CR, LF or NUL (no request smuggling through curl). */
export const FIELD_VALUE = /^[^\r\n\0]*$/;

/**
 * The caller's URLs and header fields against its bounds (an absent bound is
 * none): what request() checks of a request, and a sandboxed curl() of each
 * `--next` group of its command line and of each transfer the tool sets up.
 */
export function checkRequestBounds(urls: readonly string[], headers: readonly (readonly [string, string])[], limits: RequestBounds | undefined): void {
  const maxUrl = limits?.maxUrlBytes;
  if (maxUrl !== undefined) for (const url of urls) if (url.length > maxUrl) throw new LimitExceeded('maxUrlBytes', maxUrl);
  if (limits?.maxRequestHeaders !== undefined && headers.length > limits.maxRequestHeaders)
    throw new LimitExceeded('maxRequestHeaders', limits.maxRequestHeaders);
  const bytes = checkHeaderFields(headers);
  if (limits?.maxRequestHeaderBytes !== undefined && bytes > limits.maxRequestHeaderBytes)
    throw new LimitExceeded('maxRequestHeaderBytes', limits.maxRequestHeaderBytes);
}

/**
 * The header fields libcurl makes of a request's string options (by curl's
 * option name): they count against the request bounds as the fields the
 * caller gives do. An Authorization counts in its Basic form (another
 * scheme's is about as long, and has the name in it).
 */
export function optionFields(options: Readonly<Record<string, unknown>>): [string, string][] {
  const out: [string, string][] = [];
  const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  const add = (name: string, value: string | undefined) => value !== undefined && out.push([name, value]);
  add('User-Agent', text('USERAGENT'));
  add('Referer', text('REFERER'));
  add('Cookie', text('COOKIE'));
  add('Accept-Encoding', text('ACCEPT_ENCODING'));
  const range = text('RANGE');
  add('Range', range === undefined ? undefined : `bytes=${range}`);
  const user =
    text('USERPWD') ?? (text('USERNAME') !== undefined || text('PASSWORD') !== undefined ? `${text('USERNAME') ?? ''}:${text('PASSWORD') ?? ''}` : undefined);
  // only its length counts: base64 of the UTF-8 bytes
  add('Authorization', user === undefined ? undefined : `Basic ${'='.repeat(4 * Math.ceil(new TextEncoder().encode(user).length / 3))}`);
  const bearer = text('XOAUTH2_BEARER');
  add('Authorization', bearer === undefined ? undefined : `Bearer ${bearer}`);
  return out;
}

/** Header fields a caller gives: token names, values without CR, LF or NUL; answers their bytes. */
export function checkHeaderFields(fields: readonly (readonly [string, string])[]): number {
  let bytes = 0;
  for (const [name, value] of fields) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (!FIELD_VALUE.test(value)) throw new TypeError(`invalid value for header ${name}: CR, LF and NUL are not allowed`);
    bytes += name.length + value.length;
  }
  return bytes;
}
