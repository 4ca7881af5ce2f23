// SPDX-License-Identifier: MIT
// The runtime suite (suite.ts) on Bun:
//   bun test ./test/runtimes/bun.spec.ts
// (scripts/test-runtimes.sh builds dist/ first). Named *.spec.ts: bun only
// runs test-named files, and vitest only picks up *.test.ts.
import { test } from 'bun:test';
import { cases } from './suite.js';

for (const c of cases) {
  if (c.skip) {
    console.log(`skipped: ${c.name}: ${c.skip}`);
    test.skip(`${c.name} (skipped: ${c.skip})`, c.run);
  } else {
    test(c.name, c.run, 60_000);
  }
}
