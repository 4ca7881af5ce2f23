// SPDX-License-Identifier: MIT
// dist/ as the runtime suites import it: `npm run build` unless every output
// is newer than every input (the same rule, and the same outputs, as
// test/package/package.test.ts, so neither rebuilds what the other built).
// Imported by node.test.ts; run by scripts/test-runtimes.sh through tsx.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUTS = ['index.mjs', 'index.cjs', 'index.d.ts', 'index.d.cts', 'inline.mjs', 'inline.cjs', 'inline.d.ts', 'inline.d.cts', 'libcurl.wasm'];
const INPUTS = ['ts', 'wasm/libcurl.wasm', 'rollup.config.mjs', 'package.json', 'tsconfig.json'];

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds dist/ if it is missing or older than its inputs; true if it built. */
export function ensureBuilt(): boolean {
  const inputs = Math.max(...INPUTS.map((p) => newest(join(root, p))));
  const fresh = OUTPUTS.every((f) => {
    const file = join(root, 'dist', f);
    return existsSync(file) && statSync(file).mtimeMs > inputs;
  });
  if (fresh) return false;
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(ensureBuilt() ? 'dist/: built' : 'dist/: up to date');
}
