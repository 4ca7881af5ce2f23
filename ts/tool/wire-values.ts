// SPDX-License-Identifier: MIT
// A sandboxed run's check that no option value puts CR or LF on the wire:
// an FTP, SMTP, IMAP or POP3 command is one line, so a CR or LF in a value
// that goes into one (--mail-rcpt, -Q, --ftp-account…) would send a second
// command. Values are judged as ./command-line.ts reads them, and an
// --expand- value by what curl's variables (src/var.c) could make of it.
import type { ToolOptionName } from '../curl/generated/tool-options.js';

/**
 * Options whose value may hold CR or LF: a body, a form, a format, a
 * variable's content (judged where it is expanded), header lines (split and
 * checked as fields by ./sandboxed.ts), a URL and --url-query (curl
 * percent-encodes them or refuses control bytes, CURLE_URL_MALFORMAT); and
 * those the tool's own check of each transfer judges after expansion
 * (wasm/tool/limits.c, ./request-check.ts: exit 43).
 */
const MAY_HOLD_LINES = new Set<ToolOptionName>([
  'data',
  'data-ascii',
  'data-binary',
  'data-raw',
  'data-urlencode',
  'form',
  'form-string',
  'json',
  'variable',
  'write-out',
  'header',
  'proxy-header',
  'url',
  'url-query',
  // checked per transfer, after expansion, by the tool itself
  'request',
  'request-target',
  'haproxy-clientip',
  'user-agent',
  'referer',
  'cookie',
  'range',
  'user',
  'oauth2-bearer',
]);

/**
 * Options curl sends as given in a command line (FTP, SMTP, IMAP, POP3,
 * TELNET) or in a field it builds (--aws-sigv4), which no later check sees:
 * their --expand- form is judged by what a variable could hold. (Other
 * options' expansions make file names, numbers or keywords, not lines sent.)
 */
const SENT = new Set<ToolOptionName>([
  'mail-rcpt',
  'mail-from',
  'mail-auth',
  'quote',
  'ftp-account',
  'ftp-alternative-to-user',
  'login-options',
  'sasl-authzid',
  'service-name',
  'aws-sigv4',
  'telnet-option',
]);

const LINE_BREAK = /[\r\n\0]/;
/** Functions after which a variable holds no CR or LF: curl percent-encodes, base64-encodes or JSON-escapes it. */
const SAFE_LAST = new Set(['url', 'b64', 'json']);

/** The variables (--variable) a command line defines, as far as they can hold CR or LF. */
export class Variables {
  /** names whose every definition so far is known to hold no CR, LF or NUL */
  readonly #clean = new Set<string>();
  /** names some definition of which could hold one */
  readonly #unknown = new Set<string>();
  /** a definition whose name came from an expansion: any name may hold anything */
  #anyName = false;

  constructor(private readonly read: (file: string) => string | undefined) {}

  /** `--variable` (`expand`: `--expand-variable`): `[%]name[=content|@file]`, a byte range `[a-b]` before `=`/`@`. */
  define(text: string, expand: boolean): void {
    const m = /^%?([A-Za-z0-9_]+)(?:\[\d[^\]]*\])?([=@]?)([\s\S]*)$/.exec(text);
    if (!m) {
      // curl skips a bad name; an expanded one is not known here
      if (expand && text.includes('{{')) this.#anyName = true;
      return;
    }
    const [, name, how, rest] = m as unknown as [string, string, string, string];
    // an import (%) reads the run's environment, which this does not see
    const content = text.startsWith('%') ? undefined : how === '=' ? rest : how === '@' ? this.read(rest) : undefined;
    const clean = content !== undefined && !LINE_BREAK.test(content) && (!expand || this.expandsClean(content));
    if (clean && !this.#unknown.has(name)) this.#clean.add(name);
    else {
      this.#clean.delete(name);
      this.#unknown.add(name);
    }
  }

  /**
   * Whether curl's expansion of `value` (varexpand() in src/var.c: `{{name}}`,
   * `{{name:fn:fn}}`, `\{{` kept as text) holds no CR, LF or NUL: each
   * reference is to a variable known to hold none (and no `64dec` could make
   * one), or ends in `:url`, `:b64` or `:json`.
   */
  expandsClean(value: string): boolean {
    let at = 0;
    for (;;) {
      const open = value.indexOf('{{', at);
      if (open < 0) return true;
      if (open > 0 && value[open - 1] === '\\') {
        at = open + 2;
        continue;
      }
      const close = value.indexOf('}}', open + 2);
      if (close < 0) return true; // curl stops expanding there: the rest is not added
      const [name = '', ...functions] = value.slice(open + 2, close).split(':');
      // not a variable name: curl keeps the text as it is (judged as the value's own text)
      const variable = /^[A-Za-z0-9_]{1,127}$/.test(name);
      const last = functions.at(-1);
      const known = !this.#anyName && this.#clean.has(name) && !functions.includes('64dec');
      if (variable && !(last !== undefined && SAFE_LAST.has(last)) && !known) return false;
      at = close + 2;
    }
  }
}

/**
 * Why an option's value is refused under a sandbox (the message of the
 * TypeError curl() rejects with), or undefined: CR, LF or NUL in it (any
 * option but those above that may hold lines), or, for an option in SENT,
 * in what its --expand- form could make of a variable.
 */
export function wireValueRefusal(name: ToolOptionName, value: string, expand: boolean, variables: Variables): string | undefined {
  if (MAY_HOLD_LINES.has(name)) return undefined;
  const option = `${expand ? '--expand-' : '--'}${name}`;
  if (LINE_BREAK.test(value)) return `invalid value for ${option}: CR, LF and NUL are not allowed`;
  if (expand && SENT.has(name) && !variables.expandsClean(value))
    return `invalid value for ${option}: a variable that could hold CR or LF is not allowed (end it in :url, :b64 or :json)`;
  return undefined;
}
