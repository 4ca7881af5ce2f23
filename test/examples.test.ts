// SPDX-License-Identifier: MIT
// Every example in examples/ runs as the README says (`tsx examples/NAME.ts`)
// in a child process: it must exit 0 by itself within 30 s and print the
// lines that show it did what it claims (test/fixtures/examples.ts). A new
// example without an entry there fails the suite, so none can rot unnoticed.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXPECT, expectExample, runExample } from './fixtures/examples.js';

const examples = readdirSync(new URL('../examples/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .sort();

describe('examples/', () => {
  it('every example has expectations here', () => {
    expect(examples.filter((f) => !(f in EXPECT))).toEqual([]);
    expect(Object.keys(EXPECT).filter((f) => !examples.includes(f))).toEqual([]);
  });

  for (const name of examples) {
    it(`tsx examples/${name} exits 0 and prints what it shows`, async () => {
      expectExample(name, await runExample(name));
    }, 40_000);
  }
});
