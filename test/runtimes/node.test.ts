// SPDX-License-Identifier: MIT
// The runtime suite (suite.ts) on Node, under vitest. Deno and Bun run the
// same cases through deno.ts and bun.spec.ts (scripts/test-runtimes.sh).
import { describe, it } from 'vitest';
import { ensureBuilt } from '../fixtures/build.js';

ensureBuilt(); // before suite.ts imports dist/index.mjs
const { cases } = await import('./suite.js');

describe('node', () => {
  for (const c of cases) {
    if (c.skip) {
      console.log(`skipped: ${c.name}: ${c.skip}`);
      it.skip(`${c.name} (skipped: ${c.skip})`, c.run);
    } else {
      it(c.name, c.run);
    }
  }
});
