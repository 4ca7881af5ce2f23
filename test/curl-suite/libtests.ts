// SPDX-License-Identifier: MIT
// `libtests [--wasm PATH] NAME URL [ARGS]`: curl's libtest programs
// (tests/libtest/ of the vendored curl, bundled by build.sh into
// wasm/libtests.wasm) run the way the curl-wasm tool runs (ts/tool/host.ts, a
// worker that may block; the same libcurl, socket bridge and WASI files).
// --wasm (or LIBTESTS_WASM) names another bundle: the debug build's,
// .build/debug/libtests.wasm. scripts/curl-tests.sh --libtests (and
// --debug-libtests) puts a wrapper that runs this file where runtests.pl looks
// for libtest programs.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from '../../ts/tool/host.js';

let args = process.argv.slice(2);
let wasm = process.env.LIBTESTS_WASM;
if (args[0] === '--wasm' && args.length >= 2) {
  wasm = args[1];
  args = args.slice(2);
}
const code = await runTool({
  program: {
    wasm: wasm ? resolve(wasm) : fileURLToPath(new URL('../../wasm/libtests.wasm', import.meta.url)),
    argv0: 'libtests',
  },
  args,
  // relative paths resolve against PWD (wasm/tool/fs.c): make it true
  env: { ...process.env, PWD: process.cwd() } as Record<string, string>,
  onError: (message) => process.stderr.write(`libtests: ${message}\n`),
});
process.exit(code);
