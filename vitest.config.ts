// SPDX-License-Identifier: MIT
// `npm test` runs every suite that needs nothing but `npm ci`. The interop
// suite (Debian's nginx) and the packaging suite (a packed tarball installed
// into consumer projects, ~80 s) run as their own scripts: LCW_SUITE names one.
import { defineConfig } from 'vitest/config';

const suite = process.env.LCW_SUITE;
const SEPARATE = ['interop', 'package'];

export default defineConfig({
  test: {
    include: suite ? [`test/${suite}/**/*.test.ts`] : ['test/**/*.test.ts'],
    exclude: suite ? [] : SEPARATE.map((s) => `test/${s}/**`),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
