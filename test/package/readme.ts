// SPDX-License-Identifier: MIT
// The ```ts blocks of README.md as files tsc can check. A block that uses
// names it does not define (a `url` the reader supplies) says so on the line
// just before its fence, in a comment the rendered README does not show:
//   <!-- check: declare const url: string; -->
// which is prepended to the block verbatim, so what is assumed is in plain
// sight in the Markdown. Nothing else is added or removed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReadmeBlock {
  /** 1-based line of the opening fence in README.md */
  line: number;
  /** the file tsc checks: the block, after its declarations if any */
  source: string;
}

const MARK = /^<!-- check: (.*) -->$/;

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: unterminated code block`);
    const prelude = MARK.exec(lines[i - 1] ?? '')?.[1];
    const body = lines.slice(i + 1, end).join('\n');
    // an `export {}` keeps each block a module of its own (top-level await, no shared names)
    blocks.push({ line: i + 1, source: `${prelude ? `${prelude}\n` : ''}${body}\nexport {};\n` });
    i = end;
  }
  return blocks;
}

export const readmePath = (root: string) => join(root, 'README.md');
export const readReadme = (root: string) => readmeBlocks(readFileSync(readmePath(root), 'utf8'));

/** The tsconfig a README check uses: strict, ESM, a consumer's settings; `paths` when checking sources. */
export function readmeTsconfig(opts: { typeRoots: string; types: string[]; paths?: Record<string, string[]> }): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      lib: ['es2022', 'dom', 'dom.iterable', 'dom.asynciterable'],
      // against the packed package: no @types/node, which neither the README's
      // code nor the published types need (the sources do)
      types: opts.types,
      typeRoots: [opts.typeRoots],
      ...(opts.paths ? { paths: opts.paths } : {}),
    },
    include: ['*.ts'],
  });
}

/** The flags README.md tells Deno users to run with (its **Deno 2** line), as scripts/test-runtimes.sh reads them. */
export function readmeDenoFlags(root: string): string[] {
  const line = readFileSync(readmePath(root), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('- **Deno 2**:'));
  const flags = /run with `([^`]+)`/.exec(line ?? '')?.[1]?.split(' ') ?? [];
  if (!flags.length || !flags.every((f) => /^--allow-[a-z]+$/.test(f))) throw new Error(`README.md: no Deno flags on its **Deno 2** line: ${line}`);
  return flags;
}
