// SPDX-License-Identifier: MIT
// ts/host/builtins.ts: node:tls, node:crypto, node:dgram and node:dns are
// loaded on first use, not with the library, and the loader works without
// process.getBuiltinModule (Node < 20.16: require), and a plain-HTTP first
// request initialises no crypto (internal/crypto/*: webcrypto's
// getRandomValues, which mbedTLS's PSA once drew on at curl_global_init,
// starts Node's OpenSSL). Each case is a bare
// process (no tsx, whose own hooks load node:crypto) importing the library as
// one bundle, as a user's process does; process.moduleLoadList says which
// built-in modules it has loaded.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, startHttpsServer, type TestServer } from '../fixtures/servers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ca = fileURLToPath(new URL('../fixtures/certs/ca.pem', import.meta.url));

const CHILD = `
import { readFileSync } from 'node:fs';
const [mode, url, caPath] = process.argv.slice(2);
const lazy = /^NativeModule (tls|crypto|dgram|dns|internal[/]crypto[/][a-z_]+)$/;
const loaded = () => process.moduleLoadList.filter((m) => lazy.test(m)).map((m) => m.slice(13)).sort();
if (mode === 'require') process.getBuiltinModule = undefined;
const before = loaded();
const { Session } = await import('./index.mjs');
const atImport = loaded();
const session = new Session(caPath ? { ca: readFileSync(caPath, 'utf8') } : {});
const res = await session.request(url);
console.log(JSON.stringify({ before, atImport, status: res.status, body: await res.text(), after: loaded() }));
await session.close();
`;

interface Report {
  before: string[];
  atImport: string[];
  status: number;
  body: string;
  after: string[];
}

let dir: string;
let http: TestServer;
let https: TestServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lcw-builtins-'));
  buildSync({
    entryPoints: [join(root, 'ts', 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: join(dir, 'index.mjs'),
    logLevel: 'warning',
  });
  cpSync(join(root, 'wasm', 'libcurl.wasm'), join(dir, 'libcurl.wasm'));
  writeFileSync(join(dir, 'child.mjs'), CHILD);
  [http, https] = await Promise.all([startHttpServer(), startHttpsServer()]);
});
afterAll(async () => {
  await Promise.all([http?.close(), https?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  new Promise<Report>((resolve, reject) => {
    execFile(process.execPath, [join(dir, 'child.mjs'), ...args], { timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Report),
    );
  });

describe('built-in modules loaded on first use', () => {
  it('importing the library loads none of node:tls, node:crypto, node:dgram, node:dns', async () => {
    const r = await run('getBuiltinModule', `${http.url}/hello`, ca);
    expect(r.before).toEqual([]);
    expect(r.atImport).toEqual([]);
    expect([r.status, r.body]).toEqual([200, 'hello world']);
    // a plain-HTTP transfer to an address with a CA given: still none of them
    expect(r.after).toEqual([]);
  });

  it('a TLS transfer loads node:tls where it needs it, through getBuiltinModule or require', async () => {
    for (const mode of ['getBuiltinModule', 'require']) {
      const r = await run(mode, `${https.url}/hello`, ca);
      expect(r.atImport).toEqual([]);
      expect([r.status, r.body]).toEqual([200, 'hello world']);
      expect(r.after).toContain('tls');
    }
  });

  it("a Session's default trust store (the runtime's roots) is not loaded for a plain-HTTP first request", async () => {
    const r = await run('getBuiltinModule', `${http.url}/hello`);
    expect([r.status, r.atImport]).toEqual([200, []]);
    expect(r.after).toEqual([]);
  });
});
