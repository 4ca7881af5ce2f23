// SPDX-License-Identifier: MIT
// Child process for the WorkerPool liveness tests: a pool of two workers does
// one request each and prints; with `close` it closes the pool, without it
// leaves the pool open. Either way the process must exit by itself: idle
// workers do not keep it alive, and a closed pool leaves nothing behind.
import { WorkerPool } from '../../ts/index.js';

const [url, mode] = process.argv.slice(2);
// stdout and stderr are pipes to the parent: handles of their own, not the pool's
const stdio = (r: string) => r !== 'PipeWrap' && r !== 'TTYWrap';
const pool = await WorkerPool.create({ workers: 2 });
const rs = await Promise.all([pool.request(url!), pool.request(url!)]);
console.log(`${rs.map((r) => r.status).join(' ')} threads ${new Set(rs.map((r) => r.threadId)).size}`);
if (mode === 'close') {
  await pool.close();
  console.log(`closed, resources: ${JSON.stringify(process.getActiveResourcesInfo().filter(stdio))}`);
}
