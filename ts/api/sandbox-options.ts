// SPDX-License-Identifier: MIT
// The one gate per-request curl options pass to reach a sandboxed transfer.
// Every spelling (CURLOPT_X, X, camelCase, a deprecated alias) is mapped to
// curl's own option first, so a second spelling can never slip past or
// override what the sandbox enforces. Deny by default: an option is
// accepted only when no value of it can loosen the policy or a limit;
// options that bound time or size are clamped to the sandbox's limits.
import type { OptionValue } from '../curl/easy.js';
import { easyOption } from '../curl/names.js';
import type { EasyOptionName } from '../curl/generated/options.js';

/** Accepted as given: they shape the request or tighten TLS, and reach nothing the policy judges. */
export const SANDBOX_ACCEPTED: ReadonlySet<EasyOptionName> = new Set<EasyOptionName>([
  // what the request says
  'USERAGENT',
  'REFERER',
  'COOKIE',
  'RANGE',
  'ACCEPT_ENCODING',
  'TRANSFER_ENCODING',
  'TIMECONDITION',
  'TIMEVALUE',
  'TIMEVALUE_LARGE',
  'HTTP_VERSION',
  'POSTREDIR',
  'AUTOREFERER',
  'EXPECT_100_TIMEOUT_MS',
  // credentials for the target itself (sent to the first host only: no UNRESTRICTED_AUTH)
  'HTTPAUTH',
  'USERNAME',
  'PASSWORD',
  'USERPWD',
  'XOAUTH2_BEARER',
  // how the response is read
  'FAILONERROR',
  'HTTP_CONTENT_DECODING',
  'HTTP_TRANSFER_DECODING',
  'IGNORE_CONTENT_LENGTH',
  'HTTP09_ALLOWED',
  'KEEP_SENDING_ON_ERROR',
  'MAXFILESIZE',
  'MAXFILESIZE_LARGE',
  'LOW_SPEED_LIMIT',
  'LOW_SPEED_TIME',
  'MAX_RECV_SPEED_LARGE',
  'MAX_SEND_SPEED_LARGE',
  // connections (the address family is still judged on each connect)
  // every connect judges the name and the address again, so no cache entry bypasses the rules
  'DNS_CACHE_TIMEOUT',
  'IPRESOLVE',
  'FORBID_REUSE',
  'FRESH_CONNECT',
  'TCP_NODELAY',
  'TCP_KEEPALIVE',
  'TCP_KEEPIDLE',
  'TCP_KEEPINTVL',
  // TLS
  'SSLVERSION',
  'SSL_CIPHER_LIST',
  'TLS13_CIPHERS',
  'SSL_EC_CURVES',
  'PINNEDPUBLICKEY',
  'SSL_VERIFYPEER',
  'SSL_VERIFYHOST',
  'SSL_VERIFYSTATUS',
  'CAINFO_BLOB',
  'SSL_OPTIONS',
  'SSL_SESSIONID_CACHE',
  // TFTP (when protocols allows it): curl bounds the block size (8..65464)
  'TFTP_BLKSIZE',
  'TFTP_NO_OPTIONS',
]);

/** Accepted, then clamped to the sandbox's limits (0 or -1 mean "no limit" to curl: the limit then applies). */
export const SANDBOX_CLAMPED: ReadonlySet<EasyOptionName> = new Set<EasyOptionName>([
  'TIMEOUT',
  'TIMEOUT_MS',
  'CONNECTTIMEOUT',
  'CONNECTTIMEOUT_MS',
  'MAXREDIRS',
]);

/** What a refusal says for the options people reach for first. */
const WHY: Partial<Record<EasyOptionName, string>> = {
  PROXY: 'through a proxy the policy could not judge the target',
  PRE_PROXY: 'through a proxy the policy could not judge the target',
  DOH_URL: 'names resolved over DoH would skip the host rules',
  RESOLVE: 'its answers would skip the host rules',
  CONNECT_TO: 'it moves the connection to a host the rules never saw',
  ALTSVC: 'alt-svc moves connections to hosts the rules never saw',
  ALTSVC_CTRL: 'alt-svc moves connections to hosts the rules never saw',
  PROTOCOLS: 'the sandbox sets the protocols',
  PROTOCOLS_STR: 'the sandbox sets the protocols',
  REDIR_PROTOCOLS: 'the sandbox sets the protocols',
  REDIR_PROTOCOLS_STR: 'the sandbox sets the protocols',
  WRITEFUNCTION: 'the sandbox counts the body through its own callback',
  HEADERFUNCTION: 'the sandbox counts the heads through its own callback',
  UNRESTRICTED_AUTH: 'it would send credentials to every host a redirect names',
  VERBOSE: "curl's trace would go to the process's stderr, as much as the server sends: pass onDebug to read it",
};

/** The sandbox's limits an option is clamped to. */
export interface ClampLimits {
  timeoutMs: number;
  maxRedirects: number;
}

/** What the gate lets through: accepted options by curl's name, and the clamped values. */
export interface GatedOptions {
  curl: Record<string, OptionValue>;
  timeoutMs: number;
  maxRedirects: number;
}

const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? v : Infinity);

/**
 * Passes `curl` (per-request options, any spelling) through the gate:
 * throws a TypeError naming the first refused option; answers the accepted
 * ones under curl's names and the time and redirect bounds, clamped.
 */
export function gateOptions(
  curl: Record<string, OptionValue> | undefined,
  asked: { timeoutMs?: number | undefined; maxRedirects?: number | undefined },
  limits: ClampLimits,
): GatedOptions {
  const accepted: Record<string, OptionValue> = {};
  let timeoutMs = Math.min(positive(asked.timeoutMs), limits.timeoutMs);
  let maxRedirects = Math.min(asked.maxRedirects !== undefined && asked.maxRedirects >= 0 ? asked.maxRedirects : Infinity, limits.maxRedirects);
  let connectMs = Infinity;
  for (const key of Object.keys(curl ?? {})) {
    let name: EasyOptionName;
    try {
      [name] = easyOption(key);
    } catch {
      throw new TypeError(`curl option ${key} is unknown (a Sandbox accepts only the options its README lists)`);
    }
    const value = curl![key];
    if (SANDBOX_CLAMPED.has(name)) {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new TypeError(`curl option ${key} must be a number`);
      if (name === 'TIMEOUT') timeoutMs = Math.min(timeoutMs, positive(n * 1000));
      else if (name === 'TIMEOUT_MS') timeoutMs = Math.min(timeoutMs, positive(n));
      else if (name === 'CONNECTTIMEOUT') connectMs = Math.min(connectMs, positive(n * 1000));
      else if (name === 'CONNECTTIMEOUT_MS') connectMs = Math.min(connectMs, positive(n));
      else if (n >= 0) maxRedirects = Math.min(maxRedirects, n);
      continue;
    }
    if (!SANDBOX_ACCEPTED.has(name)) {
      const why = WHY[name] ?? 'not on the list of options a Sandbox accepts (see the README)';
      throw new TypeError(`curl option ${key} (CURLOPT_${name}) is refused in a Sandbox: ${why}`);
    }
    accepted[name] = value;
  }
  if (Number.isFinite(connectMs)) accepted.CONNECTTIMEOUT_MS = Math.min(connectMs, timeoutMs);
  return { curl: accepted, timeoutMs, maxRedirects };
}
