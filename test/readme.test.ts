// SPDX-License-Identifier: MIT
// Every ```ts block of README.md type-checks against the sources, through the
// package name as a user writes it (`paths` maps libcurl-wasm to ts/). The
// package suite (npm run test:package) checks the same blocks against the
// packed declarations, without @types/node.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readReadme, readmeTsconfig } from './package/readme.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'libcurl-wasm-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README.md', () => {
  it('has ```ts blocks, each of which type-checks against the sources', async () => {
    const blocks = readReadme(root);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const b of blocks) writeFileSync(join(dir, `readme-${b.line}.ts`), b.source);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      readmeTsconfig({
        typeRoots: join(root, 'node_modules', '@types'),
        types: ['node'],
        paths: { 'libcurl-wasm': [join(root, 'ts', 'index.ts')], 'libcurl-wasm/cli': [join(root, 'ts', 'cli.ts')] },
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = await new Promise<string>((resolve) =>
      execFile(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir }, (_err, stdout) => resolve(stdout)),
    );
    // errors name the file readme-<fence line>.ts: README.md's line numbers
    expect(out.split('\n').filter((l) => /readme-\d+\.ts/.test(l))).toEqual([]);
    expect(out.trim()).toBe('');
  }, 60_000);
});
