// SPDX-License-Identifier: MIT
// Compile-time checks of the typed surface: test/types/right.ts must
// compile, and every line of test/types/wrong.ts marked with a
// `@ts-expect-error` must fail with the error its comment quotes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RIGHT = `${ROOT}test/types/right.ts`;
const WRONG = `${ROOT}test/types/wrong.ts`;
const DIRECTIVE = /^\s*\/\/ @ts-expect-error (.+)$/;

function options(): ts.CompilerOptions {
  const { config } = ts.readConfigFile(`${ROOT}tsconfig.json`, ts.sys.readFile);
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, noEmit: true };
}

/** Errors by file and 1-based line, with `overrides` standing in for files on disk. */
function compile(overrides: Record<string, string>, old?: ts.Program): { program: ts.Program; errors: Map<string, string[]> } {
  const opts = options();
  const host = ts.createCompilerHost(opts);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, lang, ...rest) =>
    overrides[name] !== undefined ? ts.createSourceFile(name, overrides[name], lang) : getSourceFile.call(host, name, lang, ...rest);
  const program = ts.createProgram({ rootNames: [RIGHT, WRONG], options: opts, host, oldProgram: old });
  const errors = new Map<string, string[]>();
  // only the two files' own diagnostics: checking all of ts/ would triple the time
  const files = [RIGHT, WRONG].map((f) => program.getSourceFile(f)!);
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...files.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  for (const d of diagnostics) {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '(global)';
    errors.set(where, [...(errors.get(where) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
  }
  return { program, errors };
}

describe('types', () => {
  it('accept right uses, and fail each wrong use with the expected error', () => {
    const source = readFileSync(WRONG, 'utf8').split('\n');
    const expected = new Map<string, string>(); // `${WRONG}:line` -> quoted error
    source.forEach((line, i) => {
      const m = DIRECTIVE.exec(line);
      if (m) expected.set(`${WRONG}:${i + 2}`, m[1]!);
    });
    expect(expected.size).toBeGreaterThan(20);

    // as written: right.ts is clean and no directive in wrong.ts is unused
    const first = compile({});
    expect([...first.errors].map(([at, msgs]) => `${at}: ${msgs.join(' / ')}`)).toEqual([]);

    // without the directives: an error on exactly the marked lines, the quoted one
    const stripped = source.map((line) => (DIRECTIVE.test(line) ? '' : line)).join('\n');
    const { errors } = compile({ [WRONG]: stripped }, first.program);
    expect([...errors.keys()].sort()).toEqual([...expected.keys()].sort());
    const mismatched = [...expected].filter(([at, quote]) => !errors.get(at)?.some((m) => m.includes(quote)));
    expect(mismatched.map(([at]) => `${at}: ${errors.get(at)?.join(' / ')}`)).toEqual([]);
  });
});
