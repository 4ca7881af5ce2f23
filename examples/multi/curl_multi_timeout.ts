// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_timeout(3) manual page, in its TYPICAL
// USAGE: curl_multi_timeout, then wait on the descriptors curl_multi_fdset
// names, then curl_multi_perform, until all transfers are complete.
// Usage: tsx examples/multi/curl_multi_timeout.ts URL
import { Easy, Multi, Runtime, select } from 'libcurl-wasm';

const rt = await Runtime.create();
const multi = new Multi(rt);
const easy = new Easy(rt).setOpt('URL', process.argv[2] ?? 'https://example.com/');
multi.addHandle(easy);

let rounds = 0;
for (let running = multi.perform(); running; running = multi.perform()) {
  let timeo = multi.timeout();
  if (timeo < 0)
    /* no set timeout, use a default */
    timeo = 980;

  const { read: fdread, write: fdwrite, except: fdexcep } = multi.fdset();

  /* wait for activities no longer than the set timeout */
  await select(rt, { read: fdread, write: fdwrite, except: fdexcep }, timeo);
  rounds++;
}
console.log(`done: HTTP ${easy.getInfo('RESPONSE_CODE')} after ${rounds > 0 ? 'waiting' : 'no wait'}`);
easy.close();
multi.close();
