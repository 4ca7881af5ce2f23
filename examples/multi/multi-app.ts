// SPDX-License-Identifier: MIT
// curl's docs/examples/multi-app.c: an HTTP download and an FTP upload at
// once, then the status of each from curl_multi_info_read.
// Usage: tsx examples/multi/multi-app.ts [HTTP_URL] [FTP_URL]
import { CURLMSG, Easy, Multi, Runtime } from 'libcurl-wasm';

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
// C reads the upload from stdin by default; here it is one line of text
const upload = [Buffer.from('uploaded by multi-app\n')];
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

let still_running = 1; /* keep number of running handles */
while (still_running) {
  still_running = multi_handle.perform();

  if (still_running)
    /* wait for activity, timeout or "nothing" */
    await multi_handle.poll(1000);
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

/* remove the transfers and cleanup the handles */
for (let i = 0; i < HANDLECOUNT; i++) {
  multi_handle.removeHandle(handles[i]!);
  handles[i]!.close();
}

multi_handle.close();
