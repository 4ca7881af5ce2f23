// SPDX-License-Identifier: MIT
// A curl command line read as curl 8.14.1 reads it (parse_args() and
// getparameter() in src/tool_getparam.c), with the option table generated
// from that file: which argument is an option, which is its value, which is
// a URL, and where each `--next` group ends. The sandboxed curl()
// (./sandboxed.ts) judges a command line by this reading, never by a guess.
import { TOOL_OPTIONS, type ToolOptionName } from '../curl/generated/tool-options.js';

/** One thing the command line says, in order. */
export type CommandItem =
  /** an option; `value` when it takes one (the rest of a short group, or the next argument) */
  | { kind: 'option'; name: ToolOptionName; value?: string; expand: boolean }
  /** an argument curl takes as a URL (a non-option, or anything after `--`) */
  | { kind: 'url'; value: string }
  /** `--next` (`-:`): the options after it are a new group */
  | { kind: 'next' }
  /** `--`: every later argument is a URL */
  | { kind: 'end-of-options' };

/** An option curl would not know (its own error ends the run, exit 2): read no further into it. */
export type UnknownOption = { kind: 'unknown'; arg: string };

const SHORT = new Map<string, ToolOptionName>();
for (const [name, spec] of Object.entries(TOOL_OPTIONS) as [ToolOptionName, { short?: string }][]) if (spec.short) SHORT.set(spec.short, name);

/** Whether the option takes an argument (ARG_STRG or ARG_FILE in curl's table). */
export function takesValue(name: ToolOptionName): boolean {
  const { arg } = TOOL_OPTIONS[name];
  return arg === 'string' || arg === 'file';
}

/**
 * Each argument's meaning, with the index of the argument it starts at.
 * `--help` (`-h`) ends the reading: curl prints help and runs nothing.
 */
export function* readCommandLine(args: readonly string[]): Generator<[number, CommandItem | UnknownOption]> {
  let flags = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!flags || arg[0] !== '-') {
      yield [i, { kind: 'url', value: arg }];
      continue;
    }
    if (arg === '-') {
      yield [i, { kind: 'unknown', arg }];
      return;
    }
    if (arg === '--') {
      flags = false;
      yield [i, { kind: 'end-of-options' }];
      continue;
    }
    const next = args[i + 1];
    if (arg[1] === '-') {
      let word = arg.slice(2);
      let expand = false;
      if (word.startsWith('no-')) word = word.slice(3);
      else if (word.startsWith('expand-')) [word, expand] = [word.slice(7), true];
      if (!Object.hasOwn(TOOL_OPTIONS, word)) {
        yield [i, { kind: 'unknown', arg }];
        return;
      }
      const name = word as ToolOptionName;
      if (name === 'help') return;
      if (name === 'next') yield [i, { kind: 'next' }];
      else if (takesValue(name) && next !== undefined) yield [i++, { kind: 'option', name, value: next, expand }];
      else yield [i, { kind: 'option', name, expand }];
      continue;
    }
    // short options, several to an argument: one that takes a value takes the rest, or the next argument
    for (let j = 1; j < arg.length; j++) {
      const name = SHORT.get(arg[j]!);
      if (!name) {
        yield [i, { kind: 'unknown', arg }];
        return;
      }
      if (name === 'help') return;
      if (name === 'next') {
        yield [i, { kind: 'next' }];
        continue;
      }
      if (!takesValue(name)) {
        yield [i, { kind: 'option', name, expand: false }];
        continue;
      }
      if (j + 1 < arg.length) yield [i, { kind: 'option', name, value: arg.slice(j + 1), expand: false }];
      else if (next !== undefined) yield [i++, { kind: 'option', name, value: next, expand: false }];
      else yield [i, { kind: 'option', name, expand: false }];
      break;
    }
  }
}
