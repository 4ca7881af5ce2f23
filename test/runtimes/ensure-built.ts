// SPDX-License-Identifier: MIT
// scripts/test-runtimes.sh runs this (through tsx) before the runtime suites:
// dist/ built if stale, by the rule in test/fixtures/build.ts.
import { ensureBuilt } from '../fixtures/build.js';

console.log(ensureBuilt() ? 'dist/: built' : 'dist/: up to date');
