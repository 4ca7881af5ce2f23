// SPDX-License-Identifier: MIT
// curl's docs/examples/multi-post.c: a multipart/form-data POST through the
// multi interface. The curl_mime_* API is not bound, so the same three
// parts (sendfile, filename, submit) are built as bytes and sent with
// POSTFIELDS and the matching Content-Type.
// Usage: tsx examples/multi/multi-post.ts [URL]
import { readFileSync } from 'node:fs';
import { Easy, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();
const curl = new Easy(rt);
const multi_handle = new Multi(rt);

/* Create the form */
const boundary = '------------------------multipost';
const part = (name: string, value: string | Buffer, filename?: string) =>
  Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n` +
        (filename ? 'Content-Type: application/octet-stream\r\n' : '') +
        '\r\n',
    ),
    Buffer.from(value),
    Buffer.from('\r\n'),
  ]);
const form = Buffer.concat([
  /* Fill in the file upload field */
  part('sendfile', readFileSync(new URL(import.meta.url)), 'multi-post.ts'),
  /* Fill in the filename field */
  part('filename', 'multi-post.ts'),
  /* Fill in the submit field too, even if this is rarely needed */
  part('submit', 'send'),
  Buffer.from(`--${boundary}--\r\n`),
]);

/* initialize custom header list (stating that Expect: 100-continue is not
   wanted */
const headerlist = ['Expect:', `Content-Type: multipart/form-data; boundary=${boundary}`];

/* what URL that receives this POST */
curl.setOpt('URL', process.argv[2] ?? 'https://www.example.com/upload.cgi');
curl.setOpt('VERBOSE', 1);
curl.setOpt('HTTPHEADER', headerlist);
curl.setOpt('POSTFIELDS', form);
const response: Buffer[] = [];
curl.setOpt('WRITEFUNCTION', (data: Uint8Array) => void response.push(Buffer.from(data)));

multi_handle.addHandle(curl);

let still_running = 0;
do {
  still_running = multi_handle.perform();

  if (still_running)
    /* wait for activity, timeout or "nothing" */
    await multi_handle.poll(1000);
} while (still_running);

console.log(`posted ${form.length} bytes: HTTP ${curl.getInfo('RESPONSE_CODE')}, response ${Buffer.concat(response).length} bytes`);
multi_handle.close();

/* always cleanup */
curl.close();
