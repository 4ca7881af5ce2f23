// SPDX-License-Identifier: MIT
// A curl-wasm run under a Sandbox (curl(args, { sandbox }) of ../cli.ts):
// what the Sandbox hands the run (its guards for the run's own socket table,
// its resolver, its protocols and limits), and the command-line checks that
// keep its connections where the policy judges them.
import type { LookupFunction } from '../host/dns.js';
import type { SocketTable } from '../host/sockets.js';

/** What Sandbox.toolPolicy() answers (ts/api/sandbox.ts). */
export interface ToolPolicy {
  /** curl's --proto list: `http,https` */
  protocols: string;
  maxRedirects: number;
  timeoutMs: number;
  /** Puts the sandbox's connect guard and byte accounting on a run's table; answers the lookup guard and resolver. */
  install(table: SocketTable): { lookup: LookupFunction; hostGuard(hostname: string, owner: number): boolean };
  /** The run is over (its table is closed): the sandbox forgets it. */
  release(table: SocketTable): void;
  /** The host's deadline (timeoutMs and a grace) ended the run: recorded in `refused`. */
  timedOut(): void;
  /** What the sandbox refused or cut during the run (PolicyDenied, LimitExceeded), in order. */
  readonly refused: Error[];
}

/** How long past timeoutMs the host ends a run curl's own --max-time has not ended (as Sandbox transfers). */
export const DEADLINE_GRACE_MS = 1000;

/**
 * Options that would send connections around the policy's judgement of the
 * URL's host: a proxy (the target host would go unjudged to it), names
 * pinned to addresses, DNS-over-HTTPS, a config file or stdin that could
 * bring any of these. The library refuses the same (CURLOPT_PROXY,
 * CONNECT_TO, RESOLVE, DOH_URL in ts/api/sandbox.ts).
 */
const REFUSED_LONG = new Set([
  'config',
  'proxy',
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
]);
const REFUSED_SHORT: Record<string, string> = { K: 'config', x: 'proxy' };
/** curl's short options that take an argument (ARG_STRG and ARG_FILE in curl 8.14.1's src/tool_getparam.c). */
// (-h, --help, is left out: it never takes the next argument, and ends the run)
const SHORT_WITH_ARG = 'EKCbcdDFPHmoxUQreXYytzTuAw';

/**
 * The command line as the sandbox runs it: refuses the options above, and
 * appends the sandbox's protocols, redirect cap and time limit after each
 * `--next` group (curl takes the last of each, per group).
 */
export function sandboxArgs(args: readonly string[], policy: ToolPolicy): string[] {
  const seconds = String(policy.timeoutMs / 1000);
  const enforced = [
    '--proto',
    `=${policy.protocols}`,
    '--proto-redir',
    `=${policy.protocols}`,
    '--max-redirs',
    String(policy.maxRedirects),
    '--max-time',
    seconds,
  ];
  const refuse = (option: string) => {
    throw new TypeError(`curl(): ${option} is not allowed under a sandbox`);
  };
  const out: string[] = [];
  let value = false; // the previous argument was an option that takes this one
  for (const [i, arg] of args.entries()) {
    if (typeof arg !== 'string') throw new TypeError('curl(): every argument must be a string');
    if (!value && arg === '--') {
      // every argument after it is a URL: the enforced options go before
      return [...out, ...enforced, ...args.slice(i)];
    }
    if (value) {
      value = false;
    } else if (arg === '--next' || arg === '-:') {
      out.push(...enforced);
    } else if (arg.startsWith('--') && arg.length > 2) {
      const name = arg.slice(2).replace(/^expand-/, '');
      if (REFUSED_LONG.has(name)) refuse(`--${name}`);
      // a long option's value is always the next argument; whether it takes one is curl's to say, so a refused name is refused wherever it stands
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let i = 1; i < arg.length; i++) {
        const c = arg[i]!;
        if (REFUSED_SHORT[c]) refuse(`-${c} (--${REFUSED_SHORT[c]})`);
        if (c === ':') refuse('-: inside a group of short options (write it alone)');
        if (SHORT_WITH_ARG.includes(c)) {
          value = i === arg.length - 1;
          break;
        }
      }
    }
    out.push(arg);
  }
  out.push(...enforced);
  return out;
}

/** Environment variables that would bring a proxy or a config file in. */
export function sandboxEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (!/proxy$/i.test(k) && !/^CURL_HOME$/i.test(k)) out[k] = v;
  return out;
}
