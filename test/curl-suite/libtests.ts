// SPDX-License-Identifier: MIT
// `libtests NAME URL [ARGS]`: curl's libtest programs (tests/libtest/ of the
// vendored curl, bundled by build.sh into wasm/libtests.wasm) run the way the
// curl-wasm tool runs (ts/tool/host.ts, a worker that may block; the same
// libcurl, socket bridge and WASI files). scripts/curl-tests.sh --libtests
// puts a wrapper that runs this file where runtests.pl looks for libtest
// programs.
import { fileURLToPath } from 'node:url';
import { runTool } from '../../ts/tool/host.js';

const code = await runTool({
  program: { wasm: fileURLToPath(new URL('../../wasm/libtests.wasm', import.meta.url)), argv0: 'libtests' },
  args: process.argv.slice(2),
  // relative paths resolve against PWD (wasm/tool/fs.c): make it true
  env: { ...process.env, PWD: process.cwd() } as Record<string, string>,
  onError: (message) => process.stderr.write(`libtests: ${message}\n`),
});
process.exit(code);
