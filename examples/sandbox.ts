// SPDX-License-Identifier: MIT
// Sandbox: transfers for URLs nobody vetted. The default policy ('public')
// refuses loopback and cloud metadata addresses at the socket bridge, before
// any connect. A second sandbox turns the preset off for this demo (preset:
// 'none': only 10.0.0.0/8 is denied, so loopback is reachable) and caps the body size.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Sandbox } from 'libcurl-wasm';

const server = createServer((req, res) => res.end(req.url === '/big' ? Buffer.alloc(1 << 20) : 'small and fine')).listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

type Chain = Error & { cause?: Chain; rule?: string; limit?: string };
const chain = (err: Chain): string => `${err.name}: ${err.message}${err.cause ? `\n    → ${chain(err.cause)}` : ''}`;

// 1. the default policy
const strict = await Sandbox.create();
try {
  for (const url of [base, 'http://169.254.169.254/latest/meta-data/']) {
    // fetch() rejects with TypeError('fetch failed') → cause CurlEasyError → cause PolicyDenied
    const err = (await strict.fetch(url).catch((e: Chain) => e)) as Chain;
    console.log(`refused ${url}: rule "${err.cause?.cause?.rule}"\n    ${chain(err)}`);
  }
} finally {
  await strict.destroy();
}

// 2. a policy that lets the demo reach loopback, with small limits
const demo = await Sandbox.create({
  policy: { preset: 'none', denyAddresses: ['10.0.0.0/8'] },
  limits: { maxBodyBytes: 64 << 10, timeoutMs: 5_000, maxRedirects: 2 },
});
try {
  console.log('allowed:', await (await demo.fetch(`${base}/small`)).text());
  const denied = (await demo.fetch('http://10.1.2.3/').catch((e: Chain) => e)) as Chain; // refused before any connect
  console.log(`refused http://10.1.2.3/: rule "${denied.cause?.cause?.rule}"`);
  // the head is fine; the body crosses maxBodyBytes, so reading it fails with the CurlEasyError → LimitExceeded
  const res = await demo.fetch(`${base}/big`);
  const cut = (await res.arrayBuffer().catch((e: Chain) => e)) as Chain;
  console.log(`body of /big cut: limit "${cut.cause?.limit}"\n    ${chain(cut)}`);
} finally {
  await demo.destroy();
  server.close();
}
