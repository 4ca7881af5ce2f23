// SPDX-License-Identifier: MIT
// The package as users get it: `npm run build`, `npm pack`, the tarball
// unpacked into node_modules of scratch projects (never an install from the
// registry), then used from a Node ESM script, a CommonJS script, a TypeScript
// project type-checked against the published types, Deno through an npm:
// specifier, Bun, and bundles made by rollup and by esbuild run where there is
// no node_modules. Each does a real HTTPS transfer against a server in this
// process, trusting only test/fixtures/certs/ca.pem.
//
// Found on the way, now fixed: from libcurl-wasm/inline, `new Session()`
// without a `runtime` read libcurl.wasm beside the module; the inline build
// now replaces ts/host/default-wasm.ts with the embedded bytes.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bin,
  caPath,
  consumerScript,
  esbuildBundle,
  node,
  nodeModulesAbove,
  parseReport,
  poolScript,
  rollupBundle,
  root,
  run,
  startHttpsServer,
  type HttpsFixture,
} from './consumers.js';
import { DIST_OUTPUTS, ensureBuilt } from '../fixtures/build.js';
import { EXPECT, expectExample, runExample } from '../fixtures/examples.js';
import { readmeDenoFlags, readReadme, readmeTsconfig } from './readme.js';

const dist = join(root, 'dist');
const OUTPUTS = DIST_OUTPUTS;
const VERSION = /^libcurl\/8\.14\.1 /;

let scratch: string;
/** A project with the packed package installed. */
let app: string;
/** The same, without dist/libcurl.wasm: only the inline entry can work there. */
let edge: string;
/** A Deno project: the package in node_modules, deno.json says nodeModulesDir "manual". */
let denoApp: string;
let server: HttpsFixture;

/** `<script> <ca.pem> <origin> <label>`: the arguments every consumer reads. */
const transferArgs = (label: string) => [caPath, server.origin, label];

/** Both transfers of a consumer went over TLS to the local server and back. */
function expectHttps(stdout: string, label: string): void {
  const report = parseReport(stdout);
  expect(report.version).toMatch(VERSION);
  expect(report.fetch).toEqual({ status: 200, body: `hello from /fetch/${label}` });
  expect(report.request.status).toBe(200);
  expect(report.request.body).toBe(`hello from /request/${label}`);
  expect(report.request.tls?.version).toBe('TLSv1.3');
  expect(report.request.tls?.verifyResult).toBe(0);
}

function install(tarball: string, dir: string): string {
  const pkg = join(dir, 'node_modules', 'libcurl-wasm');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return pkg;
}

beforeAll(async () => {
  server = await startHttpsServer();
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'libcurl-wasm-package-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' })) as { filename: string }[];
  const tarball = join(scratch, packed[0]!.filename);
  app = join(scratch, 'app');
  edge = join(scratch, 'edge');
  install(tarball, app);
  rmSync(join(install(tarball, edge), 'dist', 'libcurl.wasm'));
  denoApp = join(scratch, 'deno');
  install(tarball, denoApp);
  // "manual": Deno resolves npm: and bare specifiers from ./node_modules, as
  // installed by someone else, and never downloads a package.
  writeFileSync(join(denoApp, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('writes the bundles, the declarations and the wasm to dist/', () => {
    for (const f of OUTPUTS) expect(existsSync(join(dist, f)), f).toBe(true);
    expect(statSync(join(dist, 'libcurl.wasm')).size).toBe(statSync(join(root, 'wasm', 'libcurl.wasm')).size);
    // The inline bundles carry the wasm as base64 (4/3 of its size); the others do
    // not: half the wasm's size leaves the library's own (unminified) source room to grow.
    expect(statSync(join(dist, 'inline.mjs')).size).toBeGreaterThan(statSync(join(dist, 'libcurl.wasm')).size);
    expect(statSync(join(dist, 'index.mjs')).size).toBeLessThan(statSync(join(dist, 'libcurl.wasm')).size / 2);
  });

  it('packs dist/ and no sources', () => {
    const files = readdirSync(join(app, 'node_modules', 'libcurl-wasm'), { recursive: true })
      .map(String)
      .sort();
    for (const f of OUTPUTS) expect(files).toContain(join('dist', f));
    expect(files.filter((f) => /^(ts|test|wasm|curl-src|scripts)([/\\]|$)/.test(f))).toEqual([]);
  });
});

describe('the curl-wasm command', () => {
  it("is the package's bin, and the installed copy does an HTTPS transfer", async () => {
    const pkg = join(app, 'node_modules', 'libcurl-wasm');
    const { bin: bins } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const cli = join(pkg, bins['curl-wasm']!);
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const out = await node([cli, '-s', '--cacert', caPath, `${server.origin}/fetch/cli`], app);
    expect(out).toBe('hello from /fetch/cli');
  });
});

describe("the curl-wasm command's start-up", () => {
  // its worker boots while the main thread loads the bridge: neither the
  // command's entry nor the worker may load the bridge's modules
  const imports = (file: string, seen = new Set<string>()): Set<string> => {
    for (const [, spec] of readFileSync(join(dist, file), 'utf8').matchAll(/^import\s(?:[^'"]*from\s)?['"]([^'"]+)['"]/gm)) {
      if (spec!.startsWith('./')) {
        if (!seen.has(spec!)) imports(spec!.slice(2), seen.add(spec!));
      } else seen.add(spec!);
    }
    return seen;
  };
  it('dist/curl-wasm.mjs loads node:worker_threads, the channel and what reads curl.wasm, nothing of the bridge', () => {
    // node:fs and node:url find and read curl.wasm, compiled while the worker boots (ts/tool/module.ts)
    const entry = [...imports('curl-wasm.mjs')];
    expect(entry.filter((s) => s.startsWith('node:')).sort()).toEqual(['node:fs', 'node:url', 'node:worker_threads']);
  });
  it('dist/curl-wasm-worker.mjs loads no node:net, node:dns or node:tls', () => {
    const worker = [...imports('curl-wasm-worker.mjs')];
    expect(worker).toContain('node:fs');
    expect(worker.filter((s) => ['node:net', 'node:dns', 'node:tls'].includes(s))).toEqual([]);
  });
});

describe('the curl-wasm command on Deno and Bun', () => {
  // the test CA as a runtime root: each runtime's TLS (and so curl-wasm's
  // default trust store) adds NODE_EXTRA_CA_CERTS to its own roots; the
  // default trust store (none of curl's CA variables, which a machine may set)
  const asRoot = { NODE_EXTRA_CA_CERTS: caPath, CURL_CA_BUNDLE: undefined, SSL_CERT_FILE: undefined, SSL_CERT_DIR: undefined };
  const denoEnv = () => ({
    ...asRoot,
    DENO_NO_UPDATE_CHECK: '1',
    DENO_NO_PROMPT: '1',
    DENO_DIR: join(scratch, 'deno-dir'), // empty: --cached-only fails if anything would be downloaded
    NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9/',
  });

  for (const specifier of ['npm:libcurl-wasm', 'npm:libcurl-wasm/curl-wasm']) {
    it(`deno run ${specifier}: the package's bin from node_modules, HTTPS with the runtime roots`, async () => {
      const out = await run(bin('deno'), ['run', '-A', '--cached-only', specifier, '-sS', `${server.origin}/fetch/deno-cli`], denoApp, denoEnv());
      expect(out).toBe('hello from /fetch/deno-cli');
    });
  }

  const inProcess = (specifier: string) =>
    [
      `import { curl } from '${specifier}';`,
      'const [ca, origin, label] = process.argv.slice(2);',
      "const r = await curl(['-sS', '--cacert', ca, '--data-binary', '@-', origin + '/fetch/' + label], { stdin: 'x' });",
      'console.log(JSON.stringify({ exitCode: r.exitCode, out: r.text(), err: r.errorText() }));',
    ].join('\n');
  const expected = (label: string) => ({ exitCode: 0, out: `hello from /fetch/${label}`, err: '' });

  it("node: import { curl } from 'libcurl-wasm/cli', a command line in-process over HTTPS", async () => {
    const file = join(app, 'cli-inprocess.mjs');
    writeFileSync(file, inProcess('libcurl-wasm/cli'));
    expect(JSON.parse(await node([file, caPath, server.origin, 'inprocess-node'], app))).toEqual(expected('inprocess-node'));
  });

  it("deno: import { curl } from 'npm:libcurl-wasm/cli'", async () => {
    const file = join(denoApp, 'cli-inprocess.mjs');
    writeFileSync(file, inProcess('npm:libcurl-wasm/cli'));
    const out = await run(bin('deno'), ['run', '-A', '--cached-only', file, caPath, server.origin, 'inprocess-deno'], denoApp, denoEnv());
    expect(JSON.parse(out)).toEqual(expected('inprocess-deno'));
  });

  it("bun: import { curl } from 'libcurl-wasm/cli'", async () => {
    const file = join(app, 'cli-inprocess-bun.mjs');
    writeFileSync(file, inProcess('libcurl-wasm/cli'));
    const out = await run(bin('bun'), ['run', '--no-install', file, caPath, server.origin, 'inprocess-bun'], app);
    expect(JSON.parse(out)).toEqual(expected('inprocess-bun'));
  });

  it('bunx curl-wasm: the bin as npm links it; bunx --bun runs it on Bun with no node on PATH', async () => {
    const pkg = join(app, 'node_modules', 'libcurl-wasm');
    const { bin: bins } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    // what `npm install` does for a bin: link it in node_modules/.bin, make it executable
    const link = join(app, 'node_modules', '.bin', 'curl-wasm');
    mkdirSync(join(app, 'node_modules', '.bin'), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync(join('..', 'libcurl-wasm', bins['curl-wasm']!), link);
    chmodSync(join(pkg, bins['curl-wasm']!), 0o755);
    const only = join(scratch, 'bun-only');
    mkdirSync(only, { recursive: true });
    const real = realpathSync(bin('bun'));
    for (const name of ['bun', 'bunx']) if (!existsSync(join(only, name))) symlinkSync(real, join(only, name));
    // --bun: Bun runs the bin whatever its #! line says (no node on PATH to fall back on).
    // Plain bunx with no node on PATH works too (Bun puts a `node` of its own first on
    // PATH) unless NODE or npm_node_execpath is set, as under npm/npx (this suite): then
    // bunx trusts that node and `#!/usr/bin/env node` fails with 127.
    const out = await run(join(only, 'bunx'), ['--bun', 'curl-wasm', '-sS', `${server.origin}/fetch/bunx`], app, { ...asRoot, PATH: only });
    expect(out).toBe('hello from /fetch/bunx');
    // without it bunx follows the #! line: node where there is one
    const plain = await run(join(only, 'bunx'), ['curl-wasm', '-sS', `${server.origin}/fetch/bunx-plain`], app, asRoot);
    expect(plain).toBe('hello from /fetch/bunx-plain');
  });
});

describe('types', () => {
  it('type-check a consumer (ESM and CJS) against the packed declarations, then run its HTTPS transfers', async () => {
    const dir = join(app, 'types');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          outDir: 'out',
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        include: ['*.ts', '*.cts'],
      }),
    );
    writeFileSync(
      join(dir, 'esm.ts'),
      `
import { CurlEasyError, Easy, Multi, Runtime, type OptionValue } from 'libcurl-wasm';
import { createRuntime, wasmBytes } from 'libcurl-wasm/inline';

export async function get(url: string): Promise<{ status: number; body: string }> {
  const rt: Runtime = await Runtime.create({ log: (fd: 1 | 2, text: string) => void [fd, text] });
  const version: string = rt.version;
  const multi = new Multi(rt).setOpt('MAXCONNECTS', 4);
  const easy = new Easy(rt);
  let body = version;
  const verbose: OptionValue = true;
  easy.setOpt('URL', url).setOpt('VERBOSE', verbose);
  easy.setOpt('WRITEFUNCTION', (chunk: Uint8Array) => void (body += new TextDecoder().decode(chunk)));
  try {
    await multi.run(easy);
  } catch (err) {
    if (err instanceof CurlEasyError) {
      const code: string = err.code;
      const curlCode: number = err.curlCode;
      throw new Error(code + curlCode);
    }
    throw err;
  }
  // @ts-expect-error MAXCONNECTS takes a number
  new Multi(rt).setOpt('MAXCONNECTS', 'x');
  // @ts-expect-error the constructor is private: Runtime.create()
  new Runtime();
  const bytes: Uint8Array = wasmBytes;
  const inline: Runtime = await createRuntime({ module: bytes });
  void inline;
  return { status: easy.getInfo('RESPONSE_CODE') as number, body };
}
`,
    );
    writeFileSync(
      join(dir, 'cjs.cts'),
      `
import curl = require('libcurl-wasm');
import inline = require('libcurl-wasm/inline');

export async function version(): Promise<string> {
  const rt: curl.Runtime = await inline.createRuntime();
  const err: curl.CurlEasyError | undefined = undefined;
  void err;
  new curl.Easy(rt).setOpt('URL', 'http://127.0.0.1/');
  // @ts-expect-error MAXCONNECTS takes a number
  new curl.Multi(rt).setOpt('MAXCONNECTS', 'x');
  return (await curl.Runtime.create()).version;
}
`,
    );
    writeFileSync(
      join(dir, 'https.ts'),
      `
import { readFileSync } from 'node:fs';
import { Session, defaultRuntime, type CurlResponse, type TransferInfo } from 'libcurl-wasm';

const [caPath, origin, label] = process.argv.slice(-3) as [string, string, string];
const session: Session = new Session({ ca: readFileSync(caPath, 'utf8') });
const res: Response = await session.fetch(\`\${origin}/fetch/\${label}\`);
const fetched = { status: res.status, body: await res.text() };
const r: CurlResponse = await session.request(new URL(\`/request/\${label}\`, origin), { method: 'GET', timeoutMs: 20_000 });
const body: string = await r.text();
await r.done;
const tls: TransferInfo['tls'] = r.info().tls;
const version: string = (await defaultRuntime()).version;
console.log(JSON.stringify({ version, fetch: fetched, request: { status: r.status, body, tls: tls ?? null } }));
await session.close();

export function misuse(): void {
  // @ts-expect-error ca is PEM text
  new Session({ ca: 1 });
  // @ts-expect-error info().tls may be undefined (plain HTTP)
  void ((r: CurlResponse) => r.info().tls.version);
}
`,
    );
    writeFileSync(
      join(dir, 'https.cts'),
      `
import fs = require('node:fs');
import curl = require('libcurl-wasm');

async function main(): Promise<void> {
  const [caPath, origin, label] = process.argv.slice(-3) as [string, string, string];
  const session = new curl.Session({ ca: [fs.readFileSync(caPath, 'utf8')] });
  const res: Response = await session.fetch(\`\${origin}/fetch/\${label}\`);
  const fetched = { status: res.status, body: await res.text() };
  const r: curl.CurlResponse = await session.request(\`\${origin}/request/\${label}\`);
  const body = await r.text();
  await r.done;
  const info: curl.TransferInfo = r.info();
  const version = (await curl.defaultRuntime()).version;
  console.log(JSON.stringify({ version, fetch: fetched, request: { status: r.status, body, tls: info.tls ?? null } }));
  await session.close();
}
main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
`,
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const listed = await node([tsc, '-p', dir, '--listFiles'], dir);
    // Each condition reaches its own declarations (.d.ts for import, .d.cts for require).
    for (const f of ['index.d.ts', 'index.d.cts', 'inline.d.ts', 'inline.d.cts']) {
      expect(listed).toContain(join(app, 'node_modules', 'libcurl-wasm', 'dist', f));
    }
    // What tsc emitted runs: ESM (out/https.js, "type": "module") and CJS (out/https.cjs).
    expectHttps(await node([join(dir, 'out', 'https.js'), ...transferArgs('ts-esm')], dir), 'ts-esm');
    expectHttps(await node([join(dir, 'out', 'https.cjs'), ...transferArgs('ts-cjs')], dir), 'ts-cjs');
  });
});

describe('bundles run on node', () => {
  it('require(libcurl-wasm) creates a Runtime', async () => {
    const out = await node(['-e', "require('libcurl-wasm').Runtime.create().then((rt) => console.log(rt.version))"], app);
    expect(out).toMatch(VERSION);
  });

  it('import libcurl-wasm creates a Runtime', async () => {
    const out = await node(['--input-type=module', '-e', "import { Runtime } from 'libcurl-wasm'; console.log((await Runtime.create()).version)"], app);
    expect(out).toMatch(VERSION);
  });

  it('libcurl-wasm/inline needs no libcurl.wasm file (ESM and CJS)', async () => {
    const esm = await node(
      [
        '--input-type=module',
        '-e',
        `
      import { createRuntime, defaultRuntime } from 'libcurl-wasm/inline';
      console.log((await createRuntime()).version);
      console.log((await defaultRuntime()).version);`,
      ],
      edge,
    );
    expect(esm.split('\n')[0]).toMatch(VERSION);
    expect(esm.split('\n')[1]).toMatch(VERSION);
    const cjs = await node(['-e', "require('libcurl-wasm/inline').createRuntime().then((rt) => console.log(rt.version))"], edge);
    expect(cjs).toMatch(VERSION);
    // ...where the main entry, which reads the file, cannot start.
    await expect(node(['--input-type=module', '-e', "import { Runtime } from 'libcurl-wasm'; await Runtime.create()"], edge)).rejects.toThrow(
      /libcurl\.wasm not found/,
    );
  });

  // Regression: Session (and so fetch(), request(), WebSocket) took the main
  // entry's defaultRuntime(), which read the file even from dist/inline.*.
  it('libcurl-wasm/inline: a Session without `runtime` needs no libcurl.wasm file either', async () => {
    const out = await node(
      [
        '--input-type=module',
        '-e',
        `
      import { Session } from 'libcurl-wasm/inline';
      const session = new Session({ ca: 'none' });
      await session.fetch('https://127.0.0.1:1/').catch((err) => console.log(err.message));
      await session.close();`,
      ],
      edge,
    );
    expect(out).not.toMatch(/libcurl\.wasm not found/);
  });
});

describe('an HTTPS transfer from the installed package', () => {
  const cases = [
    ['ESM', 'esm', 'libcurl-wasm', () => app],
    ['CJS', 'cjs', 'libcurl-wasm', () => app],
    ['inline ESM', 'esm', 'libcurl-wasm/inline', () => edge],
    ['inline CJS', 'cjs', 'libcurl-wasm/inline', () => edge],
  ] as const;
  for (const [name, format, specifier, dir] of cases) {
    it(`node, ${name}: session.fetch() and session.request() over TLS, and the process exits by itself`, async () => {
      const label = name.replace(' ', '-').toLowerCase();
      const file = join(dir(), `https-${label}.${format === 'esm' ? 'mjs' : 'cjs'}`);
      writeFileSync(file, consumerScript(format, specifier));
      expectHttps(await node([file, ...transferArgs(label)], dir()), label);
    });
  }

  it('node: the same consumer trusting another CA is refused (the `ca` it reads is what is trusted)', async () => {
    const file = join(app, 'https-other-ca.mjs');
    writeFileSync(file, consumerScript('esm', 'libcurl-wasm'));
    const otherCa = join(root, 'test', 'fixtures', 'certs', 'other-ca.pem');
    await expect(node([file, otherCa, server.origin, 'other-ca'], app)).rejects.toThrow(/PEER_FAILED_VERIFICATION/);
  });

  it("deno: import from npm:libcurl-wasm, resolved from node_modules, nothing downloaded, with the README's flags", async () => {
    const file = join(denoApp, 'https.mjs');
    writeFileSync(file, `console.log(import.meta.resolve('npm:libcurl-wasm'));\n${consumerScript('esm', 'npm:libcurl-wasm')}`);
    const out = await run(bin('deno'), ['run', ...readmeDenoFlags(root), '--cached-only', file, ...transferArgs('deno')], denoApp, {
      DENO_NO_UPDATE_CHECK: '1',
      DENO_NO_PROMPT: '1',
      DENO_DIR: join(scratch, 'deno-dir'), // an empty cache: --cached-only fails if anything is missing
      NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9/', // and a registry that is not there
    });
    expect(out.split('\n')[0]).toBe(`file://${join(denoApp, 'node_modules', 'libcurl-wasm', 'dist', 'index.mjs')}`);
    expectHttps(out, 'deno');
  });

  it('bun: bun run a script importing libcurl-wasm', async () => {
    const file = join(app, 'https-bun.mjs');
    writeFileSync(file, consumerScript('esm', 'libcurl-wasm'));
    expectHttps(await run(bin('bun'), ['run', '--no-install', file, ...transferArgs('bun')], app), 'bun');
  });
});

describe('WorkerPool from the installed package', () => {
  /** Two requests ran at once on two workers, over TLS, and came back whole. */
  const expectPool = (stdout: string, label: string) => {
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      statuses: [200, 200],
      bodies: [`hello from /pool/${label}/1`, `hello from /pool/${label}/2`],
      threads: 2,
      tls: 'TLSv1.3',
    });
  };
  const cases = [
    ['ESM', 'esm', 'libcurl-wasm', () => app],
    ['CJS', 'cjs', 'libcurl-wasm', () => app],
    // the workers get the module the main thread compiled: no libcurl.wasm file needed
    ['inline ESM, no libcurl.wasm', 'esm', 'libcurl-wasm/inline', () => edge],
  ] as const;
  for (const [name, format, specifier, dir] of cases) {
    it(`node, ${name}: dist/pool-worker.mjs starts, two workers answer over TLS`, async () => {
      const label = `pool-${format}-${specifier.endsWith('inline') ? 'inline' : 'main'}`;
      const file = join(dir(), `${label}.${format === 'esm' ? 'mjs' : 'cjs'}`);
      writeFileSync(file, poolScript(format, specifier));
      expectPool(await node([file, ...transferArgs(label)], dir()), label);
    });
  }

  it('a single-file bundle (esbuild, inline entry) says pool-worker.mjs is missing, and works once it is copied beside it', async () => {
    const dir = join(scratch, 'bundles', 'esbuild-pool');
    const entry = join(app, 'entry-esbuild-pool.mjs');
    writeFileSync(entry, poolScript('esm', 'libcurl-wasm/inline'));
    await esbuildBundle(entry, join(dir, 'bundle.mjs'));
    expect(nodeModulesAbove(dir)).toEqual([]);
    await expect(node([join(dir, 'bundle.mjs'), ...transferArgs('pool-bundle')], dir)).rejects.toThrow(
      /WorkerPool: its worker script is missing \(file:\/\/.*\/esbuild-pool\/pool-worker\.mjs\)/,
    );
    copyFileSync(createRequire(join(app, 'x.js')).resolve('libcurl-wasm/pool-worker.mjs'), join(dir, 'pool-worker.mjs'));
    expectPool(await node([join(dir, 'bundle.mjs'), ...transferArgs('pool-bundle')], dir), 'pool-bundle');
  });
});

describe('bundled by rollup and esbuild, run with no node_modules around', () => {
  const out = (name: string) => join(scratch, 'bundles', name);
  const entry = (name: string, specifier: string) => {
    const file = join(app, `entry-${name}.mjs`);
    writeFileSync(file, consumerScript('esm', specifier));
    return file;
  };
  const runBundle = async (name: string) => {
    expect(nodeModulesAbove(out(name))).toEqual([]);
    expectHttps(await node([join(out(name), 'bundle.mjs'), ...transferArgs(name)], out(name)), name);
  };

  it('rollup + node-resolve, libcurl-wasm/inline: one self-contained file', async () => {
    await rollupBundle(entry('rollup-inline', 'libcurl-wasm/inline'), join(out('rollup-inline'), 'bundle.mjs'), { emitWasm: false });
    expect(readdirSync(out('rollup-inline'))).toEqual(['bundle.mjs']);
    await runBundle('rollup-inline');
  });

  it('rollup + node-resolve, libcurl-wasm: libcurl.wasm emitted beside the bundle', async () => {
    await rollupBundle(entry('rollup-main', 'libcurl-wasm'), join(out('rollup-main'), 'bundle.mjs'), { emitWasm: true });
    expect(readdirSync(out('rollup-main')).sort()).toEqual(['bundle.mjs', 'libcurl.wasm']);
    await runBundle('rollup-main');
  });

  it('esbuild --bundle --platform=node --format=esm, libcurl-wasm/inline: one self-contained file', async () => {
    await esbuildBundle(entry('esbuild-inline', 'libcurl-wasm/inline'), join(out('esbuild-inline'), 'bundle.mjs'));
    expect(readdirSync(out('esbuild-inline'))).toEqual(['bundle.mjs']);
    await runBundle('esbuild-inline');
  });

  it('esbuild --bundle --platform=node --format=esm, libcurl-wasm: needs libcurl.wasm copied beside the bundle', async () => {
    await esbuildBundle(entry('esbuild-main', 'libcurl-wasm'), join(out('esbuild-main'), 'bundle.mjs'));
    // esbuild leaves new URL('./libcurl.wasm', import.meta.url) alone: without the file the bundle says what is missing...
    await expect(node([join(out('esbuild-main'), 'bundle.mjs'), ...transferArgs('esbuild-main')], out('esbuild-main'))).rejects.toThrow(
      /libcurl\.wasm not found at file:\/\/.*\/esbuild-main\/libcurl\.wasm/,
    );
    // ...and with it (from the package's ./libcurl.wasm export) the bundle works.
    copyFileSync(createRequire(join(app, 'x.js')).resolve('libcurl-wasm/libcurl.wasm'), join(out('esbuild-main'), 'libcurl.wasm'));
    await runBundle('esbuild-main');
  });
});

describe('README.md and examples/ against the installed package', () => {
  it('every ```ts block of README.md type-checks against the packed declarations, without @types/node', async () => {
    const dir = join(app, 'readme');
    mkdirSync(dir, { recursive: true });
    const blocks = readReadme(root);
    for (const b of blocks) writeFileSync(join(dir, `readme-${b.line}.ts`), b.source);
    writeFileSync(join(dir, 'tsconfig.json'), readmeTsconfig({ typeRoots: join(root, 'node_modules', '@types'), types: [] }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const listed = await node([tsc, '-p', dir, '--listFiles'], dir);
    expect(listed).toContain(join(app, 'node_modules', 'libcurl-wasm', 'dist', 'index.d.ts'));
    expect(listed).not.toContain('@types/node');
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  // examples/ and the certificates they read, copied beside the installed
  // package: `libcurl-wasm` is dist/ there (no tsconfig paths), and ws (the
  // WebSocket example's server) is linked from this repository
  const examples = Object.keys(EXPECT).sort();
  beforeAll(() => {
    mkdirSync(join(app, 'examples'), { recursive: true });
    for (const f of examples) copyFileSync(join(root, 'examples', f), join(app, 'examples', f));
    mkdirSync(join(app, 'test', 'fixtures', 'certs'), { recursive: true });
    for (const f of ['ca.pem', 'server.pem', 'server-key.pem'])
      copyFileSync(join(root, 'test', 'fixtures', 'certs', f), join(app, 'test', 'fixtures', 'certs', f));
    if (!existsSync(join(app, 'node_modules', 'ws'))) symlinkSync(join(root, 'node_modules', 'ws'), join(app, 'node_modules', 'ws'));
  });
  for (const name of examples) {
    it(`tsx examples/${name} with libcurl-wasm from the tarball`, async () => {
      expectExample(name, await runExample(name, app));
    }, 40_000);
  }
});
