// SPDX-License-Identifier: MIT
// Child process for the liveness test: starts one transfer and never waits
// on it explicitly. It must print before the process exits (transfers keep
// the loop alive), and exit by itself afterwards although the connection
// stays in curl's cache and the Multi is never closed.
import { Easy, Multi, Runtime } from '../../ts/index.js';

const rt = await Runtime.create();
const multi = new Multi(rt);
const easy = new Easy(rt);
let body = '';
easy.setOpt('URL', process.argv[2]!);
easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => void (body += Buffer.from(d).toString()));
void multi.run(easy).then(() => console.log(`done ${easy.getInfo('RESPONSE_CODE')} ${body}`));
