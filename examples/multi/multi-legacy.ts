// SPDX-License-Identifier: MIT
// curl's docs/examples/multi-legacy.c: the old curl_multi_fdset() +
// select() loop. Host descriptors start at 1024, past FD_SETSIZE, so the
// fd sets are arrays and select() is the binding's, which waits on the event
// loop instead of blocking it.
// Usage: tsx examples/multi/multi-legacy.ts [HTTP_URL] [FTP_URL]
import { CURLMSG, Easy, Multi, Runtime, select } from 'libcurl-wasm';

const HANDLECOUNT = 2; /* Number of simultaneous transfers */
const HTTP_HANDLE = 0; /* Index for the HTTP transfer */
const FTP_HANDLE = 1; /* Index for the FTP transfer */

const rt = await Runtime.create();

/* Allocate one curl handle per transfer */
const handles: Easy[] = [];
for (let i = 0; i < HANDLECOUNT; i++) handles[i] = new Easy(rt);

/* set the options (I left out a few, you get the point anyway) */
handles[HTTP_HANDLE]!.setOpt('URL', process.argv[2] ?? 'https://example.com');

handles[FTP_HANDLE]!.setOpt('URL', process.argv[3] ?? 'ftp://example.com');
handles[FTP_HANDLE]!.setOpt('UPLOAD', 1);
const upload = [Buffer.from('uploaded by multi-legacy\n')]; // C reads stdin
handles[FTP_HANDLE]!.setOpt('READFUNCTION', (buf: Uint8Array) => {
  const chunk = upload.shift();
  if (!chunk) return 0;
  buf.set(chunk);
  return chunk.length;
});

/* init a multi stack */
const multi_handle = new Multi(rt);

/* add the individual transfers */
for (let i = 0; i < HANDLECOUNT; i++) multi_handle.addHandle(handles[i]!);

/* we start some action by calling perform right away */
let still_running = multi_handle.perform();

while (still_running) {
  let rc: number; /* select() return code */

  /* set a suitable timeout to play around with */
  let timeout = 1000;

  const curl_timeo = multi_handle.timeout();
  if (curl_timeo >= 0) timeout = Math.min(curl_timeo, 1000);

  /* get file descriptors from the transfers */
  let fdset;
  try {
    fdset = multi_handle.fdset();
  } catch (mc) {
    console.error(`curl_multi_fdset() failed, code ${(mc as { curlCode: number }).curlCode}.`);
    break;
  }
  const { read: fdread, write: fdwrite, except: fdexcep, maxFd: maxfd } = fdset;

  /* maxfd == -1: no fds ready yet, so sleep 100ms, the minimum suggested
     value in the curl_multi_fdset() doc */
  if (maxfd === -1) {
    rc = await select(rt, { read: [], write: [], except: [] }, 100);
  } else {
    rc = await select(rt, { read: fdread, write: fdwrite, except: fdexcep }, timeout);
  }

  switch (rc) {
    case -1:
      /* select error */
      break;
    // biome-ignore lint/complexity/noUselessSwitchCase: as in curl's multi-legacy.c
    case 0: /* timeout */
    default: /* action */
      still_running = multi_handle.perform();
      break;
  }
}

/* See how the transfers went */
for (let msg = multi_handle.infoRead(); msg; msg = multi_handle.infoRead()) {
  if (msg.msg === CURLMSG.CURLMSG_DONE) {
    /* Find out which handle this message is about */
    const idx = handles.indexOf(msg.easy);

    switch (idx) {
      case HTTP_HANDLE:
        console.log(`HTTP transfer completed with status ${msg.result}`);
        break;
      case FTP_HANDLE:
        console.log(`FTP transfer completed with status ${msg.result}`);
        break;
    }
  }
}

multi_handle.close();

/* Free the curl handles */
for (let i = 0; i < HANDLECOUNT; i++) handles[i]!.close();
