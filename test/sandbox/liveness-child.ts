// SPDX-License-Identifier: MIT
// Child process for the sandbox liveness test: a few hostile transfers
// (servers in the parent, URLs in argv) through one Sandbox that is never
// destroyed. The process must exit by itself once they are done, although
// a kept-alive connection to the parent's server stays in curl's pool:
// nothing of the sandbox (sockets, timers, lookups) may hold the event loop.
import { Sandbox } from '../../ts/index.js';

const [slowUrl, resetUrl, bombUrl] = process.argv.slice(2) as [string, string, string];
const describe = (err: unknown): string => {
  const e = err as { code?: string; cause?: { limit?: string } };
  return [e.code, e.cause?.limit].filter(Boolean).join(' ');
};

const sb = await Sandbox.create({
  policy: { preset: 'none', denyAddresses: ['127.0.0.2'] },
  limits: { timeoutMs: 1000, maxBodyBytes: 1 << 20 },
});

await sb.request(slowUrl).then(
  () => console.log('slow ok?'),
  (e) => console.log(`slow ${describe(e)}`),
);
await sb
  .request(resetUrl)
  .then((r) => r.bytes())
  .then(
    () => console.log('reset ok?'),
    (e) => console.log(`reset ${describe(e)}`),
  );
await sb
  .request(`${bombUrl}/gzip`)
  .then((r) => r.bytes())
  .then(
    () => console.log('bomb ok?'),
    (e) => console.log(`bomb ${describe(e)}`),
  );
const res = await sb.request(`${bombUrl}/none`); // a 404, and the connection stays in the pool
await res.bytes();
console.log(`status ${res.status} pooled ${sb.runtime.sockets.size}`);
// no sb.destroy(): the process must exit anyway
