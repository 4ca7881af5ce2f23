// SPDX-License-Identifier: MIT
// One cold process's start-up, for before/after comparisons of a built bundle
// without the harness (the CPU of the whole process, which load on a shared
// machine disturbs far less than the wall time; subtract an `empty` run):
//
//   node bench/cold-start.mjs empty|import|request|fetch|node-fetch URL [BUNDLE]
//
// BUNDLE: the library's entry, e.g. dist/index.mjs; URL answers a small body.
// Prints one JSON line: ms of the import and to the first response's body
// (before close()), and the process's CPU ms at the end.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const t0 = performance.now();
const [mode, url, path] = process.argv.slice(2);
const bundle = path && pathToFileURL(resolve(path)).href;
let tImport = t0;
let tResponse;
if (mode === 'import') {
  await import(bundle);
  tImport = performance.now();
} else if (mode === 'request' || mode === 'fetch') {
  const { Session } = await import(bundle);
  tImport = performance.now();
  const s = new Session();
  if (mode === 'request') await (await s.request(url)).bytes();
  else await (await s.fetch(url)).arrayBuffer();
  tResponse = performance.now();
  await s.close();
} else if (mode === 'node-fetch') {
  await (await fetch(url)).arrayBuffer();
  tResponse = performance.now();
} else if (mode !== 'empty') throw new TypeError(`unknown mode ${mode}`);
const cpu = process.cpuUsage();
const r = (x) => Math.round(x * 100) / 100;
console.log(JSON.stringify({ mode, import: r(tImport - t0), total: r((tResponse ?? tImport) - t0), cpu: (cpu.user + cpu.system) / 1000 }));
