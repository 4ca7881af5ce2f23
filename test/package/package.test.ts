// SPDX-License-Identifier: MIT
// The package as a consumer gets it: `npm run build`, `npm pack`, the tarball
// unpacked into node_modules of a scratch project, then its types checked by
// tsc and its ESM, CJS and inline bundles run by node (a real transfer each).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');
const OUTPUTS = ['index.mjs', 'index.cjs', 'index.d.ts', 'index.d.cts', 'inline.mjs', 'inline.cjs', 'inline.d.ts', 'inline.d.cts', 'libcurl.wasm'];
const VERSION = /^libcurl\/8\.14\.1 /;

function newestInput(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestInput(join(path, name))));
}

/** Runs `npm run build` unless every output is newer than every input. */
function ensureBuilt(): void {
  const inputs = ['ts', 'wasm/libcurl.wasm', 'rollup.config.mjs', 'package.json', 'tsconfig.json'];
  const newest = Math.max(...inputs.map((p) => newestInput(join(root, p))));
  const fresh = OUTPUTS.every((f) => existsSync(join(dist, f)) && statSync(join(dist, f)).mtimeMs > newest);
  if (!fresh) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout));
  });
}

const node = (args: string[], cwd: string) => run(process.execPath, args, cwd);

let scratch: string;
/** A project with the packed package installed. */
let app: string;
/** The same, without dist/libcurl.wasm: only the inline entry can work there. */
let edge: string;

function install(tarball: string, dir: string): string {
  const pkg = join(dir, 'node_modules', 'libcurl-wasm');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return pkg;
}

beforeAll(() => {
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'libcurl-wasm-package-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' })) as { filename: string }[];
  const tarball = join(scratch, packed[0]!.filename);
  app = join(scratch, 'app');
  edge = join(scratch, 'edge');
  install(tarball, app);
  rmSync(join(install(tarball, edge), 'dist', 'libcurl.wasm'));
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('writes the bundles, the declarations and the wasm to dist/', () => {
    for (const f of OUTPUTS) expect(existsSync(join(dist, f)), f).toBe(true);
    expect(statSync(join(dist, 'libcurl.wasm')).size).toBe(statSync(join(root, 'wasm', 'libcurl.wasm')).size);
    // The inline bundles carry the wasm as base64; the others do not.
    expect(statSync(join(dist, 'inline.mjs')).size).toBeGreaterThan(statSync(join(dist, 'libcurl.wasm')).size);
    expect(statSync(join(dist, 'index.mjs')).size).toBeLessThan(statSync(join(dist, 'libcurl.wasm')).size / 4);
  });

  it('packs dist/ and no sources', () => {
    const files = readdirSync(join(app, 'node_modules', 'libcurl-wasm'), { recursive: true }).map(String).sort();
    for (const f of OUTPUTS) expect(files).toContain(join('dist', f));
    expect(files.filter((f) => /^(ts|test|wasm|curl-src|scripts)([/\\]|$)/.test(f))).toEqual([]);
  });
});

describe('types', () => {
  it('type-check a consumer (ESM and CJS) against the packed declarations', async () => {
    const dir = join(app, 'types');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true,
        types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
      },
      include: ['*.ts', '*.cts'],
    }));
    writeFileSync(join(dir, 'esm.ts'), `
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
`);
    writeFileSync(join(dir, 'cjs.cts'), `
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
`);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const listed = await node([tsc, '-p', dir, '--listFiles'], dir);
    // Each condition reaches its own declarations (.d.ts for import, .d.cts for require).
    for (const f of ['index.d.ts', 'index.d.cts', 'inline.d.ts', 'inline.d.cts']) {
      expect(listed).toContain(join(app, 'node_modules', 'libcurl-wasm', 'dist', f));
    }
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
    const esm = await node(['--input-type=module', '-e', `
      import { createRuntime, defaultRuntime } from 'libcurl-wasm/inline';
      console.log((await createRuntime()).version);
      console.log((await defaultRuntime()).version);`], edge);
    expect(esm.split('\n')[0]).toMatch(VERSION);
    expect(esm.split('\n')[1]).toMatch(VERSION);
    const cjs = await node(['-e', "require('libcurl-wasm/inline').createRuntime().then((rt) => console.log(rt.version))"], edge);
    expect(cjs).toMatch(VERSION);
    // ...where the main entry, which reads the file, cannot start.
    await expect(node(['--input-type=module', '-e', "import { Runtime } from 'libcurl-wasm'; await Runtime.create()"], edge))
      .rejects.toThrow(/libcurl\.wasm not found/);
  });
});

/** A GET against a loopback server from a child process, through one entry of the package. */
function transferScript(format: 'esm' | 'cjs', specifier: string): string {
  const body = `
  const server = createServer((req, res) => res.end('hello from ' + req.url)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const rt = await (lib.createRuntime ? lib.createRuntime() : lib.Runtime.create());
  const multi = new lib.Multi(rt);
  const easy = new lib.Easy(rt);
  let body = '';
  easy.setOpt('URL', 'http://127.0.0.1:' + server.address().port + '/${format}');
  easy.setOpt('WRITEFUNCTION', (chunk) => void (body += Buffer.from(chunk).toString()));
  await multi.run(easy);
  console.log(JSON.stringify({ version: rt.version, status: easy.getInfo('RESPONSE_CODE'), body }));
  easy.close();
  multi.close();
  server.close();`;
  return format === 'esm'
    ? `import { createServer } from 'node:http';\nimport { once } from 'node:events';\nimport * as lib from '${specifier}';\n${body}\n`
    : `const { createServer } = require('node:http');\nconst { once } = require('node:events');\nconst lib = require('${specifier}');\n(async () => {${body}\n})().catch((err) => { console.error(err); process.exitCode = 1; });\n`;
}

describe('a transfer from the built bundles', () => {
  const cases = [
    ['ESM', 'esm', 'libcurl-wasm', () => app],
    ['CJS', 'cjs', 'libcurl-wasm', () => app],
    ['inline ESM', 'esm', 'libcurl-wasm/inline', () => edge],
    ['inline CJS', 'cjs', 'libcurl-wasm/inline', () => edge],
  ] as const;
  for (const [name, format, specifier, dir] of cases) {
    it(`${name}: GET from a local server, and the process exits by itself`, async () => {
      const file = join(dir(), `get-${name.replace(' ', '-').toLowerCase()}.${format === 'esm' ? 'mjs' : 'cjs'}`);
      writeFileSync(file, transferScript(format, specifier));
      const out = JSON.parse(await node([file], dir())) as { version: string; status: number; body: string };
      expect(out.version).toMatch(VERSION);
      expect(out.status).toBe(200);
      expect(out.body).toBe(`hello from /${format}`);
    });
  }
});
