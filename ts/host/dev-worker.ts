// SPDX-License-Identifier: MIT
// How a worker starts when the library runs from its TypeScript sources
// (tests, development): an eval worker that registers tsx, then imports the
// .ts entry. From dist/ the bundles start their .mjs entries directly.

/** Source for `new Worker(code, { eval: true })` that registers tsx and imports `entry` (a URL). */
export function tsxWorkerSource(entry: string): string {
  // import.meta.resolve where the loader has it (tsx), else the bare name from the working directory (vitest)
  const tsx = typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx/esm/api') : 'tsx/esm/api';
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
}
