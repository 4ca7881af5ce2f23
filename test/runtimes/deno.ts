// SPDX-License-Identifier: MIT
// The runtime suite (suite.ts) on Deno:
//   deno test --allow-net --allow-read --allow-sys --no-check --sloppy-imports test/runtimes/deno.ts
// with the permissions README.md gives Deno users (scripts/test-runtimes.sh reads
// them from its **Deno 2** line); --sloppy-imports: the sources import each
// other as ./x.js, the way tsc wants
// (scripts/test-runtimes.sh builds dist/ first). The sanitizers are off:
// the servers and the wasm instances outlive single cases by design.
import { cases } from './suite.js';

// only what this file uses (tsc has no Deno types; deno itself runs it with --no-check)
declare const Deno: {
  test(t: { name: string; fn: () => Promise<void>; ignore?: boolean; sanitizeOps?: boolean; sanitizeResources?: boolean; sanitizeExit?: boolean }): void;
};

for (const c of cases) {
  if (c.skip) console.log(`skipped: ${c.name}: ${c.skip}`);
  Deno.test({
    name: c.skip ? `${c.name} (skipped: ${c.skip})` : c.name,
    fn: c.run,
    ignore: c.skip !== undefined,
    sanitizeOps: false,
    sanitizeResources: false,
  });
}
