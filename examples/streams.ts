// SPDX-License-Identifier: MIT
// Node streams both ways: a download piped into a file with
// stream.pipeline (curl pauses whenever the file falls behind), then the
// same file uploaded from fs.createReadStream (sent chunked, never held
// whole). The temporary directory is removed at the end.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { request } from 'libcurl-wasm';

const payload = Buffer.alloc(4 << 20).map((_, i) => (i * 7) & 0xff); // 4 MiB of a pattern
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);

const server = createServer(async (req, res) => {
  if (req.method === 'GET') return void res.end(payload);
  const hash = createHash('sha256');
  let n = 0;
  for await (const chunk of req) (n += chunk.length), hash.update(chunk);
  res.end(`${req.method} of ${n} bytes (${req.headers['transfer-encoding'] ?? 'fixed length'}), sha256 ${hash.digest('hex').slice(0, 16)}`);
}).listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/file`;

const dir = await mkdtemp(join(tmpdir(), 'libcurl-wasm-example-'));
const file = join(dir, 'download.bin');
try {
  // 1. download: the response as a Node Readable, piped into a file
  const res = await request(url);
  await pipeline(res.nodeStream(), createWriteStream(file));
  const saved = await readFile(file);
  console.log(`downloaded ${saved.length} bytes to ${file}, sha256 ${sha(saved)} (sent: ${sha(payload)})`);

  // 2. upload: the file as the request body, read as curl asks for it
  const up = await request(url, { method: 'PUT', body: createReadStream(file) });
  console.log('server saw:', await up.text());
} finally {
  await rm(dir, { recursive: true, force: true });
  console.log('removed', dir);
  server.close();
}
