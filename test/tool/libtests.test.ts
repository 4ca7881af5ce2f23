// SPDX-License-Identifier: MIT
// curl's libtest programs (wasm/libtests.wasm, run by test/curl-suite/libtests.ts
// through the tool's worker and bridge): a few of them here against loopback
// servers; scripts/curl-tests.sh --libtests runs them all with runtests.pl.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startHttpServer, startHttpsServer } from '../fixtures/servers.js';
import { serversForFile } from '../fixtures/per-file.js';

const RUNNER = fileURLToPath(new URL('../curl-suite/libtests.ts', import.meta.url));
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

function libtests(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, RUNNER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const { http, https } = await serversForFile({ http: startHttpServer, https: startHttpsServer });

describe('libtests', () => {
  it('lib560: a multi transfer over TLS driven by curl_multi_fdset and select()', async () => {
    const run = await libtests(['lib560', `${https.url}/hello`]);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(run.stdout).toMatch(/hello world$/);
  });

  it('lib1500: curl_multi_wait blocks in the worker until the response arrives', async () => {
    const run = await libtests(['lib1500', `${http.url}/hello`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(run.stdout).toMatch(/hello world$/);
  });

  it('an unknown test name is an error, as in curl', async () => {
    const run = await libtests(['lib0', 'http://127.0.0.1:1/']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("Test 'lib0' not found.");
  });
});
