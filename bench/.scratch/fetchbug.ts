import { fork } from 'node:child_process';
import { Session, fetchOn } from '../../ts/index.js';
const child = fork('/work/main/bench/server.ts', [], { execArgv: ['--import', 'tsx'] });
const ports: any = await new Promise((r) => child.on('message', (m: any) => m.ready && r(m.ports)));
const session = new Session({ cookies: false, maxConnectionsPerHost: 100 });
const url = `http://127.0.0.1:${ports.http}/small`;
for (const conc of [1, 10, 100]) {
  let bytes = 0, n = 0, empty = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    for (let i = 0; i < 5; i++) {
      const res = await fetchOn(session, url);
      const b = (await res.arrayBuffer()).byteLength;
      bytes += b; n++; if (b === 0) empty++;
    }
  }));
  console.log({ conc, n, bytes, empty });
}
await session.close();
child.kill(); process.exit(0);
