// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_perform(3) manual page, with a URL to
// fetch. Usage: tsx examples/multi/curl_multi_perform.ts URL
import { Easy, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();
let still_running: number;
const multi = new Multi(rt);
const curl = new Easy(rt).setOpt('URL', process.argv[2] ?? 'https://example.com/');
if (curl) {
  multi.addHandle(curl);
  do {
    try {
      still_running = multi.perform();

      if (still_running)
        /* wait for activity, timeout or "nothing" */
        await multi.poll(1000);
    } catch (mc) {
      console.error(`curl_multi_poll() failed, code ${(mc as { curlCode: number }).curlCode}.`);
      break;
    }

    /* if there are still transfers, loop */
  } while (still_running);
}
console.log(`done: HTTP ${curl.getInfo('RESPONSE_CODE')}`);
curl.close();
multi.close();
