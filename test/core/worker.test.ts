// SPDX-License-Identifier: MIT
// The compiled module is compiled once and handed to worker_threads: each
// worker instantiates it (no second compile) and runs its own transfers.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compileLibcurl } from '../../ts/index.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

// tsx's register() lets the worker import the TypeScript sources
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  (await import('tsx/esm/api')).register();
  const { Runtime, Multi, Easy } = await import(workerData.entry);
  const rt = await Runtime.create({ module: workerData.module });
  const multi = new Multi(rt);
  const easy = new Easy(rt);
  let body = '';
  easy.setOpt('URL', workerData.url).setOpt('WRITEFUNCTION', (d) => void (body += Buffer.from(d).toString('latin1')));
  await multi.run(easy);
  parentPort.postMessage({ status: easy.getInfo('RESPONSE_CODE'), body });
  easy.close();
  multi.close();
})().catch((err) => parentPort.postMessage({ error: String(err) }));
`;

it('hands the compiled module to two workers, each running a transfer', async () => {
  const module = await compileLibcurl();
  expect(await compileLibcurl()).toBe(module); // cached per process
  const entry = new URL('../../ts/index.ts', import.meta.url).href;
  const results = await Promise.all(
    [1, 2].map(
      (i) =>
        new Promise((resolve, reject) => {
          const w = new Worker(WORKER, { eval: true, workerData: { module, entry, url: `${server.url}/bytes/${i * 1000}` } });
          w.once('message', (m) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
  expect((results as { status: number; body: string }[]).map((r) => [r.status, r.body.length])).toEqual([
    [200, 1000],
    [200, 2000],
  ]);
});
