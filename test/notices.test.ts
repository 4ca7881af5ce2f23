// SPDX-License-Identifier: MIT
// THIRD_PARTY_NOTICES is scripts/make-notices.sh's output from the pinned
// tarballs: a pin or a section added by hand without the script fails here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

it('THIRD_PARTY_NOTICES matches a fresh run of scripts/make-notices.sh byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notices-'));
  try {
    execFileSync('bash', [join(root, 'scripts/make-notices.sh'), join(dir, 'NOTICES')]);
    expect(readFileSync(join(dir, 'NOTICES'), 'utf8')).toBe(readFileSync(join(root, 'THIRD_PARTY_NOTICES'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
