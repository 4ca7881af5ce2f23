// SPDX-License-Identifier: MIT
// G, start-up: one fresh process per measurement, from the job's arrival to
// the first response's body, the library's import included ("fresh process to
// first response", issue 15): Node's fetch loads its undici inside its first
// call, so an import outside the figure would compare unlike things. Plain
// JavaScript, run without tsx (bench/run.ts forks it bare): loader hooks would
// add a cross-thread round trip to every import, Node's own fetch has none.
// libcurl-wasm is imported as a user's process imports it, as one bundle
// (bench/run.ts writes it with esbuild beside libcurl.wasm in its snapshot).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = process.env.LCWB_ROOT;
const bundle = () => import(join(root, 'dist', 'index.mjs'));

const status = (field) => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

async function startup(job) {
  const url = `${job.urls.http}/small`;
  let bytes = 0;
  const statuses = {};
  const note = (s) => void (statuses[s] = (statuses[s] ?? 0) + 1);
  const phases = {};
  const startRss = status('VmRSS');
  const cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const lap = (name) => {
    const now = performance.now();
    phases[name] = now - t0;
    t0 = now;
  };
  const runtimeOptions = process.env.LCWB_WASM ? { runtimeOptions: { module: process.env.LCWB_WASM } } : {};
  switch (job.client) {
    case 'wasm': {
      const { Runtime, Multi, Easy } = await bundle();
      lap('import');
      const module = await WebAssembly.compile(readFileSync(process.env.LCWB_WASM ?? join(root, 'dist', 'libcurl.wasm')));
      lap('compile');
      const rt = await Runtime.create({ module });
      lap('instantiate');
      const multi = new Multi(rt);
      const e = new Easy(rt).setOpt('URL', url).setOpt('WRITEFUNCTION', (d) => void (bytes += d.length));
      await multi.run(e);
      note(e.getInfo('RESPONSE_CODE'));
      lap('firstRequest');
      e.close();
      multi.close();
      break;
    }
    // fetch() and request() on a default Session: what a user's first call costs (the Session compiles libcurl.wasm)
    case 'wasm-fetch': {
      const { Session } = await bundle();
      lap('import');
      const session = new Session(runtimeOptions);
      const res = await session.fetch(url);
      note(res.status);
      bytes += (await res.arrayBuffer()).byteLength;
      lap('firstRequest');
      await session.close();
      break;
    }
    case 'wasm-request': {
      const { Session } = await bundle();
      lap('import');
      const session = new Session(runtimeOptions);
      const res = await session.request(url);
      note(res.status);
      bytes += (await res.bytes()).byteLength;
      lap('firstRequest');
      await session.close();
      break;
    }
    case 'undici': {
      const { request } = await import('undici');
      lap('import');
      const { statusCode, body } = await request(url);
      note(statusCode);
      bytes += (await body.arrayBuffer()).byteLength;
      lap('firstRequest');
      break;
    }
    case 'node-fetch': {
      const res = await fetch(url);
      note(res.status);
      bytes += (await res.arrayBuffer()).byteLength;
      lap('firstRequest');
      break;
    }
    case 'node-libcurl': {
      const nlc = createRequire(import.meta.url)('node-libcurl');
      lap('import');
      const multi = new nlc.Multi();
      const e = new nlc.Easy();
      e.setOpt('URL', url);
      e.setOpt('WRITEFUNCTION', (_b, s, n) => ((bytes += s * n), s * n));
      await new Promise((resolve, reject) => {
        multi.onMessage((err) => (err ? reject(err) : resolve()));
        multi.addHandle(e);
      });
      multi.removeHandle(e);
      note(e.getInfo('RESPONSE_CODE').data);
      lap('firstRequest');
      e.close();
      multi.close();
      break;
    }
    default:
      throw new Error(`n/a: ${job.client} for G`);
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = Object.values(phases).reduce((a, b) => a + b, 0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes, statuses, expectedResponses: 1, peakRss: status('VmHWM'), startRss, phases };
}

process.once('message', (job) => {
  startup(job).then(
    (result) => process.send({ result }, () => process.exit(0)),
    (err) => process.send({ error: String(err?.stack ?? err) }, () => process.exit(1)),
  );
});
