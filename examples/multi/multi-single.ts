// SPDX-License-Identifier: MIT
// curl's docs/examples/multi-single.c: a single transfer through the multi
// interface. Usage: tsx examples/multi/multi-single.ts [URL]
import { Easy, Multi, Runtime } from 'libcurl-wasm';

const url = process.argv[2] ?? 'https://www.example.com/';
const rt = await Runtime.create(); // curl_global_init(CURL_GLOBAL_DEFAULT)

const http_handle = new Easy(rt);

/* set the options (I left out a few, you get the point anyway) */
http_handle.setOpt('URL', url);
let received = 0;
http_handle.setOpt('WRITEFUNCTION', (data: Uint8Array) => void (received += data.length));

/* init a multi stack */
const multi_handle = new Multi(rt);

/* add the individual transfers */
multi_handle.addHandle(http_handle);

let still_running = 1; /* keep number of running handles */
do {
  try {
    still_running = multi_handle.perform();
    /* wait for activity, timeout or "nothing" */
    await multi_handle.poll(1000);
  } catch (mc) {
    // a CURLMcode other than CURLM_OK arrives as a CurlMultiError
    console.error(`curl_multi_poll() failed, code ${(mc as { curlCode: number }).curlCode}.`);
    break;
  }
} while (still_running);

console.log(`received ${received} bytes, HTTP ${http_handle.getInfo('RESPONSE_CODE')}`);
multi_handle.removeHandle(http_handle);
http_handle.close();
multi_handle.close();
