// SPDX-License-Identifier: MIT
// Builds dist/: the library as ESM and CJS, one bundled .d.ts per entry,
// libcurl.wasm beside the bundles, and a single-file entry (inline) that
// carries the wasm as base64.
import { readFileSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const WASM = new URL('./wasm/libcurl.wasm', import.meta.url);

function readWasm() {
  try {
    return readFileSync(WASM);
  } catch (err) {
    throw new Error(`${WASM.pathname} is missing: run "npm run build:wasm" first`, { cause: err });
  }
}

/** Emits wasm/<name> as dist/<name>, where ts/host/runtime.ts and ts/tool/cli.ts look first. */
function copyWasm(name = 'libcurl.wasm') {
  const file = new URL(`./wasm/${name}`, import.meta.url);
  return {
    name: 'copy-wasm',
    buildStart() {
      this.addWatchFile(file.pathname);
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: name, source: name === 'libcurl.wasm' ? readWasm() : readFileSync(file) });
    },
  };
}

/**
 * `import base64 from 'virtual:libcurl-wasm'`: the wasm bytes as a base64
 * string; and ts/host/default-wasm.ts replaced by a module that decodes them,
 * so that every default path of the single-file build needs no file.
 */
function inlineWasm() {
  const id = 'virtual:libcurl-wasm';
  const defaults = 'virtual:inline-default-wasm';
  return {
    name: 'inline-wasm',
    resolveId(source, importer) {
      if (source === id || source === defaults) return `\0${source}`;
      if (source === './default-wasm.js' && importer?.endsWith('/ts/host/runtime.ts')) return `\0${defaults}`;
      return null;
    },
    load(resolved) {
      if (resolved === `\0${id}`) {
        this.addWatchFile(WASM.pathname);
        return `export default ${JSON.stringify(readWasm().toString('base64'))};`;
      }
      if (resolved === `\0${defaults}`) {
        return [
          `import base64 from '${id}';`,
          'export async function readBytes(url) {',
          "  const { readFile } = await import('node:fs/promises');",
          '  return readFile(url);',
          '}',
          'const text = atob(base64); // atob: Node >= 16, Deno, Bun, browsers, workers',
          'export const wasmBytes = new Uint8Array(text.length);',
          'for (let i = 0; i < text.length; i++) wasmBytes[i] = text.charCodeAt(i);',
          'export async function readDefaultWasm() {',
          '  return wasmBytes;',
          '}',
          'export function defaultWasmNow() {',
          '  return wasmBytes;',
          '}',
        ].join('\n');
      }
      return null;
    },
  };
}

/** In dist/inline.d.ts, `./index.js` is dist/index.d.ts, not a second copy of it. */
function mainTypesExternal() {
  return {
    name: 'main-types-external',
    resolveId(source, importer) {
      if (source === './index.js' && importer?.endsWith('inline.ts')) return { id: './index.js', external: 'absolute' };
      return null;
    },
  };
}

/**
 * Drops the one-line TSDoc of each option and info (from curl's man pages) out
 * of the generated tables' JavaScript: ~100 KB that only editors and the
 * declarations use. Runs after the TypeScript plugin.
 */
function leanTables() {
  return {
    name: 'lean-tables',
    transform(code, id) {
      if (!/[\\/]ts[\\/]curl[\\/]generated[\\/]/.test(id)) return null;
      return { code: code.replace(/^[ \t]*\/\*\*.*\*\/\n/gm, ''), map: null };
    },
  };
}

// Node built-ins stay imports; the library has no runtime dependencies.
const external = (id) => id.startsWith('node:');

const ts = () => [
  typescript({
    tsconfig: './tsconfig.json',
    include: ['ts/**/*.ts'],
    compilerOptions: { declaration: false, declarationMap: false, sourceMap: false, noEmitOnError: true },
    outputToFilesystem: false,
  }),
  leanTables(),
];

// stripInternal: members marked @internal (the runtime's wasm exports, heap,
// sockets; a Session's engine) are left out of the published types.
const dtsPlugin = () => dts({ tsconfig: './tsconfig.json', compilerOptions: { stripInternal: true } });

const bundles = (name) => [
  { file: `dist/${name}.mjs`, format: 'es' },
  // Rollup rewrites import.meta.url to the .cjs file's URL (pathToFileURL(__filename)).
  { file: `dist/${name}.cjs`, format: 'cjs', exports: 'named' },
];

const builds = [
  { input: 'ts/index.ts', output: bundles('index'), external, plugins: [ts(), copyWasm()] },
  { input: 'ts/inline.ts', output: bundles('inline'), external, plugins: [inlineWasm(), ts()] },
  // WorkerPool's worker (ts/api/pool/pool.ts starts dist/pool-worker.mjs beside the
  // library, from the ESM, CJS and inline builds alike): the library again,
  // minus the wasm, which the pool compiles once and posts to each worker
  { input: 'ts/api/pool/worker.ts', output: { file: 'dist/pool-worker.mjs', format: 'es' }, external, plugins: [ts()] },
  // the curl-wasm command (package.json "bin") and its worker, with the tool's
  // wasm beside them: two entries, so that the worker loads only its own part
  // and the command's entry only what starts the worker (ts/tool/launch.ts)
  {
    input: { 'curl-wasm': 'ts/tool/cli.ts', 'curl-wasm-worker': 'ts/tool/worker.ts' },
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].mjs',
      chunkFileNames: 'curl-wasm-[name].mjs',
      banner: (chunk) => (chunk.name === 'curl-wasm' ? '#!/usr/bin/env node' : ''),
    },
    external,
    plugins: [ts(), copyWasm('curl.wasm'), copyWasm('curl-manual.txt.gz')],
  },
  // libcurl-wasm/cli: curl() runs the command's worker (dist/curl-wasm-worker.mjs)
  { input: 'ts/cli.ts', output: { file: 'dist/cli.mjs', format: 'es' }, external, plugins: [ts()] },
  { input: 'ts/cli.ts', output: { file: 'dist/cli.d.ts' }, external, plugins: [dtsPlugin()] },
  // The same declarations twice: .d.ts for import, .d.cts for require (the package is "type": "module").
  {
    input: 'ts/index.ts',
    output: [{ file: 'dist/index.d.ts' }, { file: 'dist/index.d.cts' }],
    external,
    plugins: [dtsPlugin()],
  },
  {
    input: 'ts/inline.ts',
    // The inline entry's types are the main entry's plus its own few exports.
    output: [{ file: 'dist/inline.d.ts' }, { file: 'dist/inline.d.cts', paths: { './index.js': './index.cjs' } }],
    external,
    plugins: [mainTypesExternal(), dtsPlugin()],
  },
];

// `rollup -c --environment TYPES` builds the declarations only (npm run api:check).
export default process.env.TYPES ? builds.filter((b) => [b.output].flat().every((o) => /\.d\.c?ts$/.test(o.file))) : builds;
