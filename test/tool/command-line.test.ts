// SPDX-License-Identifier: MIT
// The command line as curl 8.14.1 reads it (ts/tool/command-line.ts), from
// the option table generated out of its src/tool_getparam.c.
import { describe, expect, it } from 'vitest';
import { TOOL_OPTIONS } from '../../ts/curl/generated/tool-options.js';
import { readCommandLine } from '../../ts/tool/command-line.js';
import { curlSize, sandboxArgs } from '../../ts/tool/sandboxed.js';
import { Variables } from '../../ts/tool/wire-values.js';
import { Sandbox } from '../../ts/index.js';

const read = (args: string[]) => [...readCommandLine(args)].map(([i, item]) => [i, item]);

describe('the generated option table', () => {
  it("has curl's options with their argument types and short letters", () => {
    expect(TOOL_OPTIONS.header).toEqual({ arg: 'string', short: 'H' });
    expect(TOOL_OPTIONS.output).toEqual({ arg: 'file', short: 'o' });
    expect(TOOL_OPTIONS.verbose).toEqual({ arg: 'bool', short: 'v' });
    expect(TOOL_OPTIONS.next).toEqual({ arg: 'none', short: ':' });
    expect(TOOL_OPTIONS['http1.0']).toEqual({ arg: 'none', short: '0' });
    expect(TOOL_OPTIONS['doh-url']).toEqual({ arg: 'string' });
    expect(Object.keys(TOOL_OPTIONS).length).toBeGreaterThan(250);
    // the short options that take a value, as curl's manual lists them
    const valued = Object.values(TOOL_OPTIONS)
      .filter((o) => 'short' in o && (o.arg === 'string' || o.arg === 'file'))
      .map((o) => (o as { short: string }).short)
      .sort()
      .join('');
    expect(valued).toBe('ACDEFHKPQTUXYbcdehmortuwxyz');
  });
});

describe('readCommandLine', () => {
  it('tells options, their values and URLs apart as curl does', () => {
    expect(read(['-sSH', 'X: -x', '--data', '--proxy', 'http://a/', '-ofile', '--no-progress-meter'])).toEqual([
      [0, { kind: 'option', name: 'silent', expand: false }],
      [0, { kind: 'option', name: 'show-error', expand: false }],
      [0, { kind: 'option', name: 'header', value: 'X: -x', expand: false }],
      [2, { kind: 'option', name: 'data', value: '--proxy', expand: false }],
      [4, { kind: 'url', value: 'http://a/' }],
      [5, { kind: 'option', name: 'output', value: 'file', expand: false }],
      [6, { kind: 'option', name: 'progress-meter', expand: false }],
    ]);
  });

  it('reads --next groups, -- and --expand-', () => {
    expect(read(['a', '-:', '--expand-url', '{{u}}', '--', '-x', '--next'])).toEqual([
      [0, { kind: 'url', value: 'a' }],
      [1, { kind: 'next' }],
      [2, { kind: 'option', name: 'url', value: '{{u}}', expand: true }],
      [4, { kind: 'end-of-options' }],
      [5, { kind: 'url', value: '-x' }],
      [6, { kind: 'url', value: '--next' }],
    ]);
  });

  it('stops at an option curl does not know, and at --help', () => {
    expect(read(['--bogus', '-x', 'p'])).toEqual([[0, { kind: 'unknown', arg: '--bogus' }]]);
    expect(read(['-s!', '-x', 'p'])).toEqual([
      [0, { kind: 'option', name: 'silent', expand: false }],
      [0, { kind: 'unknown', arg: '-s!' }],
    ]);
    expect(read(['-h', '-x', 'p'])).toEqual([]);
  });
});

describe('curlSize', () => {
  it("reads --max-filesize's argument as curl's GetSizeParameter", () => {
    expect(curlSize('100')).toBe(100);
    expect(curlSize('2k')).toBe(2048);
    expect(curlSize('3M')).toBe(3 << 20);
    expect(curlSize('1G')).toBe(2 ** 30);
    expect(curlSize('7b')).toBe(7);
    expect(curlSize('1.5M')).toBeUndefined();
    expect(curlSize('-1')).toBeUndefined();
    expect(curlSize('5kb')).toBeUndefined();
  });
});

describe('sandboxArgs', () => {
  it("appends per group the lower of the caller's bounds and the sandbox's, -q first", async () => {
    const sb = await Sandbox.create({ protocols: ['http'], limits: { timeoutMs: 10_000, maxRedirects: 3, maxBodyBytes: 1000 } });
    try {
      const policy = sb.toolPolicy();
      const words = (text: string) => text.split(' ');
      const enforced = (redirs: string, time: string, size: string) =>
        words(`--proto =http --proto-redir =http --max-redirs ${redirs} --max-time ${time} --max-filesize ${size}`);
      const groups = ['--max-time 2.5 --max-redirs -1 --max-filesize 1k a', '--max-time 60 --max-redirs 1 --max-filesize 1M b', '--max-time 0'];
      const line = sandboxArgs(words(`${groups.join(' --next ')} -- c`), policy);
      expect(line.args).toEqual([
        '-q',
        ...words(groups[0]!),
        ...enforced('3', '2.5', '1000'),
        '--next',
        ...words(groups[1]!),
        ...enforced('1', '10', '1000'),
        '--next',
        ...words(groups[2]!),
        ...enforced('3', '10', '1000'),
        ...['--', 'c'],
      ]);
      expect(line.bodyCapped).toBe(true);
      // a value from --expand-* is not known here: the sandbox's bound
      expect(sandboxArgs(['--expand-max-filesize', '{{n}}', 'a'], policy).args.slice(-2)).toEqual(['--max-filesize', '1000']);
      expect(sandboxArgs(['--max-filesize', '10', 'a'], policy).bodyCapped).toBe(false);
    } finally {
      await sb.destroy();
    }
  });
});

describe('Variables: what curl could expand a sandboxed value to', () => {
  const files: Record<string, string> = { 'clean.txt': 'ok', 'crlf.txt': 'a\r\nb' };
  const clean = (defs: [string, boolean][], value: string) => {
    const v = new Variables((f) => files[f]);
    for (const [text, expand] of defs) v.define(text, expand);
    return v.expandsClean(value);
  };
  it('a reference is clean when every definition was text or a file without CR/LF, or it ends in :url, :b64 or :json', () => {
    expect(clean([['a=ok', false]], 'x{{a}}y')).toBe(true);
    expect(clean([['a@clean.txt', false]], '{{a:trim}}')).toBe(true);
    expect(clean([['a[0-1]@clean.txt', false]], '{{a}}')).toBe(true);
    expect(clean([['a@crlf.txt', false]], '{{a}}')).toBe(false);
    expect(clean([['a@crlf.txt', false]], '{{a:trim:url}}')).toBe(true);
    expect(clean([['a@crlf.txt', false]], '{{a:json}} {{a:b64}}')).toBe(true);
    expect(clean([['a@missing.txt', false]], '{{a}}')).toBe(false);
    expect(
      clean(
        [
          ['a=ok', false],
          ['a@crlf.txt', false],
        ],
        '{{a}}',
      ),
    ).toBe(false); // any definition counts
    expect(clean([['a=YQ0KYg', false]], '{{a:64dec}}')).toBe(false);
    expect(clean([['%HOME', false]], '{{HOME}}')).toBe(false); // the environment is not seen here
    expect(clean([['%HOME=ok', false]], '{{HOME}}')).toBe(false);
    expect(clean([], '{{never}}')).toBe(false);
  });
  it('--expand-variable: clean only if its own expansion is; an expanded name makes every name unknown', () => {
    expect(
      clean(
        [
          ['a=ok', false],
          ['b={{a}}', true],
        ],
        '{{b}}',
      ),
    ).toBe(true);
    expect(
      clean(
        [
          ['a@crlf.txt', false],
          ['b={{a}}', true],
        ],
        '{{b}}',
      ),
    ).toBe(false);
    expect(clean([['b={{a}}', false]], '{{b}}')).toBe(true); // not expanded: the text itself
    expect(
      clean(
        [
          ['a=ok', false],
          ['{{x}}=1', true],
        ],
        '{{a}}',
      ),
    ).toBe(false);
  });
  it('text that is no reference is the value itself', () => {
    expect(clean([], 'plain')).toBe(true);
    expect(clean([], '\\{{a}}')).toBe(true);
    expect(clean([], '{{bad name}}')).toBe(true);
    expect(clean([], '{{a')).toBe(true); // curl stops expanding at a missing }}
    expect(clean([], '{{ok}} \\{{a}} {{b:url}}')).toBe(false);
  });
});
