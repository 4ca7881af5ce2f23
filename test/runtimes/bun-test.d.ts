// SPDX-License-Identifier: MIT
// The little of bun:test that bun.spec.ts uses, for tsc (no bun-types here).
declare module 'bun:test' {
  interface Test {
    (name: string, fn: () => Promise<void>, timeoutMs?: number): void;
    skip(name: string, fn: () => Promise<void>): void;
  }
  export const test: Test;
}
