// SPDX-License-Identifier: MIT
// The ESM and the CJS builds loaded in one process (an app that imports the
// package while a dependency requires it): an error either copy throws is
// `instanceof` the other copy's classes, by the Symbol.for brand. Runs the
// built dist/ (built if stale) in a child Node, never through vitest's
// transform.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../fixtures/build.js';
import { closedPort } from '../fixtures/servers.js';
import { root } from './consumers.js';

const SCRIPT = `
import { createRequire } from 'node:module';
const [mjs, cjsPath, port] = process.argv.slice(1);
const esm = await import(mjs);
const cjs = createRequire(import.meta.url)(cjsPath);
const out = { distinct: esm.CurlEasyError !== cjs.CurlEasyError && esm.LibcurlWasmError !== cjs.LibcurlWasmError };
const failed = async (lib) => lib.request('http://127.0.0.1:' + port + '/').catch((e) => e);
const fromEsm = await failed(esm);
const fromCjs = await failed(cjs);
const curl = (e, lib) => [e instanceof lib.CurlEasyError, e instanceof lib.CurlError, e instanceof lib.LibcurlWasmError, e instanceof lib.LimitExceeded, e.code];
out.esmErrorInCjs = curl(fromEsm, cjs);
out.cjsErrorInEsm = curl(fromCjs, esm);
const made = {
  PolicyDenied: (lib) => new lib.PolicyDenied('rule', 'target'),
  LimitExceeded: (lib) => new lib.LimitExceeded('maxBodyBytes', 1),
  WorkerPoolError: (lib) => new lib.WorkerPoolError('ERR_POOL_CLOSED', 'closed'),
  ProcessExit: (lib) => new lib.ProcessExit(1),
  WasmLoadError: (lib) => new lib.WasmLoadError('ERR_WASM_ABI', 'abi'),
};
out.classes = {};
for (const [name, make] of Object.entries(made)) {
  const a = make(cjs);
  const b = make(esm);
  out.classes[name] = [a instanceof esm[name], a instanceof esm.LibcurlWasmError, b instanceof cjs[name], a instanceof esm.CurlError, a.code, a.name];
}
console.log(JSON.stringify(out));
`;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', SCRIPT, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

beforeAll(() => {
  ensureBuilt();
}, 300_000);

describe('ESM and CJS builds in one process', () => {
  it("errors of either copy are instanceof the other copy's classes", async () => {
    const dist = join(root, 'dist');
    const out = JSON.parse(await run([pathToFileURL(join(dist, 'index.mjs')).href, join(dist, 'index.cjs'), String(await closedPort())])) as Record<
      string,
      unknown
    >;
    expect(out.distinct).toBe(true);
    expect(out.esmErrorInCjs).toEqual([true, true, true, false, 'CURLE_COULDNT_CONNECT']);
    expect(out.cjsErrorInEsm).toEqual([true, true, true, false, 'CURLE_COULDNT_CONNECT']);
    expect(out.classes).toEqual({
      PolicyDenied: [true, true, true, false, 'ERR_SANDBOX_POLICY', 'PolicyDenied'],
      LimitExceeded: [true, true, true, false, 'ERR_SANDBOX_LIMIT', 'LimitExceeded'],
      WorkerPoolError: [true, true, true, false, 'ERR_POOL_CLOSED', 'WorkerPoolError'],
      ProcessExit: [true, true, true, false, 'ERR_PROCESS_EXIT', 'ProcessExit'],
      WasmLoadError: [true, true, true, false, 'ERR_WASM_ABI', 'WasmLoadError'],
    });
  });
});
