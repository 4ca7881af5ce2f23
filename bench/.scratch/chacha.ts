import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Runtime, Multi, Easy } from '../../ts/index.js';
const child = fork('/work/main/bench/server.ts', [], { execArgv: ['--import', 'tsx'] });
const ports: any = await new Promise((r) => child.on('message', (m: any) => m.ready && r(m.ports)));
const rt = await Runtime.create();
const ca = readFileSync('/work/main/test/fixtures/certs/ca.pem', 'utf8');
const multi = new Multi(rt);
for (const ciphers of [undefined, 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', undefined, 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']) {
  let n = 0; let tls: any;
  const e = new Easy(rt).setOpt('URL', `https://127.0.0.1:${ports.https}/big?n=${64 << 20}`).setOpt('CAINFO_BLOB', ca).setOpt('HTTP_VERSION', 2)
    .setOpt('WRITEFUNCTION', (d: Uint8Array) => { n += d.length; tls ??= e.tlsInfo(); });
  if (ciphers) e.setOpt('TLS13_CIPHERS', ciphers);
  const t0 = performance.now();
  try { await multi.run(e); } catch (err) { console.log(ciphers, String(err)); continue; }
  const ms = performance.now() - t0;
  console.log(ciphers ?? 'default', tls, (n / 1e6 / (ms / 1000)).toFixed(1), 'MB/s');
  e.close();
}
child.kill(); process.exit(0);
