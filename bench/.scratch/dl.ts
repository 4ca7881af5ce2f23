import { fork } from 'node:child_process';
const child = fork('/work/main/bench/server.ts', [], { execArgv: ['--import', 'tsx'] });
const ports: any = await new Promise((r) => child.on('message', (m: any) => m.ready && r(m.ports)));
const { request, Agent } = await import('/work/main/node_modules/undici/index.js');
const agent = new Agent();
for (const n of [16, 256, 256]) {
  const t0 = performance.now();
  const { body } = await request(`http://127.0.0.1:${ports.http}/big?n=${n << 20}`, { dispatcher: agent });
  let b = 0; for await (const c of body) b += c.length;
  const ms = performance.now() - t0;
  console.log('/work/main/node_modules/undici/index.js', n, 'MiB', (b / 1e6 / (ms / 1000)).toFixed(0), 'MB/s');
}
const { execFileSync } = await import('node:child_process');
console.log(execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download}\n', `http://127.0.0.1:${ports.http}/big?n=${256 << 20}`]).toString());
child.kill(); process.exit(0);
