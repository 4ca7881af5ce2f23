// SPDX-License-Identifier: MIT
// The sandbox's option gate: the README lists exactly what it accepts, every
// name on the lists is a real curl option, and every spelling of a refused
// option is refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SANDBOX_ACCEPTED, SANDBOX_CLAMPED, gateOptions } from '../../ts/api/sandbox-options.js';
import { EASY_OPTION_CAMEL } from '../../ts/curl/generated/names.js';
import { EASY_OPTIONS } from '../../ts/curl/generated/options.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
const listed = (from: string, to: string) =>
  new Set(
    readme
      .slice(readme.indexOf(from) + from.length, readme.indexOf(to, readme.indexOf(from)))
      .replace(/`/g, '')
      .trim()
      .split(' '),
  );

describe('the sandbox option gate', () => {
  it('the README lists exactly the accepted and the clamped options', () => {
    expect(listed('the option. Accepted:', '; clamped')).toEqual(new Set(SANDBOX_ACCEPTED));
    expect(listed('"no limit" to curl, mean the limit):', '. Proxies')).toEqual(new Set(SANDBOX_CLAMPED));
  });

  it('every listed name is an option of this curl', () => {
    for (const name of [...SANDBOX_ACCEPTED, ...SANDBOX_CLAMPED]) expect(Object.hasOwn(EASY_OPTIONS, name), name).toBe(true);
  });

  it('every option not on the lists is refused in every spelling', () => {
    const limits = { timeoutMs: 1000, maxRedirects: 2 };
    const camel = Object.entries(EASY_OPTION_CAMEL);
    for (const name of Object.keys(EASY_OPTIONS)) {
      if (SANDBOX_ACCEPTED.has(name as never) || SANDBOX_CLAMPED.has(name as never)) continue;
      const spellings = [name, `CURLOPT_${name}`, ...camel.filter(([, n]) => n === name).map(([c]) => c)];
      for (const s of spellings) expect(() => gateOptions({ [s]: 1 }, {}, limits), s).toThrow(TypeError);
    }
  });

  it('clamps: the tightest of the request and the limit; no value lifts the limit', () => {
    const limits = { timeoutMs: 1000, maxRedirects: 2 };
    expect(gateOptions({ TIMEOUT: 0, timeoutMs: 0 }, { timeoutMs: 0 }, limits)).toMatchObject({ timeoutMs: 1000, curl: {} });
    expect(gateOptions({ CURLOPT_TIMEOUT_MS: 300 }, { timeoutMs: 5000 }, limits).timeoutMs).toBe(300);
    expect(gateOptions({ MAXREDIRS: -1 }, { maxRedirects: 50 }, limits).maxRedirects).toBe(2);
    expect(gateOptions({ CONNECTTIMEOUT: 5 }, {}, limits).curl).toEqual({ CONNECTTIMEOUT_MS: 1000 });
    expect(gateOptions({ CONNECTTIMEOUT: 0 }, {}, limits).curl).toEqual({}); // curl's default, under TIMEOUT_MS
    expect(gateOptions({ useragent: 'x', CURLOPT_REFERER: 'y' }, {}, limits).curl).toEqual({ USERAGENT: 'x', REFERER: 'y' });
  });
});
