// SPDX-License-Identifier: MIT
// WebSocket through libcurl.wasm: starts an echo server on loopback (the
// `ws` package, a dev dependency), talks to it with the WHATWG-shaped
// WebSocket, then with the lower-level ws() and its async iterator.
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { WebSocket, ws as connect } from 'libcurl-wasm';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
await once(server, 'listening');
const { port } = server.address() as { port: number };
const url = `ws://127.0.0.1:${port}/`;

// 1. the browser-shaped class
const ws = new WebSocket(url);
ws.binaryType = 'arraybuffer';
ws.onopen = () => {
  ws.send('hello');
  ws.send(new Uint8Array([1, 2, 3]));
};
let seen = 0;
ws.onmessage = (ev) => {
  const { data } = ev as MessageEvent;
  console.log('message:', typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
  if (++seen === 2) ws.close(1000, 'done');
};
const closed = await once(ws, 'close');
const ev = closed[0] as { code: number; reason: string; wasClean: boolean };
console.log(`closed: ${ev.code} ${ev.reason} clean=${ev.wasClean}`);

// 2. frames as an async iterator
const conn = await connect(url);
conn.send('one');
conn.ping('are you there');
conn.send('two');
let n = 0;
for await (const frame of conn) {
  console.log(`${frame.type}:`, frame.text ?? Buffer.from(frame.data).toString());
  if (++n === 3) break;
}
console.log('closed:', await conn.close(1000));
server.close();
