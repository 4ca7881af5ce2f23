// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_info_read(3) manual page, after a
// perform loop over the URLs given. Usage: tsx examples/multi/curl_multi_info_read.ts URL...
import { CURLMSG, Easy, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();
const multi = new Multi(rt);
for (const url of process.argv.slice(2)) multi.addHandle(new Easy(rt).setOpt('URL', url));

/* call curl_multi_perform or curl_multi_socket_action first, then loop
   through and check if there are any transfers that have completed */
for (let running = multi.perform(); running; running = multi.perform()) await multi.poll(1000);

let m;
do {
  m = multi.infoRead();
  if (m && m.msg === CURLMSG.CURLMSG_DONE) {
    const e = m.easy;
    /* m.result holds the error code for the transfer */
    console.log(`DONE ${e.getInfo('EFFECTIVE_URL')} result ${m.result}, ${m.msgsInQueue} more in the queue`);
    multi.removeHandle(e);
    e.close();
  }
} while (m);
multi.close();
