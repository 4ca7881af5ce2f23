// SPDX-License-Identifier: MIT
// curl's docs/examples/10-at-a-time.c: download many URLs, at most ten at
// a time. CURLOPT_PRIVATE holds the binding's own handle id, so the URL of
// each handle lives in a Map instead.
// Usage: tsx examples/multi/10-at-a-time.ts [URL...]
import { CURLMSG, Easy, Multi, Runtime, type Easy as CURL } from 'libcurl-wasm';

const urls =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [
        'https://www.microsoft.com',
        'https://opensource.org',
        'https://www.google.com',
        'https://www.yahoo.com',
        'https://www.ibm.com',
        'https://www.mysql.com',
        'https://www.oracle.com',
        'https://www.ripe.net',
        'https://www.iana.org',
        'https://www.amazon.com',
        'https://www.netcraft.com',
        'https://www.heise.de',
      ];

const MAX_PARALLEL = 10; /* number of simultaneous transfers */
const NUM_URLS = urls.length;

const rt = await Runtime.create();
const privates = new Map<CURL, string>();

function write_cb(data: Uint8Array): number {
  /* take care of the data here, ignored in this example */
  return data.length;
}

let left = 0;
function add_transfer(cm: Multi, i: number): void {
  const eh = new Easy(rt);
  eh.setOpt('WRITEFUNCTION', write_cb);
  eh.setOpt('URL', urls[i]!);
  privates.set(eh, urls[i]!); // CURLOPT_PRIVATE
  cm.addHandle(eh);
  left++;
}

const cm = new Multi(rt);

/* Limit the amount of simultaneous connections curl should allow: */
cm.setOpt('MAXCONNECTS', MAX_PARALLEL);

let transfers = 0;
for (transfers = 0; transfers < MAX_PARALLEL && transfers < NUM_URLS; transfers++) add_transfer(cm, transfers);

do {
  cm.perform();

  for (let msg = cm.infoRead(); msg; msg = cm.infoRead()) {
    if (msg.msg === CURLMSG.CURLMSG_DONE) {
      const e = msg.easy;
      const url = privates.get(e);
      console.error(`R: ${msg.result} - ${msg.error?.message ?? 'No error'} <${url}>`);
      cm.removeHandle(e);
      e.close();
      left--;
    } else {
      console.error(`E: CURLMsg (${msg.msg})`);
    }
    if (transfers < NUM_URLS) add_transfer(cm, transfers++);
  }
  if (left) await cm.wait(1000);
} while (left);

cm.close();
