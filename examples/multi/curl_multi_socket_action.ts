// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_socket_action(3) manual page: the
// event library reports action on 'fd', translated into a call to
// socketAction(). A failing CURLMcode arrives as a CurlMultiError whose
// message is curl_multi_strerror's text.
// Usage: tsx examples/multi/curl_multi_socket_action.ts
import { CurlMultiError, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();

/* the event-library gets told when there activity on the socket 'fd',
   which we translate to a call to curl_multi_socket_action() */
let running = 0;
const fd = 3; /* the descriptor that had action */
const bitmask = 2; /* what activity that happened */

const multi = new Multi(rt);

try {
  running = multi.socketAction(fd, bitmask);
  console.log(`running: ${running}`);
} catch (mc) {
  if (mc instanceof CurlMultiError) console.log(`error: ${mc.message}`);
  else throw mc;
}
multi.close();
