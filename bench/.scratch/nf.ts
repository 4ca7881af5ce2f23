import { fork } from 'node:child_process';
const child = fork('/work/main/bench/server.ts', [], { execArgv: ['--import', 'tsx'] });
const ports: any = await new Promise((r) => child.on('message', (m: any) => m.ready && r(m.ports)));
const ask = (cmd: string) => new Promise<any>((r) => { child.once('message', (m: any) => r(m.stats)); child.send({ cmd, id: 1 }); });
const url = `http://127.0.0.1:${ports.http}/small`;
await ask('reset');
for (let i = 0; i < 200; i++) { const r = await fetch(url); await r.arrayBuffer(); }
console.log('after warm', (await ask('stats')).connections);
await new Promise((r) => setTimeout(r, 50));
(globalThis as any).gc?.();
for (let i = 0; i < 1000; i++) { const r = await fetch(url); await r.arrayBuffer(); if (i % 250 === 0) console.log(i, (await ask('stats')).connections.http); }
console.log('end', (await ask('stats')).connections);
child.kill(); process.exit(0);
