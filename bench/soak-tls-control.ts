// SPDX-License-Identifier: MIT
// The soak's control: the same fresh HTTPS connections (a full handshake, the
// runtime's default trust store + NODE_EXTRA_CA_CERTS, GET /small?close=1 from
// bench/server.ts in a child process) made with plain node:tls, no
// libcurl-wasm, sampling memory as bench/soak.ts does. What RSS does here is
// node's and the allocator's, not ours.
//
//   NODE_OPTIONS=--expose-gc npx tsx bench/soak-tls-control.ts [connections] [wave]   (defaults: 30000, 20)
//   SOAK_TAP=1 …   through a Duplex between TCP and TLS (node:tls wraps it in a JSStreamSocket), as ts/host/tls-tap.ts does
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const count = Number(process.argv[2] ?? 30_000);
const wave = Number(process.argv[3] ?? 20);
const every = Math.max(wave, Math.floor(count / 40 / wave) * wave);
const viaTap = process.env.SOAK_TAP === '1';
const here = fileURLToPath(new URL('.', import.meta.url));
const server: ChildProcess = fork(`${here}server.ts`, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ports = await new Promise<Record<string, number>>((resolve) =>
  server.on('message', (m: { ready?: boolean; ports?: Record<string, number> }) => m.ready && resolve(m.ports!)),
);
const context = tls.createSecureContext({});
const request = Buffer.from('GET /small?close=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

function one(): Promise<number> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(ports.https!, '127.0.0.1');
    let socket: net.Socket | Duplex = raw;
    if (viaTap) {
      const pipe = new Duplex({
        read() {},
        write(chunk: Buffer, _e, done) {
          raw.write(chunk, done);
        },
        final(done) {
          raw.end();
          done();
        },
        destroy(err, done) {
          raw.destroy();
          done(err);
        },
      });
      raw.on('data', (d) => pipe.emit('data', d));
      raw.on('end', () => pipe.emit('end'));
      raw.on('error', (err) => pipe.destroy(err));
      raw.on('close', () => pipe.destroy());
      socket = pipe;
    }
    const t = tls.connect({
      socket: socket as net.Socket,
      secureContext: context,
      servername: 'localhost',
      rejectUnauthorized: true,
      checkServerIdentity: () => undefined,
    });
    let n = 0;
    t.on('secureConnect', () => t.write(request));
    t.on('data', (d: Buffer) => void (n += d.length));
    t.on('end', () => t.end());
    t.on('close', () => resolve(n));
    t.on('error', reject);
  });
}

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number) => (n / 2 ** 20).toFixed(1).padStart(9);
function status(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of readFileSync('/proc/self/status', 'latin1').matchAll(/^(\w+):\s+(\d+) kB$/gm)) out[m[1]!] = Number(m[2]) * 1024;
  return out;
}
console.log(
  `control: ${count} fresh node:tls connections in waves of ${wave}${viaTap ? ', through a Duplex (JSStreamSocket)' : ''}; MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '-'}`,
);
console.log('   done        s      rss     anon  heapTot heapUsed external   native');
const t0 = performance.now();
for (let done = 0; done < count; ) {
  const n = Math.min(wave, count - done);
  await Promise.all(Array.from({ length: n }, one));
  done += n;
  if (done % every === 0 || done === count) {
    gc?.();
    const m = process.memoryUsage();
    const st = status();
    const anon = st.RssAnon ?? 0;
    console.log(
      `${String(done).padStart(7)}${((performance.now() - t0) / 1000).toFixed(1).padStart(9)}${mib(m.rss)}${mib(anon)}${mib(m.heapTotal)}${mib(m.heapUsed)}${mib(m.external)}${mib(anon - m.heapTotal - m.external)}`,
    );
  }
}
server.disconnect();
