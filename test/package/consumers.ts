// SPDX-License-Identifier: MIT
// Helpers for package.test.ts: the local HTTPS server every consumer talks to,
// the consumer scripts themselves, child processes, and the bundlers.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup, type Plugin } from 'rollup';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const certs = join(root, 'test', 'fixtures', 'certs');
/** The CA the consumers trust; it signed server.pem (localhost, 127.0.0.1). */
export const caPath = join(certs, 'ca.pem');

export interface HttpsFixture {
  /** https://127.0.0.1:PORT (no trailing slash) */
  origin: string;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1:0 in the test process: answers `hello from <path>`. */
export async function startHttpsServer(): Promise<HttpsFixture> {
  const server = createServer({ key: readFileSync(join(certs, 'server-key.pem')), cert: readFileSync(join(certs, 'server.pem')) }, (req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from ${req.url}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Runs a command without blocking the test process (the HTTPS server lives
 * there); rejects with its output if it fails or runs past the timeout.
 */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 45_000, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

export const node = (args: string[], cwd: string) => run(process.execPath, args, cwd);

/** What a consumer prints: one JSON line. */
export interface TransferReport {
  version: string;
  fetch: { status: number; body: string };
  request: { status: number; body: string; tls: { version: string; cipher: string; verifyResult: number } | null };
}

/** The last line of a consumer's stdout, parsed (runtimes may print notices before it). */
export function parseReport(stdout: string): TransferReport {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as TransferReport;
}

/**
 * The body of every JavaScript consumer (Node, Deno, Bun, the bundles): with
 * `lib` the package's namespace, `readFileSync` and `process` in scope, reads
 * `<ca.pem> <origin> <label>` from argv, does one session.fetch() and one session.request()
 * over HTTPS on a Session that trusts only that CA, prints a TransferReport.
 * The same code serves the inline entry: its defaults use the embedded wasm.
 */
const transferBody = (_inline: boolean) => `
  const [caPath, origin, label] = process.argv.slice(-3);
  const ca = readFileSync(caPath, 'utf8');
  const session = new lib.Session({ ca });
  const runtime = await lib.defaultRuntime();
  try {
    const res = await session.fetch(origin + '/fetch/' + label);
    const fetched = { status: res.status, body: await res.text() };
    const r = await session.request(origin + '/request/' + label);
    const body = await r.text();
    await r.done;
    const tls = r.info().tls ?? null;
    console.log(JSON.stringify({ version: runtime.version, fetch: fetched, request: { status: r.status, body, tls } }));
  } finally {
    await session.close();
  }`;

/** A consumer script importing (esm) or requiring (cjs) `specifier`. */
export function consumerScript(format: 'esm' | 'cjs', specifier: string): string {
  const body = transferBody(specifier.endsWith('/inline'));
  return format === 'esm'
    ? `import { readFileSync } from 'node:fs';\nimport process from 'node:process';\nimport * as lib from '${specifier}';\n${body}\n`
    : `const { readFileSync } = require('node:fs');\nconst lib = require('${specifier}');\n(async () => {${body}\n})().catch((err) => { console.error(err); process.exitCode = 1; });\n`;
}

/**
 * A consumer of WorkerPool, importing (esm) or requiring (cjs) `specifier`:
 * reads `<ca.pem> <origin> <label>`, sends two requests at once over HTTPS
 * through a pool of two workers that trusts only that CA, prints
 * `{ statuses, bodies, threads, tls }` and closes the pool.
 */
export function poolScript(format: 'esm' | 'cjs', specifier: string): string {
  const body = `
  const [caPath, origin, label] = process.argv.slice(-3);
  const pool = await lib.WorkerPool.create({ workers: 2, session: { ca: readFileSync(caPath, 'utf8') } });
  try {
    const rs = await Promise.all([1, 2].map((i) => pool.request(origin + '/pool/' + label + '/' + i)));
    const bodies = await Promise.all(rs.map((r) => r.text()));
    console.log(JSON.stringify({ statuses: rs.map((r) => r.status), bodies, threads: new Set(rs.map((r) => r.threadId)).size, tls: rs[0].info().tls.version }));
  } finally {
    await pool.close();
  }`;
  return format === 'esm'
    ? `import { readFileSync } from 'node:fs';\nimport process from 'node:process';\nimport * as lib from '${specifier}';\n${body}\n`
    : `const { readFileSync } = require('node:fs');\nconst lib = require('${specifier}');\n(async () => {${body}\n})().catch((err) => { console.error(err); process.exitCode = 1; });\n`;
}

/** The directories from `dir` up to / that hold a node_modules (a bundle must run without any). */
export function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(d);
    if (dirname(d) === d) return found;
  }
}

/**
 * Bundles `input` with rollup and @rollup/plugin-node-resolve (node's export
 * conditions) into `outFile`. The main entry reads new URL('./libcurl.wasm',
 * import.meta.url) at run time, so a bundle of it needs that file beside it:
 * `emitWasm` emits it as an asset, taken from the package's ./libcurl.wasm export.
 */
export async function rollupBundle(input: string, outFile: string, opts: { emitWasm: boolean }): Promise<void> {
  const emitWasm: Plugin = {
    name: 'emit-libcurl-wasm',
    generateBundle() {
      const wasm = createRequire(input).resolve('libcurl-wasm/libcurl.wasm');
      this.emitFile({ type: 'asset', fileName: 'libcurl.wasm', source: readFileSync(wasm) });
    },
  };
  const bundle = await rollup({
    input,
    external: (id) => id.startsWith('node:'),
    plugins: [nodeResolve({ exportConditions: ['node'] }), ...(opts.emitWasm ? [emitWasm] : [])],
    onwarn: (warning) => {
      throw new Error(`rollup: ${warning.message}`);
    },
  });
  try {
    await bundle.write({ file: outFile, format: 'es' });
  } finally {
    await bundle.close();
  }
}

/** `esbuild <input> --bundle --platform=node --format=esm --outfile=<outFile>`, from the CLI. */
export function esbuildBundle(input: string, outFile: string): Promise<string> {
  return run(bin('esbuild'), [input, '--bundle', '--platform=node', '--format=esm', '--log-level=warning', `--outfile=${outFile}`], dirname(input));
}

export const bin = (name: string) => join(root, 'node_modules', '.bin', name);
