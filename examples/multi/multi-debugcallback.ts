// SPDX-License-Identifier: MIT
// curl's docs/examples/multi-debugcallback.c: a transfer through the multi
// interface with a DEBUGFUNCTION that dumps everything curl sends and gets.
// Usage: tsx examples/multi/multi-debugcallback.ts [URL]
import { CURL_INFOTYPE, Easy, Multi, Runtime } from 'libcurl-wasm';

const TRUE = true;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function dump(text: string, stream: NodeJS.WriteStream, ptr: Uint8Array, size: number, nohex: boolean): void {
  let width = 0x10;
  if (nohex)
    /* without the hex output, we can fit more on screen */
    width = 0x40;

  let out = `${text}, ${String(size).padStart(10, '0')} bytes (0x${hex(size, 8)})\n`;
  for (let i = 0; i < size; i += width) {
    out += `${hex(i, 4)}: `;
    if (!nohex) {
      /* hex not disabled, show it */
      for (let c = 0; c < width; c++) out += i + c < size ? `${hex(ptr[i + c]!, 2)} ` : '   ';
    }
    for (let c = 0; c < width && i + c < size; c++) {
      /* check for 0D0A; if found, skip past and start a new line of output */
      if (nohex && i + c + 1 < size && ptr[i + c] === 0x0d && ptr[i + c + 1] === 0x0a) {
        i += c + 2 - width;
        break;
      }
      out += ptr[i + c]! >= 0x20 && ptr[i + c]! < 0x80 ? String.fromCharCode(ptr[i + c]!) : '.';
      /* check again for 0D0A, to avoid an extra \n if it's at width */
      if (nohex && i + c + 2 < size && ptr[i + c + 1] === 0x0d && ptr[i + c + 2] === 0x0a) {
        i += c + 3 - width;
        break;
      }
    }
    out += '\n'; /* newline */
  }
  stream.write(out);
}

function my_trace(type: number, data: Uint8Array): number {
  let text: string;
  switch (type) {
    case CURL_INFOTYPE.CURLINFO_TEXT:
      process.stderr.write(`== Info: ${Buffer.from(data).toString('latin1')}`);
      return 0;
    case CURL_INFOTYPE.CURLINFO_HEADER_OUT:
      text = '=> Send header';
      break;
    case CURL_INFOTYPE.CURLINFO_DATA_OUT:
      text = '=> Send data';
      break;
    case CURL_INFOTYPE.CURLINFO_HEADER_IN:
      text = '<= Recv header';
      break;
    case CURL_INFOTYPE.CURLINFO_DATA_IN:
      text = '<= Recv data';
      break;
    default: /* in case a new one is introduced to shock us */
      return 0;
  }

  dump(text, process.stderr, data, data.length, TRUE);
  return 0;
}

const rt = await Runtime.create();
const http_handle = new Easy(rt);

/* set the options (I left out a few, you get the point anyway) */
http_handle.setOpt('URL', process.argv[2] ?? 'https://www.example.com/');

http_handle.setOpt('DEBUGFUNCTION', my_trace);
http_handle.setOpt('VERBOSE', 1);

/* init a multi stack */
const multi_handle = new Multi(rt);

/* add the individual transfers */
multi_handle.addHandle(http_handle);

let still_running = 0; /* keep number of running handles */
do {
  still_running = multi_handle.perform();

  if (still_running)
    /* wait for activity, timeout or "nothing" */
    await multi_handle.poll(1000);
} while (still_running);

multi_handle.close();
http_handle.close();
