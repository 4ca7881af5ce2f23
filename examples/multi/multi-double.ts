// SPDX-License-Identifier: MIT
// curl's docs/examples/multi-double.c: two transfers at once through the
// multi interface. Usage: tsx examples/multi/multi-double.ts [URL1] [URL2]
import { CURLMSG, Easy, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();
const http_handle = new Easy(rt);
const http_handle2 = new Easy(rt);

/* set options */
http_handle.setOpt('URL', process.argv[2] ?? 'https://www.example.com/');

/* set options */
http_handle2.setOpt('URL', process.argv[3] ?? 'http://localhost/');

/* init a multi stack */
const multi_handle = new Multi(rt);

/* add the individual transfers */
multi_handle.addHandle(http_handle);
multi_handle.addHandle(http_handle2);

let still_running = 1; /* keep number of running handles */
while (still_running) {
  still_running = multi_handle.perform();

  if (still_running)
    /* wait for activity, timeout or "nothing" */
    await multi_handle.poll(1000);

  let msg;
  do {
    msg = multi_handle.infoRead();
    if (msg) {
      if (msg.msg === CURLMSG.CURLMSG_DONE) {
        /* a transfer ended */
        console.error('Transfer completed');
      }
    }
  } while (msg);
}

multi_handle.removeHandle(http_handle);
multi_handle.removeHandle(http_handle2);
multi_handle.close();
http_handle.close();
http_handle2.close();
