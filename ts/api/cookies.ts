// SPDX-License-Identifier: MIT
// A session's cookie jar (curl's cookie engine, in memory, behind a Share):
// export and import in Netscape format (what curl's cookie files hold) or as
// JSON.
import { Easy } from '../curl/easy.js';
import type { Share } from '../curl/share.js';
import type { Runtime } from './host.js';

export interface Cookie {
  name: string;
  value: string;
  domain: string;
  /** The cookie also matches subdomains of `domain`. */
  includeSubdomains: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  /** Unix time in seconds; 0 for a session cookie. */
  expires: number;
}

const HTTPONLY = '#HttpOnly_';

export class CookieJar {
  readonly #easy: Easy;

  constructor(rt: Runtime, share: Share) {
    // any handle on the share sees the jar; this one never transfers
    this.#easy = new Easy(rt).setOpt('SHARE', share).setOpt('COOKIEFILE', '');
  }

  /** Every cookie as a line of curl's Netscape cookie-file format. */
  toNetscape(): string {
    return (this.#easy.getInfo('COOKIELIST') as string[]).map((l) => `${l}\n`).join('');
  }

  toJSON(): Cookie[] {
    return (this.#easy.getInfo('COOKIELIST') as string[]).map(parseNetscape);
  }

  /** Adds cookies from Netscape-format text (a cookie file's content). */
  fromNetscape(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() && (!line.startsWith('#') || line.startsWith(HTTPONLY))) this.#easy.setOpt('COOKIELIST', line);
    }
  }

  fromJSON(cookies: readonly Cookie[]): void {
    for (const c of cookies) this.#easy.setOpt('COOKIELIST', toNetscape(c));
  }

  /** Adds one cookie as a server would set it, e.g. `Set-Cookie: a=1; Domain=example.org`. */
  set(setCookie: string): void {
    this.#easy.setOpt('COOKIELIST', /^set-cookie:/i.test(setCookie) ? setCookie : `Set-Cookie: ${setCookie}`);
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#easy.setOpt('COOKIELIST', 'ALL');
  }

  /** @internal */
  close(): void {
    this.#easy.close();
  }
}

function parseNetscape(line: string): Cookie {
  const [domain = '', sub, path = '/', secure, expires, name = '', value = ''] = line.split('\t');
  const httpOnly = domain.startsWith(HTTPONLY);
  return {
    name,
    value,
    domain: httpOnly ? domain.slice(HTTPONLY.length) : domain,
    includeSubdomains: sub === 'TRUE',
    path,
    secure: secure === 'TRUE',
    httpOnly,
    expires: Number(expires) || 0,
  };
}

function toNetscape(c: Cookie): string {
  const b = (v: boolean) => (v ? 'TRUE' : 'FALSE');
  return [`${c.httpOnly ? HTTPONLY : ''}${c.domain}`, b(c.includeSubdomains), c.path, b(c.secure), String(c.expires), c.name, c.value].join('\t');
}
