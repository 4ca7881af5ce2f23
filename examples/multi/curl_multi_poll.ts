// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_poll(3) manual page: poll curl's
// descriptors and one of our own. Our descriptor is an EventFd (a host
// descriptor, as curl's are) that a timer signals while the transfer runs.
// Usage: tsx examples/multi/curl_multi_poll.ts URL
import { CURL_WAIT_POLLIN, Easy, EventFd, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();
const own = new EventFd(rt);
const myfd = own.fd; /* this is our own file descriptor */
setImmediate(() => own.signal()); // something for handle_fd() to do

function handle_fd(fd: number): void {
  console.log(`our descriptor ${fd === myfd ? 'myfd' : fd} had ${own.read()} event(s)`);
}

let still_running = 0;

const multi_handle = new Multi(rt);
const easy_handle = new Easy(rt).setOpt('URL', process.argv[2] ?? 'https://example.com/');

/* add the individual easy handle */
multi_handle.addHandle(easy_handle);

do {
  try {
    still_running = multi_handle.perform();

    const myown = {
      fd: myfd,
      events: CURL_WAIT_POLLIN /* wait for input */,
      revents: 0 /* clear it */,
    };

    /* wait for activity on curl's descriptors or on our own,
       or timeout */
    await multi_handle.poll(1000, [myown]);

    if (myown.revents) {
      /* did our descriptor receive an event? */
      handle_fd(myfd);
    }
  } catch (mc) {
    console.error(`curl_multi failed, code ${(mc as { curlCode: number }).curlCode}.`);
    break;
  }
} while (still_running);

multi_handle.removeHandle(easy_handle);
console.log(`done: HTTP ${easy_handle.getInfo('RESPONSE_CODE')}`);
easy_handle.close();
multi_handle.close();
own.close();
