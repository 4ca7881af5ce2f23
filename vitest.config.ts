// SPDX-License-Identifier: MIT
// `npm test` runs every suite that needs nothing but `npm ci`. The interop
// suite (Debian's nginx) and the packaging suite (a packed tarball installed
// into consumer projects, ~80 s) run as their own scripts: LCW_SUITE names one.
// TLS runs in the runtime's node:tls by default (RuntimeOptions.tls): the
// `mbedtls` project runs the files that speak TLS again with mbedTLS in the
// wasm, so both backends pass the same tests.
import { defineConfig } from 'vitest/config';

const suite = process.env.LCW_SUITE;
const SEPARATE = ['interop', 'package'];
const TLS_FILES = [
  'test/core/tls.test.ts',
  'test/api/request.test.ts',
  'test/api/session.test.ts',
  'test/api/fetch.test.ts',
  'test/api/surface.test.ts',
  'test/sandbox/policy.test.ts',
  'test/sandbox/hostile.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: suite
      ? [{ extends: true, test: { name: suite, include: [`test/${suite}/**/*.test.ts`] } }]
      : [
          { extends: true, test: { name: 'host-tls', include: ['test/**/*.test.ts'], exclude: SEPARATE.map((s) => `test/${s}/**`) } },
          { extends: true, test: { name: 'mbedtls', include: TLS_FILES, env: { LIBCURL_WASM_TLS: 'mbedtls' } } },
        ],
  },
});
