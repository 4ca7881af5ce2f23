// SPDX-License-Identifier: MIT
// Child process for the re-entrancy tests of misuse.test.ts: one scenario
// (argv[2]) that calls into a handle from inside that handle's own curl
// callback, against the URL in argv[3]. A crash (a wasm trap, an uncaught
// exception) must not take the test runner with it, so it happens here. The
// last line of stdout is a JSON report:
//   inCallback  what the call inside the callback threw ('none' if nothing)
//   settled     how the transfer's promise settled ('resolved', 'rejected <code or name>', 'hang')
//   followUp    a fresh transfer afterwards on the same Multi ('ok <status>', or what failed)
import { Easy, Multi, Runtime } from '../../ts/index.js';

const [scenario, url] = process.argv.slice(2) as [string, string];
const name = (e: unknown): string => {
  const err = e as { code?: string; name?: string; constructor?: { name: string } };
  return err?.code ?? err?.constructor?.name ?? String(e);
};
const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | 'hang'> =>
  Promise.race([p, new Promise<'hang'>((r) => setTimeout(() => r('hang'), ms).unref())]);

const rt = await Runtime.create();
let multi = new Multi(rt);
const easy = new Easy(rt);
let inCallback = 'not called';
easy.setOpt('URL', `${url}/bytes/200000`);
easy.setOpt('WRITEFUNCTION', () => {
  if (inCallback !== 'not called') return;
  try {
    if (scenario === 'close-easy') easy.close();
    else if (scenario === 'reset-easy') easy.reset();
    else if (scenario === 'close-multi') multi.close();
    else if (scenario === 'remove-easy') multi.removeHandle(easy);
    inCallback = 'none';
  } catch (err) {
    inCallback = `${(err as Error).constructor.name} ${name(err)}`;
  }
});

const settled = await withTimeout(
  multi.run(easy).then(
    () => 'resolved',
    (e: unknown) => `rejected ${name(e)}`,
  ),
  10_000,
);

let followUp: string;
try {
  if (scenario === 'close-multi') multi = new Multi(rt); // the old one is closed either way
  const next = new Easy(rt);
  let bytes = 0;
  next.setOpt('URL', `${url}/hello`);
  next.setOpt('WRITEFUNCTION', (d: Uint8Array) => void (bytes += d.length));
  const r = await withTimeout(multi.run(next), 10_000);
  followUp = r === 'hang' ? 'hang' : `ok ${String(next.getInfo('RESPONSE_CODE'))} ${bytes}`;
  next.close();
} catch (err) {
  followUp = `${(err as Error).constructor.name} ${name(err)}: ${(err as Error).message}`;
}
console.log(JSON.stringify({ inCallback, settled, followUp }));
