// SPDX-License-Identifier: MIT
// A real transfer through libcurl.wasm: starts a server on loopback, fetches
// from it with an Easy handle driven by a Multi, and prints what curl saw.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Easy, Multi, Runtime } from 'libcurl-wasm';

const server = createServer((req, res) => res.end(`hello from ${req.url}\n`)).listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };

const rt = await Runtime.create();
console.log(rt.version);
const multi = new Multi(rt);
const easy = new Easy(rt);
let body = '';
easy.setOpt('URL', `http://127.0.0.1:${port}/example`);
easy.setOpt('WRITEFUNCTION', (chunk: Uint8Array) => void (body += Buffer.from(chunk).toString()));
await multi.run(easy);
console.log(`HTTP ${easy.getInfo('RESPONSE_CODE')} from ${easy.getInfo('PRIMARY_IP')}:${easy.getInfo('PRIMARY_PORT')}`);
console.log(`total ${(easy.getInfo('TOTAL_TIME_T') as number) / 1000} ms: ${body.trim()}`);
easy.close();
multi.close();
server.close();
