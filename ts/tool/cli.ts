// SPDX-License-Identifier: MIT
// curl-wasm: curl's command-line tool (src/ of the vendored curl, compiled to
// wasm/curl.wasm) with the library's socket bridge and DNS. The tool runs in
// a worker thread (./worker.ts), where it may block as a process does; its
// sockets and lookups run here, on the main thread's event loop, reached
// through ./channel.ts. The worker starts first (./launch.ts), then the
// compile of curl.wasm (./module.ts); the bridge (./host.ts) loads meanwhile.
import { launch } from './launch.js';
import { toolModule } from './module.js';

const launched = launch({
  args: process.argv.slice(2),
  // the tool resolves relative paths against PWD (wasm/tool/fs.c): make it true
  env: { ...process.env, PWD: process.cwd() } as Record<string, string>,
  onError: (message) => process.stderr.write(`curl-wasm: ${message}\n`),
});
// the compile runs on V8's background threads while the bridge loads here
void toolModule().catch(() => {}); // a failure is told by serveTool, which asks again
const { serveTool } = await import('./host.js');
process.exit(await serveTool(launched));
