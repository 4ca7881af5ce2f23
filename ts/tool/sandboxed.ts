// SPDX-License-Identifier: MIT
// A curl-wasm run under a Sandbox (curl(args, { sandbox }) of ../cli.ts):
// what the Sandbox hands the run (its guards for the run's own socket table,
// its resolver, its protocols and limits), and the command-line checks that
// keep its connections where the policy judges them.
import type { LookupFunction } from '../host/dns.js';
import type { SocketTable } from '../host/sockets.js';
import type { ToolOptionName } from '../curl/generated/tool-options.js';
import { readCommandLine } from './command-line.js';
import { headerField } from './request-check.js';
import { Variables, wireValueRefusal } from './wire-values.js';

/** The limits a sandboxed run's tool holds itself (wasm/tool/limits.c and the memory cap of wasm/glue/memory.c). */
export interface ToolLimits {
  /** response head bytes per transfer, all heads together */
  maxHeaderBytes: number;
  /** decoded response body bytes per transfer */
  maxBodyBytes: number;
  /** the tool's wasm memory */
  maxMemoryBytes: number;
  /** each transfer's final URL and header fields, as request() bounds a request's (./request-check.ts) */
  maxUrlBytes: number;
  maxRequestHeaders: number;
  maxRequestHeaderBytes: number;
}

/** What Sandbox.toolPolicy() answers (ts/api/sandbox.ts). */
export interface ToolPolicy {
  /** curl's --proto list: `http,https` */
  protocols: string;
  maxRedirects: number;
  timeoutMs: number;
  limits: ToolLimits;
  /** Throws what a Sandbox's request() throws for a request with this URL and these header fields (LimitExceeded, TypeError). */
  checkRequest(urls: readonly string[], headers: readonly (readonly [string, string])[]): void;
  /** Puts the sandbox's connect guard and byte accounting on a run's table; answers the lookup guard and resolver. */
  install(table: SocketTable): { lookup: LookupFunction; hostGuard(hostname: string, owner: number): boolean };
  /** The run is over (its table is closed): the sandbox forgets it. */
  release(table: SocketTable): void;
  /** The host's deadline (timeoutMs and a grace) ended the run: recorded in `refused`. */
  timedOut(): void;
  /** The tool refused to set up a transfer whose final URL or header fields are past the bounds (./request-check.ts): recorded in `refused`. */
  refuse(error: Error): void;
  /** The tool crossed maxHeaderBytes or maxBodyBytes: recorded in `refused` (once per limit). */
  exceeded(limit: 'maxHeaderBytes' | 'maxBodyBytes'): void;
  /** What the sandbox refused or cut during the run (PolicyDenied, LimitExceeded), in order. */
  readonly refused: Error[];
}

/** How long past timeoutMs the host ends a run curl's own --max-time has not ended (as Sandbox transfers). */
export const DEADLINE_GRACE_MS = 1000;

/**
 * Options that would send connections around the policy's judgement of the
 * URL's host: a proxy (the target host would go unjudged to it), names
 * pinned to addresses, DNS-over-HTTPS, a config file or stdin that could
 * bring any of these; and FTP's active mode, whose listener accepts a
 * connection nobody judged. The library refuses the same (CURLOPT_PROXY,
 * CONNECT_TO, RESOLVE, DOH_URL in ts/api/sandbox.ts).
 */
const REFUSED = new Set<ToolOptionName>([
  'config',
  'proxy',
  'proxy1.0',
  'preproxy',
  'socks4',
  'socks4a',
  'socks5',
  'socks5-hostname',
  'resolve',
  'connect-to',
  'doh-url',
  'unix-socket',
  'abstract-unix-socket',
  // an active-mode listener takes the data connection from whoever connects first, judged by no rule
  'ftp-port',
]);

/** curl's size argument (GetSizeParameter in src/tool_getparam.c): digits and one of G, M, K, B; undefined if curl would refuse it. */
export function curlSize(text: string): number | undefined {
  const m = /^(\d+)([gmkb]?)$/i.exec(text);
  if (!m) return undefined;
  const unit = { g: 2 ** 30, m: 2 ** 20, k: 2 ** 10, b: 1, '': 1 }[m[2]!.toLowerCase() as 'g' | 'm' | 'k' | 'b' | ''];
  return Number(m[1]) * unit;
}

/** One `--next` group's bounds as the command line set them, before the sandbox's. */
interface Group {
  urls: string[];
  headers: [string, string][];
  /** the last --max-filesize, --max-time (seconds), --max-redirs; undefined or NaN when absent or not read here (the sandbox's bound then) */
  maxFilesize?: number;
  maxTime?: number;
  maxRedirs?: number;
}

const lowest = (asked: number | undefined, cap: number) => (asked !== undefined && asked >= 0 && asked < cap ? asked : cap);

/** What sandboxArgs() answers: the command line to run, and whether the sandbox's body cap is curl's --max-filesize somewhere. */
export interface SandboxedCommandLine {
  args: string[];
  /** some group's --max-filesize is the sandbox's maxBodyBytes (not a lower one of the caller's): curl's exit 63 is the sandbox's limit */
  bodyCapped: boolean;
}

/**
 * The command line as the sandbox runs it, read as curl reads it
 * (./command-line.ts): refuses the options above, and values that could put
 * CR or LF on the wire (./wire-values.ts); checks each group's URLs
 * and `-H` fields as a Sandbox's request() checks its own (maxUrlBytes,
 * maxRequestHeaders, maxRequestHeaderBytes; `-H @file` read from `read`);
 * appends after each `--next` group the sandbox's protocols, and the lower
 * of the group's own and the sandbox's redirect cap, time limit and body
 * size (curl takes the last of each, per group).
 */
export function sandboxArgs(args: readonly string[], policy: ToolPolicy, read: (file: string) => string | undefined = () => undefined): SandboxedCommandLine {
  for (const arg of args) if (typeof arg !== 'string') throw new TypeError('curl(): every argument must be a string');
  const cap = policy.limits.maxBodyBytes;
  let bodyCapped = false;
  const close = (group: Group): string[] => {
    policy.checkRequest(group.urls, group.headers);
    const filesize = group.maxFilesize === 0 ? cap : lowest(group.maxFilesize, cap);
    if (filesize === cap) bodyCapped = true;
    // --max-time 0 and --max-redirs -1 are "no limit" to curl: the sandbox's then
    const seconds = lowest(group.maxTime === 0 ? undefined : group.maxTime, policy.timeoutMs / 1000);
    return [
      '--proto',
      `=${policy.protocols}`,
      '--proto-redir',
      `=${policy.protocols}`,
      '--max-redirs',
      String(lowest(group.maxRedirs, policy.maxRedirects)),
      '--max-time',
      String(seconds),
      '--max-filesize',
      String(filesize),
    ];
  };
  const refuse = (option: string) => {
    throw new TypeError(`curl(): ${option} is not allowed under a sandbox`);
  };
  // -q first: no default config file (.curlrc in the run's HOME) could bring a proxy
  const out: string[] = ['-q'];
  let group: Group = { urls: [], headers: [] };
  const variables = new Variables(read);
  let copied = 0; // args[0..copied) are in out
  const copyTo = (end: number) => {
    out.push(...args.slice(copied, end));
    copied = end;
  };
  for (const [i, item] of readCommandLine(args)) {
    if (item.kind === 'unknown') break; // curl stops there (exit 2): nothing after it runs
    if (item.kind === 'end-of-options') {
      // every argument after it is a URL: the enforced options go before it
      copyTo(i);
      out.push(...close({ ...group, urls: [...group.urls, ...args.slice(i + 1)] }));
      copyTo(args.length);
      return { args: out, bodyCapped };
    }
    if (item.kind === 'next') {
      if (args[i] !== '--next' && args[i] !== '-:') refuse('-: inside a group of short options (write it alone)');
      copyTo(i);
      out.push(...close(group));
      group = { urls: [], headers: [] };
      continue;
    }
    if (item.kind === 'url') {
      group.urls.push(item.value);
      continue;
    }
    const { name, value } = item;
    if (REFUSED.has(name)) refuse(args[i]!.startsWith('--') ? `--${name}` : `${args[i]} (--${name})`);
    if (value === undefined) continue;
    // no value may put a second command on an FTP, SMTP, IMAP or POP3 connection (./wire-values.ts)
    const badValue = wireValueRefusal(name, value, item.expand, variables);
    if (badValue) throw new TypeError(`curl(): ${badValue}`);
    if (name === 'variable') variables.define(value, item.expand);
    // a value from --expand-*'s variables is not known here: the sandbox's own bound stands
    const known = item.expand ? undefined : value;
    if (name === 'url') group.urls.push(value);
    else if (name === 'max-filesize') group.maxFilesize = known === undefined ? undefined : curlSize(known);
    else if (name === 'max-time') group.maxTime = known === undefined ? undefined : Number(known);
    else if (name === 'max-redirs') group.maxRedirs = known === undefined ? undefined : Number(known);
    else if (name === 'header') {
      const lines = value.startsWith('@') ? (read(value.slice(1)) ?? '').split(/\r?\n/) : [value];
      for (const line of lines) {
        const field = headerField(line);
        if (field) group.headers.push(field);
      }
    }
  }
  copyTo(args.length);
  out.push(...close(group));
  return { args: out, bodyCapped };
}

/** Environment variables that would bring a proxy or a config file in. */
export function sandboxEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (!/proxy$/i.test(k) && !/^CURL_HOME$/i.test(k)) out[k] = v;
  return out;
}
