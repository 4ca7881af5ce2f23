// SPDX-License-Identifier: MIT
// The EXAMPLE of curl's curl_multi_wakeup(3) manual page. "Thread 2" is
// whatever else runs on the event loop: here a timer that decides to stop
// thread 1 while its poll() waits up to 10 s on a transfer that would take
// a minute. Usage: tsx examples/multi/curl_multi_wakeup.ts SLOW_URL
import { Easy, Multi, Runtime } from 'libcurl-wasm';

const rt = await Runtime.create();
const multi = new Multi(rt);
let still_running: number;
let stop = false;

const time_to_die = () => stop;
const set_something_to_signal_thread_1_to_exit = () => void (stop = true);
const decide_to_stop_thread1 = () => true;

const easy = new Easy(rt).setOpt('URL', process.argv[2] ?? 'https://example.com/');

/* add the individual easy handle */
multi.addHandle(easy);

/* this is thread 2 */
setTimeout(() => {
  if (decide_to_stop_thread1()) {
    set_something_to_signal_thread_1_to_exit();
    multi.wakeup();
  }
}, 50);

/* this is thread 1 */
async function thread1(): Promise<number> {
  do {
    still_running = multi.perform();

    /* wait for activity, timeout or wakeup */
    await multi.poll(10000);

    if (time_to_die()) return 1;
  } while (still_running);
  return 0;
}

const rc = await thread1();
console.log(`thread 1 ${rc === 1 ? 'was told to exit' : 'finished'}, still running: ${still_running!}`);
multi.removeHandle(easy);
easy.close();
multi.close();
