// SPDX-License-Identifier: MIT
// The faithful layer: curl's classic multi loop, written as in C —
// curl_multi_perform, curl_multi_wait, curl_multi_info_read — over five Easy
// handles. wait() is a promise, so the event loop never blocks. The server
// answers /n after n × 100 ms, so the running count falls one by one.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Easy, Multi, Runtime } from 'libcurl-wasm';

const server = createServer((req, res) => {
  setTimeout(() => res.end(`done ${req.url}`), Number(req.url!.slice(1)) * 100);
}).listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };

const rt = await Runtime.create();
const multi = new Multi(rt);
const bodies = new Map<Easy, string>();
for (const n of [5, 3, 1, 4, 2]) {
  const easy = new Easy(rt)
    .setOpt('URL', `http://127.0.0.1:${port}/${n}`)
    .setOpt('WRITEFUNCTION', (chunk: Uint8Array) => void bodies.set(easy, (bodies.get(easy) ?? '') + Buffer.from(chunk).toString()));
  multi.addHandle(easy);
}

const started = Date.now();
let running = multi.perform();
console.log(`running: ${running}`);
while (running > 0) {
  await multi.wait(1000); // until a socket is ready or curl's timeout is due
  const now = multi.perform();
  if (now !== running) console.log(`running: ${now} (after ${Date.now() - started} ms)`);
  running = now;
  for (let msg = multi.infoRead(); msg; msg = multi.infoRead()) {
    const { easy, code } = msg; // msg.error is the CurlEasyError when code is not CURLE_OK
    console.log(`  done: ${code} HTTP ${easy.getInfo('RESPONSE_CODE')} ${easy.getInfo('EFFECTIVE_URL')} → "${bodies.get(easy)}"`);
    multi.removeHandle(easy);
    easy.close();
  }
}
multi.close();
server.close();
