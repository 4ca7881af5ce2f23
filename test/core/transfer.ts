// SPDX-License-Identifier: MIT
// A small driver for the core tests: one transfer through Easy + Multi.run,
// collecting what the callbacks saw.
import { Easy, type Multi, type OptionValue, type Runtime } from '../../ts/index.js';
import { setOptions } from '../../ts/curl/easy.js';

export interface Collected {
  easy: Easy;
  status: number;
  body: Buffer;
  headers: string[];
}

/** Runs one transfer with `opts`; the Easy stays open for getInfo (caller closes). */
export async function transfer(rt: Runtime, multi: Multi, url: string, opts: Record<string, OptionValue> = {}): Promise<Collected> {
  const easy = new Easy(rt);
  const chunks: Buffer[] = [];
  const headers: string[] = [];
  easy.setOpt('URL', url);
  easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => void chunks.push(Buffer.from(d)));
  easy.setOpt('HEADERFUNCTION', (d: Uint8Array) => void headers.push(Buffer.from(d).toString('latin1')));
  setOptions(easy, opts);
  try {
    await multi.run(easy);
  } catch (err) {
    easy.close();
    throw err;
  }
  return { easy, status: easy.getInfo('RESPONSE_CODE') as number, body: Buffer.concat(chunks), headers };
}

/** A Cookie header with its pairs sorted: curl's order is not the test's business. */
export function sortedCookies(header: string | null): string {
  return (header ?? '').split('; ').sort().join('; ');
}
