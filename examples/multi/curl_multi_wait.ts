// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_wait(3) manual page, with a URL to
// fetch. Usage: tsx examples/multi/curl_multi_wait.ts URL
import { Easy, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();
const multi = new Multi(rt);
let still_running: number;

const easy = new Easy(rt).setOpt('URL', process.argv[2] ?? 'https://example.com/');

/* add the individual easy handle */
multi.addHandle(easy);

let waits = 0;
do {
  let numfds: number;
  try {
    still_running = multi.perform();

    /* wait for activity, timeout or "nothing" */
    numfds = await multi.wait(1000);
    if (numfds) waits++;
  } catch (mc) {
    console.error(`curl_multi failed, code ${(mc as { curlCode: number }).curlCode}.`);
    break;
  }
} while (still_running);

multi.removeHandle(easy);
console.log(`done: HTTP ${easy.getInfo('RESPONSE_CODE')} after ${waits > 0 ? 'some' : 'no'} ready descriptors`);
easy.close();
multi.close();
