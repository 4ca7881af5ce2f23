// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_fdset(3) manual page, with the
// curl_multi_perform() call its comment asks for and a URL to fetch. Host
// descriptors start at 1024 (past FD_SETSIZE): the sets are arrays, and
// select() is the binding's. Usage: tsx examples/multi/curl_multi_fdset.ts URL
import { Easy, Multi, Runtime, select } from 'libcurl-wasm';

const rt = await Runtime.create();
const timeout = 1000; /* struct timeval timeout = {1, 0} */
const multi = new Multi(rt);
const easy = new Easy(rt).setOpt('URL', process.argv[2] ?? 'https://example.com/');
multi.addHandle(easy);

let maxSeen = -1;
let running: number;
do {
  /* call curl_multi_perform() */
  running = multi.perform();

  /* get file descriptors from the transfers */
  let set;
  try {
    set = multi.fdset();
  } catch (mc) {
    console.error(`curl_multi_fdset() failed, code ${(mc as { curlCode: number }).curlCode}.`);
    break;
  }
  maxSeen = Math.max(maxSeen, set.maxFd);

  /* wait for activity on one of the sockets */
  await select(rt, { read: set.read, write: set.write, except: set.except }, set.maxFd === -1 ? 100 : timeout);
} while (running);
console.log(`done: HTTP ${easy.getInfo('RESPONSE_CODE')}, highest descriptor ${maxSeen}`);
easy.close();
multi.close();
